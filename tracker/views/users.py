"""The Users page: editors see every account, change roles in place, deactivate and invite by e-mail."""

import logging
import smtplib

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from tracker import accounts
from tracker.formats import moment
from tracker.forms import InviteForm, RoleForm
from tracker.models import Invitation
from tracker.paging import page_of
from tracker.roles import Role

from .common import safe_next

MANAGE = "tracker.manage_users"
PER_PAGE = 50
logger = logging.getLogger(__name__)


def list_context(request: HttpRequest, invite_form: InviteForm | None = None) -> dict:
    # A page of ids, then what the page shows of those accounts only (see accounts.listed).
    page = page_of(request, accounts.by_name().values_list("pk", flat=True), PER_PAGE)
    page.object_list = accounts.described(list(accounts.listed().filter(pk__in=page.object_list)))
    return {"page": page, "invite_form": invite_form or InviteForm(), "roles": Role.choices}


@require_GET
@permission_required(MANAGE, raise_exception=True)
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "users/list.html", list_context(request))


def send(request: HttpRequest, invitation: Invitation) -> None:
    """E-mail the invitation's link and say how it went; a failure leaves the invitation to be sent again."""
    link = request.build_absolute_uri(reverse("join", args=[accounts.token_for(invitation)]))
    try:
        accounts.send_invitation(invitation, link)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("invitation to %s not sent: %s", invitation.email, exc)
        messages.error(request, f"The invitation to {invitation.email} is saved, but the e-mail could not be sent "
                                f"({exc}). Try again with “Send a new invitation” on their row.")
        return
    messages.success(request, f"Invitation sent to {invitation.email}. Its link works until "
                              f"{moment(invitation.expires_at)}.")


@require_POST
@permission_required(MANAGE, raise_exception=True)
def user_invite(request: HttpRequest) -> HttpResponse:
    """Invite someone new, from the form on the Users page."""
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = accounts.invite(request.user, form.cleaned_data["email"], role=form.cleaned_role())
        except accounts.Refused as refused:
            form.add_error("email", str(refused))
        else:
            send(request, invitation)
            return redirect("user_list")
    return render(request, "users/list.html", list_context(request, invite_form=form), status=422)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE, raise_exception=True)
def account_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite the person behind an account that cannot log in yet: one an import made, or invited before."""
    account = get_object_or_404(accounts.listed(), pk=pk)
    form = InviteForm(request.POST or None, account=account)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            invitation = accounts.invite(request.user, form.cleaned_data["email"], account=account)
        except accounts.Refused as refused:
            form.add_error(None, str(refused))
            status = 409
        else:
            send(request, invitation)
            return redirect(safe_next(request, reverse("user_list")))
    elif form.is_bound:
        status = 422
    accounts.described([account])
    return render(request, "users/invite.html", {"account": account, "form": form}, status=status)


def answer(request: HttpRequest, account, *, notice: str, ok: bool, status: int = 200) -> HttpResponse:
    """The account's row again (htmx), or back to the list with the message (a plain form post)."""
    if not request.htmx:
        (messages.success if ok else messages.error)(request, notice)
        return redirect(safe_next(request, reverse("user_list")))
    accounts.described([account])
    context = {"account": account, "notice": notice, "notice_ok": ok, "roles": Role.choices}
    return render(request, "users/list.html#user-row", context, status=status)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(accounts.listed(), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return answer(request, account, notice="Choose one of the roles offered.", ok=False, status=400)
    role = Role(form.cleaned_data["role"])
    try:
        account = accounts.change_role(request.user, pk, role, Role(form.cleaned_data["seen"]))
    except accounts.Changed as changed:
        return answer(request, changed.account, notice=str(changed), ok=False, status=409)
    except accounts.Refused as refused:
        return answer(request, account, notice=str(refused), ok=False, status=409)
    name = account.get_username()
    if account.pk == request.user.pk and role != Role.EDITOR:
        messages.info(request, f"You are now {role.label.lower()}: another editor manages the accounts from here on.")
        target = reverse("dashboard")
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    return answer(request, account, notice=f"{name} is now {role.label.lower()}.", ok=True)


@require_POST
@permission_required(MANAGE, raise_exception=True)
def user_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    account = get_object_or_404(accounts.listed(), pk=pk)
    try:
        account = accounts.set_active(request.user, pk, active)
    except accounts.Changed as changed:
        return answer(request, changed.account, notice=str(changed), ok=False, status=409)
    except accounts.Refused as refused:
        return answer(request, account, notice=str(refused), ok=False, status=409)
    name = account.get_username()
    notice = (f"{name} is active again and can log in." if active else
              f"{name} is deactivated: logged out everywhere, and cannot log in. Their forecasts and history stay.")
    return answer(request, account, notice=notice, ok=True)
