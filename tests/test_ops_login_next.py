"""A `next` that points at the log-in page or the log-out action sends the user to the dashboard instead."""

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("next_url", ["/accounts/login/", "/accounts/login/?next=/accounts/login/",
                                      "/accounts/logout/"])
def test_a_logged_in_user_sent_to_the_login_page_with_such_a_next_goes_to_the_dashboard(member_client, next_url):
    response = member_client.get("/accounts/login/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("next_url", ["/accounts/login/", "/accounts/logout/"])
def test_logging_in_with_such_a_next_goes_to_the_dashboard(client, next_url):
    make_user("ana", password="the-right-passphrase")
    form = client.get("/accounts/login/", {"next": next_url}).content.decode()
    assert f'value="{next_url}"' not in form
    response = client.post(f"/accounts/login/?next={next_url}",
                           {"username": "ana", "password": "the-right-passphrase", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"

