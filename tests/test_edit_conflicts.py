"""Two editors at once: an edit opened before someone else's write is refused with the stored values shown,
and an edit writes only the fields it changes, so it never reverts a resolution."""

from datetime import date
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.factories import (
    make_company,
    make_person,
    make_prediction,
    make_quote,
    make_signal,
    make_source,
    make_thesis,
    make_user,
)
from tests.test_concurrency import race
from tracker.forms import PersonForm, PredictionForm
from tracker.models import Company, Person, Prediction, Quote, Signal, Source, Thesis

HTMX = {"HTTP_HX_REQUEST": "true"}

# Per kind: how to make one, its edit URL, and a text field to change.
KINDS = {
    "person": (make_person, "/people/{pk}/edit/", "affiliation"),
    "company": (make_company, "/companies/{pk}/edit/", "name"),
    "source": (make_source, "/sources/{pk}/edit/", "publisher"),
    "quote": (make_quote, "/quotes/{pk}/edit/", "text"),
    "thesis": (make_thesis, "/theses/{pk}/edit/", "rationale"),
    "prediction": (make_prediction, "/predictions/{pk}/edit/", "criteria"),
    "signal": (make_signal, "/signals/{pk}/edit/", "summary"),
}
MODELS = {"person": Person, "company": Company, "source": Source, "quote": Quote, "thesis": Thesis,
          "prediction": Prediction, "signal": Signal}


class FormReader(HTMLParser):
    """What a browser would post from each form of a page, by the form's action."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, dict[str, list[str]]] = {}
        self.form = self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = self.forms.setdefault(a.get("action") or "", {})
        elif self.form is None or "name" not in a and tag != "option":
            return
        elif tag == "input" and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.form.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag in ("input", "select"):
            self.form.setdefault(a["name"], [])
            self.select = a["name"] if tag == "select" else None
        elif tag == "option" and self.select and "selected" in a:
            self.form[self.select].append(a.get("value") or "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form[self.textarea] = [""]

    def handle_data(self, data):
        if self.textarea:
            self.form[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_in(html: str, action: str = "") -> dict[str, list[str]]:
    """What a browser would post from the page's form that posts to `action` (the page itself by default)."""
    reader = FormReader()
    reader.feed(html)
    # A textarea's first newline is the markup's, not the value's.
    return {name: [v.removeprefix("\n") for v in values] for name, values in reader.forms[action].items()}


def opened_form(client: Client, url: str, action: str = "") -> dict[str, list[str]]:
    return form_in(client.get(url).content.decode(), action)


def editor_session() -> Client:
    client = Client()
    client.force_login(make_user(role="editors"))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_second_of_two_edits_opened_together_is_refused_with_what_the_first_stored(kind):
    make, url, field = KINDS[kind]
    obj = make()
    url = url.format(pk=obj.pk)
    alice, bob = editor_session(), editor_session()
    alice_form, bob_form = opened_form(alice, url), opened_form(bob, url)

    saved = alice.post(url, {**alice_form, field: "Written by Alice"})
    refused = bob.post(url, {**bob_form, field: "Written by Bob"})

    html = refused.content.decode()
    assert saved.status_code == 302 and refused.status_code == 409
    assert f"Not saved: someone else changed this {MODELS[kind]._meta.verbose_name} since you opened" in html
    assert "<td>Written by Alice</td><td>Written by Bob</td>" in html
    stored = MODELS[kind].objects.get(pk=obj.pk)
    assert getattr(stored, field) == "Written by Alice"
    assert stored.version == int(alice_form["version"][0]) + 1


@pytest.mark.django_db
def test_the_conflict_page_holds_the_second_editors_values_and_saving_it_again_stores_them_as_shown():
    thesis = make_thesis(rationale="First reasons.")
    url = f"/theses/{thesis.pk}/edit/"
    alice, bob = editor_session(), editor_session()
    alice_form, bob_form = opened_form(alice, url), opened_form(bob, url)
    alice.post(url, {**alice_form, "rationale": "Alice's reasons.", "status": "confirmed", "opened_on": "2026-03-01"})
    conflict = bob.post(url, {**bob_form, "rationale": "Bob's reasons."}).content.decode()

    assert "<td>Confirmed</td><td>Active</td>" in conflict and "<td>2026-03-01</td><td>2026-02-01</td>" in conflict
    again = form_in(conflict)
    assert again["rationale"] == ["Bob's reasons."] and again["version"] == [str(thesis.version + 1)]

    response = bob.post(url, again)

    thesis.refresh_from_db()
    assert response.status_code == 302
    assert (thesis.rationale, thesis.status, thesis.opened_on) == ("Bob's reasons.", "active", date(2026, 2, 1))
    assert thesis.version == 3


@pytest.mark.django_db
def test_a_stale_htmx_edit_gets_the_same_full_conflict_page():
    person = make_person()
    url = f"/people/{person.pk}/edit/"
    alice, bob = editor_session(), editor_session()
    alice_form, bob_form = opened_form(alice, url), opened_form(bob, url)
    alice.post(url, {**alice_form, "affiliation": "Alice Ltd"}, **HTMX)

    response = bob.post(url, {**bob_form, "affiliation": "Bob Inc"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 409 and "<nav" in html and "Not saved: someone else changed this person" in html
    assert Person.objects.get(pk=person.pk).affiliation == "Alice Ltd"


@pytest.mark.django_db
def test_an_edit_opened_before_a_resolution_does_not_reopen_the_prediction():
    p = make_prediction(statement="Acme lists in 2026.")
    edit_url, resolve_url = f"/predictions/{p.pk}/edit/", f"/predictions/{p.pk}/resolve/"
    alice, bob = editor_session(), editor_session()
    bob_form = opened_form(bob, edit_url)
    resolve_form = opened_form(alice, resolve_url, resolve_url)
    resolved = alice.post(resolve_url, {**resolve_form, "status": "true", "resolved_on": "2026-11-01"})

    response = bob.post(edit_url, {**bob_form, "statement": "Acme lists on NASDAQ in 2026."})

    html = response.content.decode()
    assert resolved.status_code == 302 and response.status_code == 409
    assert "It is now resolved “True” (on 1 Nov 2026)." in html
    p.refresh_from_db()
    assert (p.status, p.resolved_on, p.statement) == ("true", date(2026, 11, 1), "Acme lists in 2026.")
    assert list(p.history.values_list("action", "to_status")) == [("resolve", "true")]


@pytest.mark.django_db
def test_an_edit_leaves_the_columns_it_does_not_edit_as_they_are_stored(editor_client, monkeypatch):
    p = make_prediction(statement="Old wording.")
    url = f"/predictions/{p.pk}/edit/"
    form = opened_form(editor_client, url)
    validate = PredictionForm.clean

    def clean_while_a_write_lands(form):
        # A write between loading the row and saving the edit, by a writer that leaves the version alone.
        Prediction.objects.filter(pk=p.pk).update(status="true", resolved_on=date(2026, 11, 1), criteria="Set")
        return validate(form)

    monkeypatch.setattr(PredictionForm, "clean", clean_while_a_write_lands)
    response = editor_client.post(url, {**form, "statement": "New wording."})

    p.refresh_from_db()
    assert response.status_code == 302
    assert (p.statement, p.status, p.resolved_on, p.criteria) == ("New wording.", "true", date(2026, 11, 1), "Set")
    assert p.version == 2


@pytest.mark.django_db
def test_changing_only_links_is_an_edit_and_saving_nothing_new_keeps_the_version(editor_client):
    thesis, company = make_thesis(), make_company()
    url = f"/theses/{thesis.pk}/edit/"

    unchanged = editor_client.post(url, opened_form(editor_client, url))
    assert unchanged.status_code == 302 and Thesis.objects.get(pk=thesis.pk).version == 1

    linked = editor_client.post(url, {**opened_form(editor_client, url), "companies": [company.pk]})
    thesis.refresh_from_db()
    assert linked.status_code == 302 and list(thesis.companies.all()) == [company]
    assert thesis.version == 2


@pytest.mark.django_db
def test_an_edit_posted_without_its_version_is_refused_with_a_message(editor_client):
    source = make_source(title="Old title")
    url = f"/sources/{source.pk}/edit/"
    form = {name: values for name, values in opened_form(editor_client, url).items() if name != "version"}
    response = editor_client.post(url, {**form, "title": "New title"})
    assert response.status_code == 422 and "Reload the page and make your change again." in response.content.decode()
    assert Source.objects.get(pk=source.pk).title == "Old title"


@pytest.mark.django_db
def test_an_edit_of_something_deleted_meanwhile_is_not_found_and_does_not_bring_it_back(editor_client, monkeypatch):
    person = make_person()
    url = f"/people/{person.pk}/edit/"
    form = opened_form(editor_client, url)
    validate = PersonForm.clean

    def clean_while_deleted(form):
        Person.objects.filter(pk=person.pk).delete()
        return validate(form)

    monkeypatch.setattr(PersonForm, "clean", clean_while_deleted)
    assert editor_client.post(url, {**form, "name": "Back again"}).status_code == 404
    assert not Person.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_stale_thesis_status_change_is_refused_with_the_stored_status(headers):
    thesis = make_thesis(status=Thesis.Status.ACTIVE)
    page, url = f"/theses/{thesis.pk}/", f"/theses/{thesis.pk}/status/"
    alice, bob = editor_session(), editor_session()
    alice_form, bob_form = opened_form(alice, page, url), opened_form(bob, page, url)
    alice.post(url, {**alice_form, "status": "confirmed"}, **headers)

    response = bob.post(url, {**bob_form, "status": "retired"}, **headers)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Not saved: someone else changed this thesis since you opened the page" in html
    assert "its status is now “Confirmed”" in html
    stored = Thesis.objects.get(pk=thesis.pk)
    assert stored.status == "confirmed"
    assert f'name="version" value="{stored.version}"' in html


RACERS = 8


@pytest.mark.django_db(transaction=True)
def test_edits_and_resolutions_racing_on_one_prediction_give_one_winner_and_lose_no_resolution():
    """Half the editors resolve, half edit, all from pages opened at the same version."""
    p = make_prediction(statement="Original.")
    edit_url, resolve_url = f"/predictions/{p.pk}/edit/", f"/predictions/{p.pk}/resolve/"
    clients = [editor_session() for _ in range(RACERS)]
    posts = [(resolve_url, {**opened_form(c, resolve_url, resolve_url), "status": "true",
                            "resolved_on": "2026-11-01", "note": f"editor {i}"}) if i % 2 else
             (edit_url, {**opened_form(c, edit_url), "statement": f"Edit {i}."}) for i, c in enumerate(clients)]

    codes = race(lambda i: clients[i].post(*posts[i]).status_code, RACERS)

    winners = [i for i, code in enumerate(codes) if code == 302]
    assert len(winners) == 1 and codes.count(409) == RACERS - 1, codes
    p.refresh_from_db()
    history = list(p.history.values_list("note", flat=True))
    if winners[0] % 2:
        assert (p.status, p.statement, history) == ("true", "Original.", [f"editor {winners[0]}"])
    else:
        assert (p.status, p.statement, history) == ("open", f"Edit {winners[0]}.", [])
    assert p.version == 2


@pytest.mark.django_db
def test_a_change_in_the_admin_makes_edit_forms_opened_before_it_stale(admin_client):
    person = make_person(affiliation="Old Co")
    editor = editor_session()
    url = f"/people/{person.pk}/edit/"
    form = opened_form(editor, url)
    admin_url = f"/admin/tracker/person/{person.pk}/change/"
    assert 'name="version"' not in admin_client.get(admin_url).content.decode()

    changed = admin_client.post(admin_url, {"name": person.name, "affiliation": "Admin Co", "url": "",
                                            "key": person.key})
    response = editor.post(url, {**form, "affiliation": "Editor Co"})

    assert changed.status_code == 302 and response.status_code == 409
    assert Person.objects.get(pk=person.pk).affiliation == "Admin Co"
