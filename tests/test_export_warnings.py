"""A backup can never be refused: export writes every stored object, and names those a bundle cannot hold as
they are (written around the forms, by the admin or a shell) so that someone corrects them."""

import io
import json

import pytest
from django.core.management import call_command

from tests.factories import make_person, make_quote, make_source
from tracker.models import Person, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def unexportable():
    """A person with a key no bundle allows and a source whose link no bundle holds (the database's own
    constraints refuse the rest, such as an overlong quote)."""
    person = make_person(name="Jane Doe")
    Person.objects.filter(pk=person.pk).update(key="Jane_Doe")
    quote = make_quote(source=make_source(key="ftp-one"))
    Source.objects.filter(key="ftp-one").update(url="ftp://example.com/episode.mp3")
    return person, quote


def test_the_export_page_downloads_everything_and_warns_about_what_needs_attention(editor_client, unexportable):
    response = editor_client.get("/export/")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [p["key"] for p in data["people"]] == ["Jane_Doe"]
    assert [s["url"] for s in data["sources"]] == ["ftp://example.com/episode.mp3"]
    page = editor_client.get("/import/").content.decode()
    assert "need attention before the file imports again" in page
    assert "person &#x27;Jane_Doe&#x27;: key: invalid key" in page
    assert "source &#x27;ftp-one&#x27;: url: " in page


def test_the_export_command_writes_the_file_and_warns_on_stderr(tmp_path, unexportable):
    target, err = tmp_path / "backup.json", io.StringIO()
    call_command("export_bundle", str(target), stderr=err)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["people"]) == 1 and len(data["quotes"]) == 1
    lines = err.getvalue().splitlines()
    assert lines[1] == "Warning: 2 stored object(s) cannot be imported again as they are; correct them in the " \
        "app or the admin:"
    assert lines[2].startswith("  person 'Jane_Doe': key: invalid key 'Jane_Doe'")
    assert any(line.startswith("  source 'ftp-one': url: ") for line in lines)
    assert "Traceback" not in err.getvalue()


def test_a_clean_export_warns_about_nothing(editor_client, tmp_path):
    make_quote()
    err = io.StringIO()
    call_command("export_bundle", str(tmp_path / "b.json"), stderr=err)
    assert "Warning" not in err.getvalue()
    editor_client.get("/export/")
    assert "need attention" not in editor_client.get("/import/").content.decode()
