"""Editors upload bundles in the browser with the same validation as the command; anyone can export."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.test_bundle import VALID
from tracker.models import Person, Prediction

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, **extra):
    return client.post("/import/", {"file": SimpleUploadedFile("bundle.json", content), **extra})


def test_an_editor_imports_a_bundle(editor_client):
    response = upload(editor_client, json.dumps(VALID).encode())
    assert response.status_code == 302
    assert Prediction.objects.count() == 2
    page = editor_client.get("/import/").content.decode()
    assert "Imported bundle.json" in page
    assert '<th scope="row">Predictions</th><td class="num">2</td><td class="num">0</td><td class="num">0</td>' \
        in page
    again = editor_client.get("/import/").content.decode()
    assert "Imported bundle.json" not in again  # shown once, after the upload
    upload(editor_client, json.dumps(VALID).encode())
    assert '<th scope="row">Predictions</th><td class="num">0</td><td class="num">0</td><td class="num">2</td>' \
        in editor_client.get("/import/").content.decode()


def test_a_dry_run_writes_nothing(editor_client):
    upload(editor_client, json.dumps(VALID).encode(), dry_run="1")
    assert not Prediction.objects.exists()
    page = editor_client.get("/import/").content.decode()
    assert "it would import as below; nothing was written" in page
    assert '<th scope="row">Predictions</th><td class="num">2</td>' in page


def test_problems_are_listed_with_their_locations_and_nothing_is_written(editor_client):
    bad = json.loads(json.dumps(VALID))
    bad["predictions"][1]["speaker"] = "nobody"
    bad["people"][0]["url"] = "ftp://example.com"
    response = upload(editor_client, json.dumps(bad).encode())
    html = response.content.decode()
    assert response.status_code == 422
    assert "<code>people[0].url</code>" in html
    assert "nothing was imported" in html
    assert not Person.objects.exists()
    bad["people"][0]["url"] = ""
    html = upload(editor_client, json.dumps(bad).encode()).content.decode()
    assert "<code>predictions[1].speaker</code>: unknown person &#x27;nobody&#x27;" in html


@pytest.mark.parametrize("content", [b"", b"\xff\xfe not utf-8", b"{", b"[]", b'{"format": "x"}'])
def test_unusable_files_get_a_message_not_a_500(editor_client, content):
    response = upload(editor_client, content)
    assert response.status_code == 422
    assert b"nothing was imported" in response.content or b"The submitted file is empty" in response.content


def test_a_file_over_the_size_limit_is_refused(editor_client, settings):
    settings.BUNDLE_MAX_BYTES = 100
    response = upload(editor_client, json.dumps(VALID).encode())
    assert response.status_code == 422
    assert b"the limit is 100 bytes" in response.content
    assert not Prediction.objects.exists()


def test_export_downloads_the_whole_bundle(member_client, editor_client):
    upload(editor_client, json.dumps(VALID).encode())
    response = member_client.get("/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="thesis-tracker-')
    data = json.loads(response.content)
    assert data["format"] == "thesis-tracker/1" and len(data["predictions"]) == 2
