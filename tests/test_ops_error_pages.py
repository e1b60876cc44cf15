"""Every error page (400, 403, 404, 500) is ours, for any request, logged in or not, with DEBUG off.

This module is also a URLconf: the tests below point ROOT_URLCONF at it to reach views that fail on purpose.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import get_resolver, path

from tracker import urls as tracker_urls


@login_not_required
def permission_denied(request):
    raise PermissionDenied("Not for you.")


@login_not_required
def server_error(request):
    raise RuntimeError("a bug")


urlpatterns = [path("test/403/", permission_denied), path("test/500/", server_error), *tracker_urls.urlpatterns]
handler403 = tracker_urls.handler403

# Each page's own words, from its template (so a bare fallback or another page cannot pass).
PAGES = {400: "<title>Bad request", 403: "<h1>Not allowed", 404: "<title>Not found", 500: "Something went wrong"}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["tracker.example.com"]


def request_each_error(client):
    host = {"HTTP_HOST": "tracker.example.com"}
    return {
        400: client.get("/", HTTP_HOST="evil.example"),
        403: client.get("/test/403/", **host),
        404: client.get("/no-such-page/", **host),
        500: client.get("/test/500/", **host),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
def test_each_error_page_is_ours_through_the_whole_middleware_stack(production, member, logged_in):
    client = Client(raise_request_exception=False)
    if logged_in:
        client.force_login(member)
    for status, response in request_each_error(client).items():
        assert response.status_code == status
        assert PAGES[status] in response.content.decode(), status


@pytest.mark.parametrize(("status", "exception"), [(400, PermissionDenied()), (403, PermissionDenied("No.")),
                                                 (404, Http404()), (500, None)])
def test_each_error_page_renders_for_a_request_no_middleware_has_seen(production, status, exception):
    view = get_resolver().resolve_error_handler(status)
    request = RequestFactory().get("/", HTTP_HOST="tracker.example.com")
    response = view(request) if exception is None else view(request, exception)
    assert response.status_code == status
    assert PAGES[status] in response.content.decode()


def test_production_prints_server_errors_and_requests_for_other_hosts():
    # Its own process, with the production settings: what the console shows is what an operator sees.
    script = ("import django; django.setup(); from django.test import Client; c = Client(raise_request_exception="
              "False); print(c.get('/', HTTP_HOST='evil.example', secure=True).status_code, c.get('/test/500/', "
              "HTTP_HOST='tracker.example.com', secure=True).status_code)")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
           "DJANGO_SETTINGS_MODULE": "tracker.settings", "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60,
           "DJANGO_ALLOWED_HOSTS": "tracker.example.com", "DJANGO_ROOT_URLCONF": __name__}
    result = subprocess.run([sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.split() == ["400", "500"], result.stderr
    assert "Invalid HTTP_HOST header: 'evil.example'" in result.stderr
    assert "RuntimeError: a bug" in result.stderr
