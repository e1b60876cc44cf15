"""Password reset by e-mail with Django's views: linked from the log-in page, and the same answer whether or not an
account has the address, so the form tells nobody who has an account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW = "another-long-passphrase-9"


def ask(email: str):
    return Client().post(reverse("password_reset"), {"email": email})


def test_the_login_page_links_to_the_reset(client):
    assert f'href="{reverse("password_reset")}"' in client.get(reverse("login")).content.decode()


def test_a_reset_mails_a_link_that_sets_a_new_password(member):
    User.objects.filter(pk=member.pk).update(email="mo@example.com")
    response = ask("MO@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["mo@example.com"] and message.subject == "Reset your Thesis Tracker password"
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    browser = Client()
    form = browser.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert User.objects.get(pk=member.pk).check_password(NEW)
    assert Client().post(reverse("login"), {"username": "mo", "password": NEW}).status_code == 302
    again = Client().get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(member):
    User.objects.filter(pk=member.pk).update(email="mo@example.com")
    known, unknown = ask("mo@example.com"), ask("nobody@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    page = Client().get(unknown["Location"]).content.decode()
    assert "If an account that can log in has that address" in page
    assert len(mail.outbox) == 1


def test_accounts_that_cannot_log_in_get_no_reset_mail(db):
    deactivated = make_user("gone")
    User.objects.filter(pk=deactivated.pk).update(email="gone@example.com", is_active=False)
    unusable = User.objects.create_user("imported", email="imported@example.com")  # no password: unusable
    assert not unusable.has_usable_password()
    ask("gone@example.com")
    ask("imported@example.com")
    assert mail.outbox == []
