"""Pieces every view family uses."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from tracker.cache import invalidate_scoreboard
from tracker.deletion import StillReferenced, delete_unreferenced, references_to
from tracker.editing import StaleEdit
from tracker.formats import day
from tracker.models import Prediction
from tracker.pickers import PickerForm
from tracker.scores import keeping_groups


def safe_next(request: HttpRequest, default: str) -> str:
    """Where a plain form post goes back to: the page it came from, if that page is ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default



def quoted(obj) -> str:
    """An object's name in quotation marks, once: a quote's name already wears them."""
    text = str(obj)
    return text if text.startswith("“") and text.endswith("”") else f"“{text}”"


def edit_object(request: HttpRequest, form_class, pk: int | None = None, form_kwargs: dict | None = None,
                **initial) -> HttpResponse:
    """Create (pk None) or edit one object with its ModelForm; editors only. `form_kwargs` go to the form as
    it is made for this request (the user, what the page's query narrows)."""
    model = form_class._meta.model
    name = model._meta.verbose_name
    instance = get_object_or_404(model, pk=pk) if pk else None
    perm = f"tracker.{'change' if instance else 'add'}_{model._meta.model_name}"
    if not request.user.has_perm(perm):
        verb = "change" if instance else "create"
        raise PermissionDenied(f"Only editors can {verb} {model._meta.verbose_name_plural}.")
    data = request.POST if request.method == "POST" else None
    # Preset choices (?source=3 from a source's page) apply to new objects only, and only when given.
    preset = {name: value for name, value in initial.items() if value is not None} if instance is None else {}
    form_kwargs = form_kwargs or {}
    form = form_class(data, instance=instance, initial=preset, **form_kwargs)
    form.actor = request.user
    if isinstance(form, PickerForm):
        form.find(request.GET)
        if request.method == "GET" and request.htmx and form.searched_picker(request.htmx.trigger_name):
            # A picker's search box: its choices for what it holds now (ticked, typed), as the request says.
            searched = form_class(request.GET, instance=instance, **form_kwargs).find(request.GET)
            return render(request, "objects/_picker.html#choices",
                          {"field": searched.searched_picker(request.htmx.trigger_name)})
    if request.method == "POST" and form.is_valid():
        try:
            # A scored prediction moved between speakers, sources, theses, companies or tags moves their accuracy.
            with transaction.atomic(), keeping_groups([instance.pk] if isinstance(instance, Prediction) else []):
                saved = form.save()
                invalidate_scoreboard()
        except StaleEdit as stale:
            return stale_edit(request, form, stale.current)
        messages.success(request, f"{name.capitalize()} {quoted(saved)} saved.")
        if request.htmx:
            return HttpResponseClientRedirect(saved.get_absolute_url())
        return redirect(saved)
    return render(request, "objects/form.html", form_context(request, form, instance),
                  status=422 if form.is_bound else 200)


def form_context(request: HttpRequest, form, instance, **extra) -> dict:
    model = form._meta.model
    context = {"form": form, "object": instance, "verbose_name": model._meta.verbose_name,
               "cancel_url": instance.get_absolute_url() if instance else safe_next(request, "/"), **extra}
    if instance and request.user.has_perm(f"tracker.delete_{model._meta.model_name}"):
        context["delete_url"] = reverse(f"{model._meta.model_name}_delete", args=[instance.pk])
    return context


def stale_edit(request: HttpRequest, form, current) -> HttpResponse:
    """409: the edit lost to a newer write. The form again, holding the user's values and the version stored
    now (so saving again is a deliberate choice), under a table of where the two differ."""
    name = form._meta.model._meta.verbose_name
    if current is None:
        raise Http404(f"This {name} was deleted while you were editing it; nothing was saved.")
    yours = {field: value for field, value in form.cleaned_data.items() if field != "version"}
    stored = type(form)(instance=current)
    rows = []
    for field in stored.visible_fields():
        theirs, mine = shown(field.field, field.initial), shown(field.field, yours.get(field.name))
        if theirs != mine:
            rows.append((field.label, theirs, mine))
    stale = {"message": f"Not saved: someone else changed this {name} since you opened the form. Nothing was "
                        f"overwritten. The form below holds your values again: check them against what is stored "
                        f"now, because saving again stores every value in the form.",
             "rows": rows, "note": resolution_note(current)}
    fresh = type(form)(instance=current, initial=yours)
    return render(request, "objects/form.html", form_context(request, fresh, current, stale=stale), status=409)


def shown(field: forms.Field, value) -> str:
    """A form value as a person reads it: choices by their labels, nothing as a dash."""
    value = field.prepare_value(value)
    many = isinstance(value, list | tuple)
    values = [str(v) for v in (value if many else [value]) if v not in (None, "")]
    if values and hasattr(field, "choices"):
        labels = {str(key): str(label) for key, label in field.choices}
        values = [labels.get(v, v) for v in values]
    return ", ".join(sorted(values) if many else values) or "—"


def resolution_note(current) -> str:
    """What the edit form cannot show: that the prediction was resolved meanwhile."""
    if isinstance(current, Prediction) and not current.is_open:
        return f"It is now resolved “{current.get_status_display()}” (on {day(current.resolved_on)})."
    return ""


def delete_object(request: HttpRequest, model, pk: int, *, gone_to: str | Callable[[Any], str]) -> HttpResponse:
    """GET asks for confirmation; POST deletes the object if nothing refers to it (editors only), then goes to
    `gone_to` (a URL, or a function of the object giving one)."""
    obj = get_object_or_404(model, pk=pk)
    meta = model._meta
    if not request.user.has_perm(f"tracker.delete_{meta.model_name}"):
        raise PermissionDenied(f"Only editors can delete {meta.verbose_name_plural}.")
    if request.method == "POST":
        target = gone_to(obj) if callable(gone_to) else gone_to  # before the object is gone
        try:
            delete_unreferenced(obj)
        except StillReferenced as exc:
            references, status = exc.references, 409
        else:
            messages.success(request, f"{meta.verbose_name.capitalize()} {quoted(obj)} deleted.")
            return redirect(target)
    else:
        references, status = references_to(obj), 200
    context = {"object": obj, "verbose_name": meta.verbose_name, "references": references,
               "cancel_url": obj.get_absolute_url()}
    return render(request, "objects/confirm_delete.html", context, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 with the reason. For htmx, the message goes to the page's message area, not into a card."""
    response = render(request, "403.html", {"exception": str(exception or "")}, status=403)
    if getattr(request, "htmx", False):
        response = reswap(retarget(response, "#flash"), "innerHTML")
    return response
