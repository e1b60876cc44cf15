"""A user's own settings page: reachable from every page, showing who they are and what they may do."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_settings_page_names_the_user_and_their_role(member_client, member):
    page = member_client.get(reverse("settings")).content.decode()
    assert member.get_username() in page
    assert "<dd>member</dd>" in page
    assert reverse("password_change") in page


def test_every_page_links_to_settings(editor_client):
    page = editor_client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("settings")}"' in page


def test_settings_needs_a_login(client):
    response = client.get(reverse("settings"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
