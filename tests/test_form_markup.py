"""Every form page shows the limits its form checks, and each field's errors under one id the input points at."""

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.factories import (
    make_company,
    make_person,
    make_prediction,
    make_quote,
    make_signal,
    make_source,
    make_thesis,
)
from tracker.forms import ForecastForm

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
LIMITS = ("maxlength", "minlength", "min", "max", "step", "rows")
FIELD_TAGS = ("input", "textarea", "select")
TWO_ERRORS = "x" * 20001 + "\x00"  # too long, and a null character: two validators refuse it at once


class Page(HTMLParser):
    """The page's fields (with the classes of the form holding them) and every id and aria-describedby."""

    def __init__(self, html: str):
        super().__init__()
        self.fields, self.ids, self.described = [], Counter(), []
        self.form_class = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.form_class = attrs.get("class", "")
        if tag in FIELD_TAGS:
            self.fields.append((self.form_class, attrs))
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if "aria-describedby" in attrs:
            self.described.append(attrs["aria-describedby"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_class = None

    def inputs(self, name: str, form_class: str = "") -> list[dict]:
        return [attrs for held_by, attrs in self.fields
                if attrs.get("name") == name and attrs.get("type") != "hidden"
                and form_class in (held_by or "").split() + [""]]


def limits(attrs: dict) -> dict:
    return {name: str(attrs[name]) for name in LIMITS if name in attrs}


def assert_page_shows_the_form_limits(page: Page, form, form_class: str = ""):
    shown = 0
    for name, field in form.fields.items():
        expected = limits(field.widget.attrs)
        for attrs in page.inputs(form.add_prefix(name), form_class):
            assert limits(attrs) == expected, name
            shown += 1
    assert shown, "the page shows none of the form's fields"


def assert_descriptions_exist(page: Page):
    for described in page.described:
        for target in described.split():
            assert page.ids[target] == 1, target


def edit_pages():
    person, company, source, quote = make_person(), make_company(), make_source(), make_quote()
    thesis, prediction, signal = make_thesis(), make_prediction(), make_signal()
    pages = [f"/{kind}/new/" for kind in ("people", "companies", "sources", "quotes", "theses", "predictions",
                                           "signals")]
    return pages + [f"/people/{person.pk}/edit/", f"/companies/{company.pk}/edit/", f"/sources/{source.pk}/edit/",
                    f"/quotes/{quote.pk}/edit/", f"/theses/{thesis.pk}/edit/",
                    f"/predictions/{prediction.pk}/edit/", f"/signals/{signal.pk}/edit/"]


def test_every_edit_page_shows_the_limits_and_rows_its_form_declares(editor_client):
    for url in edit_pages():
        response = editor_client.get(url)
        assert response.status_code == 200, url
        page = Page(response.content.decode())
        assert_page_shows_the_form_limits(page, response.context["form"])
        assert_descriptions_exist(page)


def test_declared_textarea_rows_reach_the_page(editor_client):
    response = editor_client.get("/predictions/new/")
    page = Page(response.content.decode())
    assert page.inputs("statement")[0]["rows"] == "3" and page.inputs("criteria")[0]["rows"] == "3"


def test_the_quick_signal_form_on_a_thesis_shows_its_form_limits(editor_client):
    thesis = make_thesis()
    response = editor_client.get(f"/theses/{thesis.pk}/")
    assert_page_shows_the_form_limits(Page(response.content.decode()), response.context["signal_form"])


@pytest.mark.parametrize("htmx", [False, True], ids=["detail page", "card in place"])
def test_the_resolve_form_shows_the_limits_and_rows_of_its_form(editor_client, htmx):
    p = make_prediction()
    response = editor_client.get(f"/predictions/{p.pk}/resolve/", **(HTMX if htmx else {}))
    page = Page(response.content.decode())
    form = response.context["resolve_form"]
    assert_page_shows_the_form_limits(page, form, "resolve-form")
    assert page.inputs("note", "resolve-form")[0]["rows"] == str(form.fields["note"].widget.attrs["rows"])


@pytest.mark.parametrize("url", ["/predictions/", "detail"])
def test_the_forecast_form_shows_the_limits_of_the_forecast_form(editor_client, url):
    p = make_prediction()
    response = editor_client.get(p.get_absolute_url() if url == "detail" else url)
    page = Page(response.content.decode())
    assert page.inputs("percent", "forecast-form")
    assert_page_shows_the_form_limits(page, ForecastForm(), "forecast-form")


def test_a_field_with_two_errors_names_its_error_list_once(editor_client):
    response = editor_client.post("/people/new/", {"name": TWO_ERRORS})
    html = response.content.decode()
    assert response.status_code == 422
    assert len(response.context["form"].errors["name"]) == 2
    page = Page(html)
    assert page.ids["id_name_error"] == 1
    name = page.inputs("name")[0]
    assert name["aria-invalid"] == "true" and "id_name_error" in name["aria-describedby"].split()
    assert_descriptions_exist(page)


def test_a_resolution_note_with_two_errors_names_its_error_list_once(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/resolve/",
                                  {"status": "true", "resolved_on": str(p.made_on), "note": TWO_ERRORS,
                                   "version": p.version}, **HTMX)
    assert response.status_code == 422
    assert len(response.context["resolve_form"].errors["note"]) == 2
    page = Page(response.content.decode())
    note = page.inputs("note", "resolve-form")[0]
    assert note["aria-invalid"] == "true" and page.ids[note["aria-describedby"]] == 1
    assert_descriptions_exist(page)


def test_a_refused_forecast_note_is_explained_next_to_the_note(editor_client):
    p = make_prediction()
    response = editor_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "40", "note": TWO_ERRORS,
                                                                     "panel": "detail"}, **HTMX)
    assert response.status_code == 422
    page = Page(response.content.decode())
    note = page.inputs("note", "forecast-form")[0]
    assert note["aria-invalid"] == "true" and page.ids[note["aria-describedby"]] == 1
    assert_descriptions_exist(page)
