"""Account pages: the log-in page, which never sends anyone back to itself or to the log-out action, joining
from an invitation's link, and a user's own settings."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_http_methods, require_POST

from tracker import accounts
from tracker.forms import EmailForm, JoinForm
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
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/settings.html", settings_context(request))


@require_POST
@login_required
def settings_email(request: HttpRequest) -> HttpResponse:
    """The settings page's address form; htmx swaps its section, a plain post comes back to the page."""
    form = EmailForm(request.user, request.POST)
    status, notice = 422, ""
    if form.is_valid():
        try:
            accounts.set_email(request.user, form.cleaned_data["email"], form.cleaned_data["seen"])
        except accounts.Changed as changed:
            # Theirs again, now checked against the address stored: saving once more is a deliberate choice.
            current = changed.account.email
            form, status = EmailForm(request.user, {"email": form.cleaned_data["email"], "seen": current}), 409
            form.is_valid()
            form.add_error(None, str(changed))
        except accounts.Refused as refused:
            form.add_error("email", str(refused))
        else:
            notice = f"Your address is now {request.user.email}." if request.user.email else "Your address is removed."
            if not request.htmx:
                messages.success(request, notice)
                return redirect("settings")
            form, status = EmailForm(request.user), 200
    section = {"email_form": form, "email_notice": notice}
    if request.htmx:
        return render(request, "accounts/_email.html#email", section, status=status)
    return render(request, "accounts/settings.html", {**settings_context(request), **section}, status=status)


INVALID_LINK = accounts.LinkProblem("This link is not valid",
                                    "It may be cut short: copy the whole link from the e-mail into the address bar.")


def link_gone(request: HttpRequest, problem: accounts.LinkProblem, status: int = 410) -> HttpResponse:
    return render(request, "accounts/link_gone.html", {"problem": problem}, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link: the invitee chooses a password (and a user name, for a new account), and is in."""
    invitation = accounts.invitation_from(token)
    if invitation is None:
        return link_gone(request, INVALID_LINK, status=404)
    if problem := accounts.link_problem(invitation):
        return link_gone(request, problem)
    form = JoinForm(invitation.user, request.POST or None, chooses_username=invitation.new_account)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.accept(invitation, password=form.cleaned_data["new_password1"],
                                   username=form.cleaned_data.get("username"))
        except accounts.LinkGone as gone:
            return link_gone(request, gone.problem)
        login(request, user, backend="tracker.backends.OneQueryModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}: you are logged in. Your settings are below.")
        return redirect("settings")
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/join.html", context, status=422 if form.is_bound else 200)
