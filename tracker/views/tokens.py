"""Personal API tokens on the settings page: create one (shown once, on the page the form posts to) and revoke."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker.api.tokens import issue
from tracker.forms import DateInput
from tracker.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    expires_on = forms.DateField(required=False, widget=DateInput(), label="Expires after",
                                 help_text="Optional: the last day the token works.")

    class Meta:
        model = ApiToken
        fields = ["name", "read_only"]
        labels = {"read_only": "Read-only"}

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError("Choose today or a later day, or leave it blank.")
        return value

    @property
    def expires_at(self) -> datetime | None:
        last_day = self.cleaned_data.get("expires_on")
        return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC) if last_day else None


@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    """The settings page again, with the new token on it: the only time it is shown, so it is never stored."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/settings.html", {"token_form": form}, status=422)
    token, raw = issue(request.user, form.cleaned_data["name"], read_only=form.cleaned_data["read_only"],
                       expires_at=form.expires_at)
    return render(request, "accounts/settings.html", {"new_token": raw, "new_token_name": token.name}, status=201)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # someone else's token is not found
    token.delete()
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("settings")
