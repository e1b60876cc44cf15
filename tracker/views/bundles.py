"""Import and export of bundles through the browser."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tracker.bundle import BundleError, Problem, export, import_bundle
from tracker.forms import ImportForm
from tracker.limits import too_large

EXPORT_PROBLEMS_SHOWN = 10
# An import adds predictions (and what they rest on); base.html offers the Import link under the same name.
IMPORT_PERMISSION = "tracker.add_prediction"


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied("Only editors can import bundles.")
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    problems: list[Problem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if refusal := too_large(upload.size, settings.BUNDLE_MAX_BYTES):
            problems = [Problem("", refusal)]
        else:
            try:
                report = import_bundle(upload.read(), dry_run=bool(request.POST.get("dry_run")), user=request.user)
            except BundleError as exc:
                problems = exc.problems
            else:
                verb = "Checked (nothing written)" if request.POST.get("dry_run") else "Imported"
                messages.success(request, f"{verb} {upload.name}.")
                # The same figures as a table on the page the browser is sent back to.
                request.session["last_import"] = {"file": upload.name, "checked_only": bool(request.POST.get(
                    "dry_run")), "rows": report.rows()}
                return redirect("import")
    status = 422 if problems or form.errors else 200
    last = request.session.pop("last_import", None) if request.method == "GET" else None
    return render(request, "bundles/import.html", {"form": form, "problems": problems, "last": last},
                  status=status)


@require_GET
def export_view(request: HttpRequest) -> HttpResponse:
    if settings.BLIND_FORECASTING and not request.user.has_perm("tracker.change_prediction"):
        # A backup holds every forecast, so under blind forecasting it would show the crowd on open predictions.
        raise PermissionDenied("With blind forecasting on, only editors can export: a bundle holds every forecast, "
                               "including those hidden from you on open predictions.")
    result = export()
    if result.problems:
        # Only data written around the forms (the admin, a shell) gets here; the file is complete regardless.
        shown = "; ".join(map(str, result.problems[:EXPORT_PROBLEMS_SHOWN]))
        more = len(result.problems) - EXPORT_PROBLEMS_SHOWN
        messages.warning(request, f"The export is complete, but {len(result.problems)} stored object(s) need "
                                  f"attention before the file imports again: {shown}"
                                  + (f"; and {more} more (manage.py export_bundle lists them all)" if more > 0 else ""))
    response = HttpResponse(result.text, content_type="application/json; charset=utf-8")
    name = f"thesis-tracker-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
