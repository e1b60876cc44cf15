"""A request body is refused by its declared size before any of it is read: a bundle's worth when logged in,
a login form's worth before that."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def post(client, path, size=None, **headers):
    meta = {"wsgi.input": Unreadable(), **headers}
    if size is not None:
        meta["CONTENT_LENGTH"] = str(size)
    return client.generic("POST", path, b"", content_type="multipart/form-data; boundary=x", **meta)


@pytest.mark.parametrize("path", ["/import/", "/accounts/login/", "/no-such-page/"])
def test_an_anonymous_body_larger_than_a_login_form_is_refused_unread(client, path):
    assert post(client, path, 500 * 1024 * 1024).status_code == 413
    response = post(client, path, settings.ANONYMOUS_BODY_MAX_BYTES + 1)
    assert response.status_code == 413
    assert b"Log in first" in response.content


def test_a_logged_in_body_larger_than_a_bundle_and_its_form_is_refused_unread(editor_client):
    response = post(editor_client, "/import/", settings.REQUEST_BODY_MAX_BYTES + 1)
    assert response.status_code == 413
    assert f"{settings.BUNDLE_MAX_BYTES:,}".encode() in response.content


def test_a_body_without_a_content_length_is_refused_unread(editor_client):
    response = post(editor_client, "/import/", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411

