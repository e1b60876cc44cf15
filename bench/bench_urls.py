"""The app's URLs plus a bare view, the baseline the throughput benchmark compares every page against.

Serve with `DJANGO_ROOT_URLCONF=bench.bench_urls` (tracker/settings.py reads it) and gunicorn
`--pythonpath /work/main`. `/bench/bare/` goes through the full middleware stack but touches no database
and renders no template; `/bench/bare-user/` also loads the session and the user (two queries), the least any
page behind the login does.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path

from tracker.urls import handler403
from tracker.urls import urlpatterns as app_urlpatterns

__all__ = ["handler403", "urlpatterns"]


@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


def bare_user(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{request.user.get_username()}\n", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/bare-user/", bare_user, name="bench_bare_user"),
    *app_urlpatterns,
]
