"""Invitations by e-mail: a signed link, valid for INVITATION_VALID_DAYS, where the invitee chooses a password (and a
user name, for a new account) and is logged in. Used, expired, replaced and forged links get a clear page."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.test_bundle import VALID, run_import
from tracker.models import Invitation
from tracker.roles import EDITORS, MEMBERS

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-new-passphrase-7"


def invite(client, email="ana.lima@example.com", role="member"):
    return client.post(reverse("user_invite"), {"email": email, "role": role})


def link_in(message) -> str:
    return re.search(r"http://testserver(/join/\S+/)", message.body).group(1)


def join(path, **data):
    client = Client()
    return client, client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD, **data})


def test_an_invitation_creates_an_account_with_its_role_and_mails_a_link(editor_client):
    response = invite(editor_client)
    assert response.status_code == 302 and response["Location"] == reverse("user_list")
    account = User.objects.get(email="ana.lima@example.com")
    assert account.username == "ana.lima" and not account.has_usable_password()
    assert set(account.groups.values_list("name", flat=True)) == {MEMBERS}
    [message] = mail.outbox
    assert message.to == ["ana.lima@example.com"]
    assert "edith invites you to Thesis Tracker as member" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and f'href="http://testserver{link_in(message)}"' in html
    page = editor_client.get(reverse("user_list")).content.decode()
    assert "Invitation sent to ana.lima@example.com" in page
    assert f'href="{reverse("account_invite", args=[account.pk])}">Send a new invitation' in page
    assert 'data-state="invited"' in page


def test_the_invitee_chooses_a_user_name_and_password_and_lands_logged_in_on_settings(editor_client):
    invite(editor_client, role="editor")
    path = link_in(mail.outbox[0])
    form = Client().get(path)
    assert form.status_code == 200 and 'value="ana.lima"' in form.content.decode()
    client, response = join(path, username="ana")
    assert response.status_code == 302 and response["Location"] == reverse("settings")
    settings_page = client.get(reverse("settings")).content.decode()
    assert "Welcome, ana: you are logged in." in settings_page and "<dd>editor</dd>" in settings_page
    account = User.objects.get(email="ana.lima@example.com")
    assert account.username == "ana" and account.check_password(PASSWORD)
    assert Invitation.objects.get().accepted_at is not None


def test_a_used_link_gets_a_clear_page(editor_client):
    invite(editor_client)
    path = link_in(mail.outbox[0])
    join(path, username="ana")
    response = Client().get(path)
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()
    _, again = join(path, username="someone-else")
    assert again.status_code == 410
    assert User.objects.get(email="ana.lima@example.com").username == "ana"


def test_an_expired_link_gets_a_clear_page_and_writes_nothing(editor_client, settings):
    settings.INVITATION_VALID_DAYS = 2
    invite(editor_client)
    path = link_in(mail.outbox[0])
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=2, minutes=1))
    response = Client().get(path)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode() and "Ask edith" in response.content.decode()
    _, posted = join(path, username="ana")
    assert posted.status_code == 410
    assert not User.objects.get(email="ana.lima@example.com").has_usable_password()
    assert 'data-state="expired"' in editor_client.get(reverse("user_list")).content.decode()


def test_a_link_two_days_old_still_works_with_three_days_allowed(editor_client, settings):
    settings.INVITATION_VALID_DAYS = 3
    invite(editor_client)
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=2))
    assert Client().get(link_in(mail.outbox[0])).status_code == 200


def test_reinviting_sends_a_new_link_and_the_old_one_stops_working(editor_client):
    invite(editor_client)
    account = User.objects.get(email="ana.lima@example.com")
    Invitation.objects.update(sent_at=timezone.now() - timedelta(hours=1))
    form = editor_client.get(reverse("account_invite", args=[account.pk])).content.decode()
    assert 'value="ana.lima@example.com"' in form and "the link of any earlier invitation stops working" in form
    response = editor_client.post(reverse("account_invite", args=[account.pk]), {"email": "ana@example.org"})
    assert response.status_code == 302
    old, new = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    assert old != new and mail.outbox[1].to == ["ana@example.org"]
    gone = Client().get(old)
    assert gone.status_code == 410 and "replaced by a newer invitation" in gone.content.decode()
    _, joined = join(new, username="ana")
    assert joined.status_code == 302
    assert User.objects.get(pk=account.pk).email == "ana@example.org"


def test_a_forged_or_mangled_link_is_not_valid(editor_client):
    invite(editor_client)
    path = link_in(mail.outbox[0])
    for bad in (path[:-3] + "xx/", "/join/1/", "/join/not-a-token/"):
        response = Client().get(bad)
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()


def test_the_link_of_a_deactivated_account_does_not_work(editor_client):
    invite(editor_client)
    account = User.objects.get(email="ana.lima@example.com")
    editor_client.post(reverse("user_deactivate", args=[account.pk]))
    response = Client().get(link_in(mail.outbox[0]))
    assert response.status_code == 410 and "deactivated" in response.content.decode()


@pytest.mark.parametrize("email", ["EDITH@example.com", "edith@EXAMPLE.com"])
def test_an_address_another_account_uses_is_refused_in_any_case(editor_client, editor, email):
    User.objects.filter(pk=editor.pk).update(email="edith@example.com")
    response = invite(editor_client, email=email)
    assert response.status_code == 422
    assert "The account edith already uses this address." in response.content.decode()
    assert User.objects.count() == 1 and mail.outbox == []


def test_inviting_a_pending_address_again_points_to_its_row(editor_client):
    invite(editor_client)
    response = invite(editor_client, email="Ana.Lima@example.com")
    assert response.status_code == 422
    assert "ana.lima already has this address and has not joined yet" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_bad_address_or_role_is_refused_and_nothing_is_made(editor_client):
    assert invite(editor_client, email="not an address").status_code == 422
    assert invite(editor_client, role="owner").status_code == 422
    assert User.objects.count() == 1 and mail.outbox == []


def test_a_weak_password_is_refused_with_its_reason_and_the_link_keeps_working(editor_client):
    invite(editor_client)
    path = link_in(mail.outbox[0])
    response = Client().post(path, {"username": "ana", "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 422 and "too common" in response.content.decode()
    assert Client().get(path).status_code == 200


def test_a_user_name_someone_has_is_refused(editor_client):
    invite(editor_client)
    _, response = join(link_in(mail.outbox[0]), username="EDITH")
    assert response.status_code == 422 and "This user name is taken" in response.content.decode()


def test_an_imported_account_cannot_log_in_until_invited_and_keeps_its_user_name(editor_client):
    run_import(VALID)  # a forecast by "bob", an account the import makes
    bob = User.objects.get(username="bob")
    assert not bob.has_usable_password()
    page = editor_client.get(reverse("user_list")).content.decode()
    assert 'data-state="not-invited"' in page
    assert f'href="{reverse("account_invite", args=[bob.pk])}">Invite</a>' in page
    assert Client().post(reverse("login"), {"username": "bob", "password": ""}).status_code == 200

    response = editor_client.post(reverse("account_invite", args=[bob.pk]), {"email": "bob@example.com"})
    assert response.status_code == 302
    Client().post(reverse("password_reset"), {"email": "bob@example.com"})  # no reset before joining
    [message] = mail.outbox
    path = link_in(message)
    form = Client().get(path).content.decode()
    assert "to the account <strong>bob</strong>" in form and 'name="username"' not in form
    client, joined = join(path, username="robert")  # not a field here: ignored
    assert joined.status_code == 302
    assert User.objects.get(pk=bob.pk).username == "bob"
    assert client.get(reverse("settings")).status_code == 200


def test_an_account_that_has_joined_cannot_be_invited_again(editor_client, member):
    response = editor_client.post(reverse("account_invite", args=[member.pk]), {"email": "mo@example.com"})
    assert response.status_code == 409 and "mo has already joined" in response.content.decode()
    assert mail.outbox == []


def test_members_cannot_invite(member_client, outsider):
    assert member_client.post(reverse("user_invite"), {"email": "x@example.com", "role": EDITORS}).status_code == 403
    assert member_client.get(reverse("account_invite", args=[outsider.pk])).status_code == 403


def test_a_mail_server_that_is_down_leaves_the_invitation_to_send_again(editor_client, settings):
    locmem = settings.MAILERS
    # Port 8499 is in this project's test range and nothing listens there: the connection is refused.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": 8499, "timeout": 2}}}
    response = invite(editor_client)
    assert response.status_code == 302
    page = editor_client.get(reverse("user_list")).content.decode()
    assert "The invitation to ana.lima@example.com is saved, but the e-mail could not be sent" in page
    account = User.objects.get(email="ana.lima@example.com")
    settings.MAILERS = locmem
    assert editor_client.post(reverse("account_invite", args=[account.pk]),
                              {"email": "ana.lima@example.com"}).status_code == 302
    [message] = mail.outbox
    assert Client().get(link_in(message)).status_code == 200
