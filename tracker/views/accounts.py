"""Account pages: the log-in page, which never sends anyone back to itself or to the log-out action, and
a user's own settings."""

from urllib.parse import urlsplit

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import Resolver404, resolve

from tracker.views.reminders import settings_context

# A `next` naming one of these would loop (login) or answer 405 to the redirect's GET (logout).
NOT_A_DESTINATION = {"login", "logout"}


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def get_redirect_url(self, request=None) -> str:
        target = super().get_redirect_url(request)
        try:
            name = resolve(urlsplit(target).path).url_name if target else None
        except Resolver404:
            return target  # a page that does not exist answers 404 itself; nothing loops
        return "" if name in NOT_A_DESTINATION else target


@login_required
def settings_page(request):
    return render(request, "accounts/settings.html", settings_context(request))
