"""The settings page's digest and calendar sections, the one-click unsubscribe, and the token feeds."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tracker.editing import StaleEdit
from tracker.feeds import PredictionFeed, calendar_predictions, prediction_calendar
from tracker.forms import CalendarLinkForm, EmailForm, ReminderSettingsForm
from tracker.models import ReminderSettings
from tracker.reminders import (
    calendar_owner,
    delivery_status,
    set_calendar_token,
    site_link,
    token_fingerprint,
    unsubscribe,
    user_for_unsubscribe,
)

STALE = ("Not saved: these settings were changed elsewhere (another tab?) since this page was loaded. "
         "Here they are as stored now.")


def settings_context(request: HttpRequest, form: ReminderSettingsForm | None = None) -> dict:
    """What the settings page's sections show (a section's view passes its own form in place of the fresh one)."""
    prefs = ReminderSettings.for_user(request.user)
    token = prefs.calendar_token
    return {
        "email_form": EmailForm(request.user),
        "reminders": prefs,
        "reminder_form": form or ReminderSettingsForm(instance=prefs),
        "calendar_shown": token_fingerprint(token),
        "calendar_url": site_link(reverse("calendar_feed", args=[token])) if token else "",
        "feed_url": site_link(reverse("prediction_feed", args=[token])) if token else "",
        # Editors answer for the app reaching people, so they see when it did not.
        "delivery": delivery_status() if request.user.has_perm("tracker.resolve_prediction") else None,
    }


def _section(request: HttpRequest, template: str, status: int = 200, *, error: str = "", saved: bool = False,
             form: ReminderSettingsForm | None = None) -> HttpResponse:
    """The section again for htmx; a plain form post goes back to the settings page, with the message."""
    if request.htmx:
        return render(request, template, {**settings_context(request, form), "error": error, "saved": saved},
                      status=status)
    if error:
        messages.error(request, error)
    return redirect("settings")


@require_POST
def reminder_settings(request: HttpRequest) -> HttpResponse:
    """Save the digest choice (creating the user's settings on the first save)."""
    prefs = ReminderSettings.for_user(request.user)
    form = ReminderSettingsForm(request.POST, instance=prefs)
    if not form.is_valid():
        if request.htmx:
            return _section(request, "accounts/_reminders.html", status=422, form=form)
        return render(request, "accounts/settings.html", settings_context(request, form), status=422)
    try:
        form.save()
    except StaleEdit:
        return _section(request, "accounts/_reminders.html", status=409, error=STALE)
    if not request.htmx:
        messages.success(request, "Digest settings saved.")
    return _section(request, "accounts/_reminders.html", saved=True)


@require_POST
def calendar_link(request: HttpRequest) -> HttpResponse:
    """Make a new secret calendar link, or revoke it."""
    form = CalendarLinkForm(request.POST)
    if not form.is_valid():
        return _section(request, "accounts/_calendar.html", status=400, error="Choose an action.")
    try:
        set_calendar_token(request.user, form.cleaned_data["shown"],
                           revoke=form.cleaned_data["action"] == "revoke")
    except StaleEdit:
        return _section(request, "accounts/_calendar.html", status=409, error=STALE)
    return _section(request, "accounts/_calendar.html", saved=True)


@login_not_required
@csrf_exempt  # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" with no session and no form
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link checkers and previews follow links; they must not unsubscribe anyone); POST turns the
    digest off, for the mail client's one-click request as for the button."""
    person = user_for_unsubscribe(token)
    if person is None:
        return render(request, "reminders/bad_link.html", status=404)
    if request.method == "POST":
        unsubscribe(person)
    return render(request, "reminders/unsubscribe.html", {"person": person, "done": request.method == "POST"})


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    if calendar_owner(token) is None:
        raise Http404("No calendar link like this.")
    response = HttpResponse(prediction_calendar(calendar_predictions()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="thesis-tracker.ics"'
    return response


prediction_feed = login_not_required(require_GET(PredictionFeed()))
