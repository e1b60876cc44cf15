"""Import and export of bundles through the browser."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from pydantic import ValidationError

from tracker.bundle import BundleError, Problem, export_bundle, import_bundle
from tracker.forms import ImportForm


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("tracker.add_prediction"):
        raise PermissionDenied("Only editors can import bundles.")
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    problems: list[Problem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.BUNDLE_MAX_BYTES:
            problems = [Problem("", f"the file is {upload.size:,} bytes; the limit is "
                                    f"{settings.BUNDLE_MAX_BYTES:,} bytes")]
        else:
            try:
                report = import_bundle(upload.read(), dry_run=bool(request.POST.get("dry_run")))
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
    try:
        bundle = export_bundle()
    except ValidationError as exc:
        # Only data written around the forms (the database by hand, an older version) can get here.
        problems = [f"{error['input']!r}: {error['msg']}" for error in exc.errors()]
        model = exc.title.removesuffix("In").lower()  # PersonIn -> person
        return render(request, "bundles/export_refused.html", {"model": model, "problems": problems}, status=409)
    response = HttpResponse(bundle, content_type="application/json; charset=utf-8")
    name = f"thesis-tracker-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
