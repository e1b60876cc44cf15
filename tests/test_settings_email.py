"""The e-mail address on the settings page: validated, and one account per address whatever its letter case."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db
User = get_user_model()
HTMX = {"HTTP_HX_REQUEST": "true"}


def save(client, email, seen="", **extra):
    return client.post(reverse("settings_email"), {"email": email, "seen": seen}, **extra)


def test_the_settings_page_has_the_address_form(member_client):
    page = member_client.get(reverse("settings")).content.decode()
    assert 'id="settings-email"' in page and f'action="{reverse("settings_email")}"' in page


def test_an_address_is_saved_in_place_with_htmx(member_client, member):
    response = save(member_client, "mo@Example.COM", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="panel" id="settings-email"')
    assert "Your address is now mo@example.com." in html
    assert User.objects.get(pk=member.pk).email == "mo@example.com"


def test_a_plain_post_comes_back_to_the_settings_page(member_client, member):
    response = save(member_client, "mo@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("settings")
    assert 'value="mo@example.com"' in member_client.get(reverse("settings")).content.decode()


def test_a_malformed_address_is_refused_with_its_error(member_client, member):
    response = save(member_client, "mo at example", **HTMX)
    assert response.status_code == 422
    assert 'id="id_email_error"' in response.content.decode()
    assert User.objects.get(pk=member.pk).email == ""


def test_an_address_another_account_has_is_refused_in_any_case(member_client, member):
    make_user("ana")
    User.objects.filter(username="ana").update(email="ana@example.com")
    response = save(member_client, "ANA@example.com")
    assert response.status_code == 422 and "Another account uses this address" in response.content.decode()
    assert User.objects.get(pk=member.pk).email == ""


def test_the_database_keeps_one_account_per_address_too(db):
    User.objects.create_user("a", email="same@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("b", email="Same@Example.com")
    User.objects.create_user("c")
    User.objects.create_user("d")  # any number of accounts without an address


def test_an_address_changed_elsewhere_meanwhile_is_not_overwritten(member_client, member):
    save(member_client, "mo@example.com", seen="")
    response = save(member_client, "mo@example.org", seen="", **HTMX)  # a page loaded before the first save
    assert response.status_code == 409
    assert "your address was changed to “mo@example.com” elsewhere" in response.content.decode()
    assert User.objects.get(pk=member.pk).email == "mo@example.com"


def test_the_address_can_be_removed(member_client, member):
    save(member_client, "mo@example.com")
    response = save(member_client, "", seen="mo@example.com", **HTMX)
    assert response.status_code == 200 and "Your address is removed." in response.content.decode()
    assert User.objects.get(pk=member.pk).email == ""


def test_the_admin_refuses_an_address_another_account_has_instead_of_failing(client, member):
    root = User.objects.create_superuser("root", email="root@example.com", password="pw-for-tests-1")
    client.force_login(root)
    response = client.post(f"/admin/auth/user/{member.pk}/change/", {
        "username": "mo", "email": "ROOT@example.com", "is_active": "on", "date_joined_0": "2026-12-01",
        "date_joined_1": "10:00:00", "initial-date_joined_0": "2026-12-01", "initial-date_joined_1": "10:00:00"})
    assert response.status_code == 200
    assert "The account root already uses this address." in response.content.decode()
    assert User.objects.get(pk=member.pk).email == ""
