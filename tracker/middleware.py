"""Small middleware of our own: htmx-aware login redirects and no caching of private pages."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

Middleware = Callable[[HttpRequest], HttpResponse]
STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")


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


def private_pages(get_response: Middleware) -> Middleware:
    """Pages behind the login are never stored by the browser, and never confused with fragments."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not request.path.startswith(STATIC_PREFIX):
            add_never_cache_headers(response)  # includes no-store
            patch_vary_headers(response, ["HX-Request"])
        return response

    return middleware
