"""Accounts as editors manage them: roles (Django groups, tracker/roles.py), invitations by e-mail, deactivation.

Every write checks the state the editor was shown, and none may leave the app without an editor who can log in.
Role changes and deactivations lock the editors group's row first, so two of them never both count the same
last editor (SQLite's IMMEDIATE transactions serialize them anyway).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Invitation, invitation_expiry
from .roles import EDITORS, MEMBERS, Role, create_roles
from .sessions import end_sessions

User = get_user_model()
INVITATION_SALT = "tracker.invitation"
USERNAME_LENGTH = User._meta.get_field("username").max_length


class Refused(Exception):
    """The change would break a rule (say, leave no editor); nothing was written."""


class Changed(Exception):
    """The account changed since the page was loaded; nothing was written. `account` is it as stored now."""

    def __init__(self, account, message: str):
        super().__init__(message)
        self.account = account


# --- Reading ---------------------------------------------------------------------------------------------


def _in_group(name: str) -> Exists:
    return Exists(User.groups.through.objects.filter(user=OuterRef("pk"), group__name=name))


def by_name() -> QuerySet:
    return User.objects.order_by(Lower("username"), "pk")


def listed() -> QuerySet:
    """Accounts with what the Users page shows of each (role, latest invitation), by user name, in one query.
    Filter it to the accounts wanted before reading: the database works out the annotations for every row it
    passes, even those an OFFSET skips."""
    latest = Invitation.objects.filter(user=OuterRef("pk")).order_by("-sent_at", "-id")
    return by_name().annotate(
        in_editors=_in_group(EDITORS),
        in_members=_in_group(MEMBERS),
        has_password=ExpressionWrapper(~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX), BooleanField()),
        invited_at=Subquery(latest.values("sent_at")[:1]),
    )


def role_of(account) -> Role | None:
    """The role an account from `listed()` holds; None for a superuser, whose rights no role describes."""
    if account.is_superuser:
        return None
    if account.in_editors:
        return Role.EDITOR
    return Role.MEMBER if account.in_members else Role.READ_ONLY


@dataclass(frozen=True)
class State:
    code: str  # active, deactivated, invited, expired, not-invited
    label: str


def state_of(account) -> State:
    if not account.is_active:
        return State("deactivated", "Deactivated")
    if account.has_password:
        return State("active", "Active")
    if account.invited_at is None:
        return State("not-invited", "Not invited: cannot log in yet")
    if timezone.now() >= invitation_expiry(account.invited_at):
        return State("expired", "Invitation expired")
    return State("invited", "Invited, not yet joined")


def can_manage() -> QuerySet:
    """Accounts that can log in and manage the others: active editors and superusers with a password."""
    return User.objects.filter(Q(is_superuser=True) | Q(groups__name=EDITORS), is_active=True).exclude(
        password__startswith=UNUSABLE_PASSWORD_PREFIX).distinct()


def email_owner(email: str, exclude_pk: int | None = None):
    """The account that already uses this address, in any letter case (None: nobody)."""
    if not email:
        return None
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).first()


# --- Roles and deactivation ------------------------------------------------------------------------------


def _role_group(name: str) -> Group:
    """A role's group; made again if someone deleted it in the admin, rather than failing the request."""
    if not Group.objects.filter(name=name).exists():
        create_roles()
    return Group.objects.get(name=name)


def _locked(pk: int):
    """The account as stored now, read after taking the editors' lock, inside the caller's transaction."""
    _role_group(EDITORS)
    Group.objects.select_for_update().get(name=EDITORS)
    return listed().get(pk=pk)


def _keeps_an_editor(account, actor) -> None:
    """Refuse a change that takes `account`'s right to manage away when nobody else would keep it."""
    if can_manage().filter(pk=account.pk).exists() and not can_manage().exclude(pk=account.pk).exists():
        who = "you are" if account.pk == actor.pk else f"{account.get_username()} is"
        raise Refused(f"Not changed: {who} the last editor who can log in. Make someone else an editor first.")


def change_role(actor, pk: int, role: Role, seen: Role) -> object:
    """Give the account `role`, if it still holds `seen`, the role the editor was shown. The account as stored
    after the change."""
    with transaction.atomic():
        account = _locked(pk)
        current = role_of(account)
        if current is None:
            raise Refused(f"{account.get_username()} is a superuser: their rights are set in the admin, not here.")
        if current != seen:
            raise Changed(account, f"Not changed: someone else made {account.get_username()} "
                                   f"{current.label.lower()} since you loaded the page. Choose again.")
        if role == current:
            return account
        if current == Role.EDITOR:
            _keeps_an_editor(account, actor)
        account.groups.remove(*Group.objects.filter(name__in=[EDITORS, MEMBERS]))
        if role.group:
            account.groups.add(_role_group(role.group))
        return listed().get(pk=pk)


def set_active(actor, pk: int, active: bool) -> object:
    """Deactivate (ending every session) or reactivate an account; its forecasts and history stay. Refused if
    it already is so: someone else did it, and the editor should see that rather than a silent success."""
    with transaction.atomic():
        account = _locked(pk)
        name = account.get_username()
        if account.is_active == active:
            raise Changed(account, f"Not changed: someone else already {'re' if active else 'de'}activated {name}.")
        if not active:
            if account.pk == actor.pk:
                raise Refused("You cannot deactivate your own account: another editor has to.")
            if account.is_superuser:
                raise Refused(f"{name} is a superuser: deactivate them in the admin.")
            _keeps_an_editor(account, actor)
        User.objects.filter(pk=pk, is_active=not active).update(is_active=active)
        if not active:
            end_sessions(pk)
        return listed().get(pk=pk)


# --- Invitations -----------------------------------------------------------------------------------------


def suggest_username(email: str) -> str:
    """A free user name from the address's local part, "ana.lima@x.org" -> "ana.lima" (or "ana.lima2"...)."""
    base = re.sub(r"[^\w.+-]", "", email.split("@")[0])[: USERNAME_LENGTH - 4] or "user"
    taken = {n.lower() for n in User.objects.filter(username__istartswith=base).values_list("username", flat=True)}
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}{n}", n + 1
    return name


def invite(actor, email: str, *, role: Role | None = None, account=None) -> Invitation:
    """A new invitation: to a new account with `role`, or to `account`, one that cannot log in yet (made by an
    import, or invited before). An earlier invitation to the same account stops working."""
    email = User.objects.normalize_email(email)
    try:
        with transaction.atomic():
            if account is None:
                account = User(username=suggest_username(email), email=email)
                account.set_unusable_password()
                account.save()
                if role and role.group:
                    account.groups.add(_role_group(role.group))
                new_account = True
            else:
                account = User.objects.select_for_update().get(pk=account.pk)
                if not account.is_active:
                    raise Refused(f"{account.get_username()} is deactivated: reactivate the account first.")
                if account.has_usable_password():
                    raise Refused(f"{account.get_username()} has already joined; they can reset their password "
                                  f"from the log-in page.")
                if account.email != email:
                    account.email = email
                    account.save(update_fields=["email"])
                new_account = account.invitations.filter(new_account=True).exists()
            return Invitation.objects.create(user=account, email=email, invited_by=actor, new_account=new_account)
    except IntegrityError:  # the address was taken between the form's check and this write
        raise Refused(f"Another account already uses {email}.") from None


def token_for(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_from(token: str) -> Invitation | None:
    """The invitation a link names, or None for a link that is not ours (forged, mangled)."""
    try:
        pk = signing.loads(token, salt=INVITATION_SALT)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("user", "invited_by").filter(pk=pk).first()


@dataclass(frozen=True)
class LinkProblem:
    title: str
    text: str


ALREADY_USED = LinkProblem("This invitation was already used",
                           "The account has its password now. Log in, or reset the password from the log-in page "
                           "if you forgot it.")


def link_problem(invitation: Invitation) -> LinkProblem | None:
    """Why an invitation's link no longer works, or None if it does."""
    account = invitation.user
    if invitation.accepted_at or account.has_usable_password():
        return ALREADY_USED
    if not account.is_active:
        return LinkProblem("This account was deactivated", "Ask an editor to reactivate it and to invite you again.")
    if account.invitations.filter(sent_at__gt=invitation.sent_at).exists():
        return LinkProblem("This link was replaced by a newer invitation",
                           "A later e-mail holds the link that works; use the newest one.")
    if invitation.is_expired:
        inviter = invitation.invited_by.get_username() if invitation.invited_by else "an editor"
        return LinkProblem("This invitation has expired",
                           f"Invitation links work for a few days. Ask {inviter} to send you a new one.")
    return None


class LinkGone(Refused):
    """The invitation's link no longer works; `problem` says why."""

    def __init__(self, problem: LinkProblem):
        super().__init__(problem.title)
        self.problem = problem


def accept(invitation: Invitation, *, password: str, username: str | None = None):
    """Set the invitee's password (and user name, for an account made by the invitation). Of two racing
    acceptances exactly one wins; the other gets `LinkGone`, as any link that no longer works."""
    with transaction.atomic():
        account = User.objects.select_for_update().get(pk=invitation.user_id)
        invitation.user = account
        if problem := link_problem(invitation):
            raise LinkGone(problem)
        if not Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(accepted_at=timezone.now()):
            raise LinkGone(ALREADY_USED)
        columns = ["password"]
        if username and invitation.new_account:
            account.username = username
            columns.append("username")
        account.set_password(password)
        account.save(update_fields=columns)
        return account


def send_invitation(invitation: Invitation, link: str) -> None:
    """The invitation e-mail, plain text and HTML."""
    context = {"invitation": invitation, "link": link, "role": role_of(listed().get(pk=invitation.user_id))}
    message = EmailMultiAlternatives(
        subject="You are invited to Thesis Tracker",
        body=render_to_string("accounts/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("accounts/email/invitation.html", context), "text/html")
    message.send()


def set_email(user, email: str, seen: str) -> None:
    """A user's own address, written only if it is still the one their page showed."""
    try:
        with transaction.atomic():
            if not User.objects.filter(pk=user.pk, email=seen).update(email=email):
                current = User.objects.get(pk=user.pk)
                raise Changed(current, f"Not saved: your address was changed to “{current.email or 'none'}” "
                                       f"elsewhere since you loaded this page. Check it and save again.")
    except IntegrityError:
        raise Refused("Another account uses this address; each address belongs to one account.") from None
    user.email = email


def described(page_accounts):
    """Give each account from `listed()` its `role` and `state`, for the Users page."""
    for account in page_accounts:
        account.role = role_of(account)
        account.state = state_of(account)
    return page_accounts
