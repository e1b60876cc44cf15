"""A backup can never be refused: export writes every stored object, and names those a bundle cannot hold as
they are (written around the forms, by the admin or a shell) so that someone corrects them."""

import io
import json

import pytest
from django.core.management import call_command

from tests.factories import make_person, make_quote
from tracker.models import Person, Quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def unexportable():
    """A person with a key no bundle allows and a quote longer than any bundle holds."""
    person = make_person(name="Jane Doe")
    Person.objects.filter(pk=person.pk).update(key="Jane_Doe")
    quote = make_quote(key="long-one")
    Quote.objects.filter(pk=quote.pk).update(text="x" * 30_000)
    return person, quote


def test_the_export_page_downloads_everything_and_warns_about_what_needs_attention(editor_client, unexportable):
    response = editor_client.get("/export/")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [p["key"] for p in data["people"]] == ["Jane_Doe"]
    assert [len(q["text"]) for q in data["quotes"]] == [30_000]
    page = editor_client.get("/import/").content.decode()
    assert "need attention before the file imports again" in page
    assert "person &#x27;Jane_Doe&#x27;: key: invalid key" in page
    assert "quote &#x27;long-one&#x27;: text: " in page


def test_the_export_command_writes_the_file_and_warns_on_stderr(tmp_path, unexportable):
    target, err = tmp_path / "backup.json", io.StringIO()
    call_command("export_bundle", str(target), stderr=err)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["people"]) == 1 and len(data["quotes"]) == 1
    lines = err.getvalue().splitlines()
    assert lines[1] == "Warning: 2 stored object(s) cannot be imported again as they are; correct them in the " \
        "app or the admin:"
    assert lines[2].startswith("  person 'Jane_Doe': key: invalid key 'Jane_Doe'")
    assert any(line.startswith("  quote 'long-one': text: ") for line in lines)
    assert "Traceback" not in err.getvalue()


def test_a_clean_export_warns_about_nothing(editor_client, tmp_path):
    make_quote()
    err = io.StringIO()
    call_command("export_bundle", str(tmp_path / "b.json"), stderr=err)
    assert "Warning" not in err.getvalue()
    editor_client.get("/export/")
    assert "need attention" not in editor_client.get("/import/").content.decode()
