"""Our middleware: htmx-aware login redirects, request-body limits, no caching of private pages, a busy database."""

import logging
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

Middleware = Callable[[HttpRequest], HttpResponse]
logger = logging.getLogger(__name__)
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")
API_PREFIX = "/api/"


def htmx_login_redirect(get_response: Middleware) -> Middleware:
    """An htmx request from an expired session sends the whole browser to the login page.

    Without this, htmx would follow the redirect and swap the login form into a table row.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        login_url = resolve_url(settings.LOGIN_URL)
        if (
            getattr(request, "htmx", False)
            and response.status_code == 302
            and response["Location"].startswith(login_url)
        ):
            next_url = urlencode({"next": request.htmx.current_url_abs_path or "/"})
            return HttpResponseClientRedirect(f"{login_url}?{next_url}")
        return response

    return middleware


def body_size_limit(get_response: Middleware) -> Middleware:
    """Refuse a request body by its declared size, before anything reads it.

    Logged in, a body may hold a bundle (REQUEST_BODY_MAX_BYTES); before that, only a login form
    (ANONYMOUS_BODY_MAX_BYTES). A body without Content-Length (chunked) is refused too: Django would read none
    of it, and the form would fail for a reason nobody could see.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH")
        if not declared:
            if "HTTP_TRANSFER_ENCODING" in request.META:
                return refuse_body(request, 411, "A request body needs a Content-Length.")
            return get_response(request)
        try:
            size = int(declared)
        except ValueError:
            return get_response(request)  # Django reads no body at all for a Content-Length it cannot parse
        if size > settings.REQUEST_BODY_MAX_BYTES:
            return refuse_body(request, 413, f"The largest request accepted is {settings.REQUEST_BODY_MAX_BYTES:,} "
                                           f"bytes (bundles up to {settings.BUNDLE_MAX_BYTES:,} bytes).")
        if size > settings.ANONYMOUS_BODY_MAX_BYTES and not request.user.is_authenticated:
            return refuse_body(request, 413, "Log in first: before that, the largest request accepted is "
                                           f"{settings.ANONYMOUS_BODY_MAX_BYTES:,} bytes.")
        return get_response(request)

    return middleware


def refuse_body(request: HttpRequest, status: int, reason: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"message": reason, "errors": [{"location": "body", "message": reason}]}, status=status)
    return render(request, "413.html", {"reason": reason}, status=status)


def private_pages(get_response: Middleware) -> Middleware:
    """Pages behind the login are never stored by the browser, and never confused with fragments."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not request.path.startswith(STATIC_PREFIX):
            add_never_cache_headers(response)  # includes no-store
            patch_vary_headers(response, ["HX-Request"])
        return response

    return middleware


# A write that waited this long for the database once will usually get through on a retry.
RETRY_AFTER_SECONDS = 5
# PostgreSQL's codes for a transaction that lost a wait for a lock: lock_timeout, deadlock, serialization.
POSTGRES_BUSY = {"55P03", "40P01", "40001"}


def is_busy(exc: Exception) -> bool:
    """The database could not take this write now (another one holds the lock), rather than a bug."""
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc).lower()
    if "database is locked" in message or "database table is locked" in message:  # SQLite, after its timeout
        return True
    return getattr(exc.__cause__, "sqlstate", None) in POSTGRES_BUSY


class BusyDatabase:
    """A write that timed out waiting for the database (e.g. behind a long import) answers 503 "try again".

    Its transaction was rolled back, so nothing was written. For htmx the message goes to the page's message
    area, like a refusal.
    """

    def __init__(self, get_response: Middleware):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_busy(exception):
            return None
        logger.warning("Busy database, answered 503: %s %s (%s)", request.method, request.path, exception)
        if request.path.startswith(API_PREFIX):
            response = JsonResponse({"message": "The database is busy; try again in a few seconds.", "errors": []},
                                    status=503)
        else:
            response = render(request, "503.html", {"retry_after": RETRY_AFTER_SECONDS}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if getattr(request, "htmx", False):
            response = reswap(retarget(response, "#flash"), "innerHTML")
        return response
