"""Capture in one step: a new prediction with its quote typed inline and the creator's own forecast, "Add
prediction" from a source's or a quote's page, and the thesis form picking its predictions."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from tests.factories import make_person, make_prediction, make_quote, make_source, make_thesis, make_user
from tests.test_edit_conflicts import editor_session
from tests.test_edit_conflicts import form_in as forms_in
from tests.test_pickers import boxes
from tracker import services
from tracker.limits import TEXT_LENGTH
from tracker.models import Forecast, Prediction, Quote, Thesis

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def new_prediction(**extra) -> dict:
    return {"statement": "Rates are cut twice.", "made_on": "2026-01-31", "resolve_by": "2026-12-31",
            "criteria": "Two cuts are announced.", **extra}


def form_in(html: str) -> dict[str, list[str]]:
    """What the page's edit form posts (not the pickers' hidden Find form, which also goes to the page)."""
    return forms_in(re.sub(r'<form method="get" id="pickers-find".*?</form>', "", html, flags=re.S))


def opened_form(client, url: str) -> dict[str, list[str]]:
    return form_in(client.get(url).content.decode())


def error_of(html: str, field_id: str) -> str:
    """The text of the error list that sits under the field with this id."""
    found = re.search(rf'<ul class="field-error" id="{field_id}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


# --- A quote typed on the new-prediction form ------------------------------------------------------------------


def test_a_new_prediction_creates_its_quote_inline_and_links_it(editor_client):
    speaker, source = make_person(), make_source(duration_seconds=7200)
    response = editor_client.post("/predictions/new/", new_prediction(
        speaker=speaker.pk, source=source.pk, **{"new_quote-text": "I think they cut twice.",
                                                  "new_quote-timestamp_seconds": "1:02:03"}))
    p = Prediction.objects.get()
    quote = Quote.objects.get()
    assert response.status_code == 302 and response["Location"] == p.get_absolute_url()
    assert list(p.quotes.all()) == [quote]
    # The quote's source is the prediction's; its speaker, left blank, is the prediction's too.
    assert (quote.source, quote.speaker, quote.text, quote.timestamp_seconds) == (
        source, speaker, "I think they cut twice.", 3723)
    assert quote.key == "i-think-they-cut-twice"


def test_the_inline_quote_keeps_a_speaker_of_its_own_and_joins_the_quotes_picked(editor_client):
    speaker, other, source = make_person(), make_person(), make_source()
    picked = make_quote(source=source)
    editor_client.post("/predictions/new/", new_prediction(
        speaker=speaker.pk, source=source.pk, quotes=[picked.pk],
        **{"new_quote-text": "The host said it first.", "new_quote-speaker": other.pk}))
    p = Prediction.objects.get()
    new = Quote.objects.exclude(pk=picked.pk).get()
    assert new.speaker == other and set(p.quotes.all()) == {picked, new}


def test_leaving_the_inline_quote_blank_creates_no_quote(editor_client):
    response = editor_client.post("/predictions/new/", new_prediction(
        **{"new_quote-text": "", "new_quote-timestamp_seconds": "", "new_quote-speaker": ""}))
    assert response.status_code == 302 and Prediction.objects.count() == 1 and Quote.objects.count() == 0


@pytest.mark.parametrize(("fields", "field_id", "message"), [
    ({"new_quote-text": "Said late.", "new_quote-timestamp_seconds": "2:00:01"}, "id_new_quote-timestamp_seconds",
     "is only 2:00:00 long"),
    ({"new_quote-text": "Said oddly.", "new_quote-timestamp_seconds": "1:75"}, "id_new_quote-timestamp_seconds",
     "Enter a time as h:mm:ss"),
    ({"new_quote-text": "x" * (TEXT_LENGTH + 1)}, "id_new_quote-text", f"at most {TEXT_LENGTH}"),
    ({"new_quote-timestamp_seconds": "5:00"}, "id_new_quote-text", "Enter the words of the new quote"),
])
def test_a_bad_inline_quote_writes_nothing_and_is_shown_at_its_field(editor_client, fields, field_id, message):
    source = make_source(duration_seconds=7200)
    response = editor_client.post("/predictions/new/", new_prediction(source=source.pk, **fields))
    html = response.content.decode()
    assert response.status_code == 422
    assert Prediction.objects.count() == 0 and Quote.objects.count() == 0
    assert message in error_of(html, field_id) and error_of(html, field_id)
    assert "The new quote is not valid: see its fields below." in html


def test_an_inline_quote_needs_the_predictions_source(editor_client):
    response = editor_client.post("/predictions/new/", new_prediction(**{"new_quote-text": "From where?"}))
    html = response.content.decode()
    assert response.status_code == 422 and Prediction.objects.count() == 0 and Quote.objects.count() == 0
    assert "A new quote needs its source" in error_of(html, "id_source")


def test_a_valid_inline_quote_is_not_written_when_the_prediction_is_refused(editor_client):
    source = make_source()
    response = editor_client.post("/predictions/new/", new_prediction(
        source=source.pk, resolve_by="2025-01-01", **{"new_quote-text": "A fine quote."}))
    html = response.content.decode()
    assert response.status_code == 422 and Prediction.objects.count() == 0 and Quote.objects.count() == 0
    assert "cannot be before the date the prediction was made" in error_of(html, "id_resolve_by")
    # The form comes back holding the quote as typed.
    assert form_in(html)["new_quote-text"] == ["A fine quote."]


def test_the_new_quote_fieldset_is_on_the_new_form_only(editor_client):
    new = editor_client.get("/predictions/new/").content.decode()
    assert "<legend>New quote (optional)" in new and 'name="new_quote-text"' in new
    assert 'name="new_quote-speaker"' in new and 'name="pick-new_quote-speaker"' in new
    edit = editor_client.get(f"/predictions/{make_prediction().pk}/edit/").content.decode()
    assert "New quote" not in edit and "new_quote-" not in edit and 'name="my_percent"' not in edit


def test_the_inline_quotes_speaker_picker_searches_as_you_type(editor_client):
    make_person(name="Nathan Lambert"), make_person(name="Sebastian Raschka")
    response = editor_client.get("/predictions/new/", {"pick-new_quote-speaker": "lambert"}, **HTMX,
                                 HTTP_HX_TRIGGER_NAME="pick-new_quote-speaker")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div class="choices" id="id_new_quote-speaker')
    assert "Nathan Lambert" in html and "Sebastian Raschka" not in html


# --- "Add prediction" from a source's page or a quote's --------------------------------------------------------


def test_add_prediction_from_a_source_offers_its_quotes_and_its_date(editor_client):
    source = make_source(published_on=date(2025, 11, 3))
    own, elsewhere = make_quote(source=source), make_quote()
    page = editor_client.get(source.get_absolute_url()).content.decode()
    assert f'href="/predictions/new/?source={source.pk}"' in page
    html = editor_client.get("/predictions/new/", {"source": source.pk}).content.decode()
    assert boxes(html, "quotes") == {own.pk: False} and elsewhere.pk not in boxes(html, "quotes")
    assert f'<option value="{source.pk}" selected>' in html
    assert re.search(r'name="made_on" value="2025-11-03"', html)


def test_add_prediction_from_a_quote_picks_it_and_its_speaker(editor_client):
    speaker = make_person()
    source = make_source(published_on=date(2025, 11, 3))
    quote, other = make_quote(source=source, speaker=speaker), make_quote(source=source)
    page = editor_client.get(source.get_absolute_url()).content.decode()
    link = f"/predictions/new/?source={source.pk}&amp;quote={quote.pk}"
    assert f'href="{link}"' in page
    form = opened_form(editor_client, link.replace("&amp;", "&"))
    assert form["quotes"] == [str(quote.pk)] and form["speaker"] == [str(speaker.pk)]
    assert form["source"] == [str(source.pk)] and form["made_on"] == ["2025-11-03"]
    # Saved as opened (the form's own query string stays on its post), it is the quote's prediction.
    response = editor_client.post(link.replace("&amp;", "&"), {**form, "statement": "Rates are cut twice.",
                                                              "resolve_by": "2026-12-31"})
    p = Prediction.objects.get()
    assert response.status_code == 302 and list(p.quotes.all()) == [quote] and p.speaker == speaker
    assert other.pk not in p.quotes.values_list("pk", flat=True) and p.made_on == date(2025, 11, 3)


def test_a_quote_alone_brings_its_source(editor_client):
    quote = make_quote(source=make_source(published_on=date(2025, 11, 3)))
    form = opened_form(editor_client, f"/predictions/new/?quote={quote.pk}")
    assert form["source"] == [str(quote.source_id)] and form["quotes"] == [str(quote.pk)]


def test_a_source_without_a_date_leaves_made_on_today(editor_client):
    source = make_source(published_on=None)
    form = opened_form(editor_client, f"/predictions/new/?source={source.pk}")
    assert form["made_on"] == [timezone.localdate().isoformat()] and form["source"] == [str(source.pk)]


@pytest.mark.parametrize("query", [
    "source=abc", "source=%C2%B2", "source=" + "9" * 30, "source=-1", "source=999999", "quote=999999",
    "quote=1.5", "source=&quote=", "source=1&source=2", "quote=" + "9" * 19,
])
def test_bad_add_prediction_parameters_are_ignored(editor_client, query):
    make_quote()
    response = editor_client.get(f"/predictions/new/?{query}")
    form = form_in(response.content.decode())
    assert response.status_code == 200
    assert form["source"] in ([""], []) and form.get("quotes", []) == []


def test_a_quote_of_another_source_is_ignored(editor_client):
    source, quote = make_source(), make_quote()
    form = opened_form(editor_client, f"/predictions/new/?source={source.pk}&quote={quote.pk}")
    assert form["source"] == [str(source.pk)] and form.get("quotes", []) == []


def test_the_narrowed_quote_pickers_search_stays_within_the_source(editor_client):
    source = make_source()
    own, elsewhere = make_quote(source=source, text="Rate cuts soon."), make_quote(text="Rate cuts later.")
    html = editor_client.get("/predictions/new/", {"source": source.pk}).content.decode()
    # The search box asks the page with its query, so the matches stay within the source.
    assert f'hx-get="/predictions/new/?source={source.pk}"' in html
    response = editor_client.get("/predictions/new/", {"source": source.pk, "pick-quotes": "rate cuts"}, **HTMX,
                                 HTTP_HX_TRIGGER_NAME="pick-quotes")
    assert boxes(response.content.decode(), "quotes") == {own.pk: False}
    assert elsewhere.pk not in boxes(response.content.decode(), "quotes")


# --- Your own forecast with a new prediction -------------------------------------------------------------------


def test_the_creator_records_their_forecast_with_the_new_prediction(editor_client, editor):
    response = editor_client.post("/predictions/new/", new_prediction(my_percent="35.5"))
    p = Prediction.objects.get()
    forecast = Forecast.objects.get()
    assert response.status_code == 302
    assert (forecast.prediction, forecast.user, forecast.probability) == (p, editor, 0.355)
    assert forecast.imported_at is None and not forecast.is_imported
    assert "35.5%" in editor_client.get(p.get_absolute_url()).content.decode()


def test_no_forecast_is_recorded_when_left_blank(editor_client):
    editor_client.post("/predictions/new/", new_prediction(my_percent=""))
    assert Prediction.objects.count() == 1 and Forecast.objects.count() == 0


@pytest.mark.parametrize("value", ["0", "100", "99.95", "0.05", "-3", "nan", "inf", "lots"])
def test_a_forecast_out_of_range_writes_nothing(editor_client, value):
    source = make_source()
    response = editor_client.post("/predictions/new/", new_prediction(
        my_percent=value, source=source.pk, **{"new_quote-text": "A fine quote."}))
    html = response.content.decode()
    assert response.status_code == 422
    assert Prediction.objects.count() == 0 and Forecast.objects.count() == 0 and Quote.objects.count() == 0
    assert error_of(html, "id_my_percent")


def test_the_forecast_field_carries_the_forecast_forms_limits(editor_client):
    html = editor_client.get("/predictions/new/").content.decode()
    field = re.search(r'<input type="number" name="my_percent"[^>]*>', html).group(0)
    assert 'step="0.1"' in field and 'min="0.1"' in field and 'max="99.9"' in field


def test_who_may_not_forecast_or_add_quotes_is_not_offered_them_and_forged_ones_are_ignored(client):
    curator = make_user("cur")
    curator.user_permissions.add(Permission.objects.get(codename="add_prediction"))
    client.force_login(curator)
    html = client.get("/predictions/new/").content.decode()
    assert 'name="my_percent"' not in html and "new_quote-" not in html
    response = client.post("/predictions/new/", new_prediction(
        my_percent="40", source=make_source().pk, **{"new_quote-text": "Forged."}))
    assert response.status_code == 302 and Prediction.objects.count() == 1
    assert Forecast.objects.count() == 0 and Quote.objects.count() == 0


def test_the_prediction_quote_and_forecast_are_written_in_one_transaction(editor_client, monkeypatch):
    """A failure at the last write (the forecast) leaves neither the prediction nor its quote behind."""

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "record_forecast", fail)
    editor_client.raise_request_exception = False
    response = editor_client.post("/predictions/new/", new_prediction(
        source=make_source().pk, my_percent="40", **{"new_quote-text": "A fine quote."}))
    assert response.status_code == 500
    assert Prediction.objects.count() == 0 and Quote.objects.count() == 0 and Forecast.objects.count() == 0


# --- The thesis form picks its predictions --------------------------------------------------------------------


def thesis_post(**extra) -> dict:
    return {"title": "Rates fall", "stance": "bullish", "status": "active", "opened_on": "2026-02-01", **extra}


def test_a_new_thesis_picks_its_predictions(editor_client):
    a, b, _ = make_prediction(), make_prediction(), make_prediction()
    response = editor_client.post("/theses/new/", thesis_post(predictions=[a.pk, b.pk]))
    thesis = Thesis.objects.get()
    assert response.status_code == 302 and set(thesis.predictions.all()) == {a, b}
    page = editor_client.get(thesis.get_absolute_url()).content.decode()
    assert a.statement in page and b.statement in page


def test_editing_a_thesis_shows_its_predictions_ticked_and_changes_them(editor_client):
    thesis = make_thesis()
    kept, dropped, added = make_prediction(), make_prediction(), make_prediction()
    kept.theses.add(thesis), dropped.theses.add(thesis)
    url = f"/theses/{thesis.pk}/edit/"
    form = opened_form(editor_client, url)
    assert sorted(form["predictions"]) == sorted([str(kept.pk), str(dropped.pk)])
    response = editor_client.post(url, {**form, "predictions": [kept.pk, added.pk]})
    assert response.status_code == 302
    assert set(thesis.predictions.all()) == {kept, added}
    thesis.refresh_from_db()
    assert thesis.version == int(form["version"][0]) + 1


def test_linking_from_the_thesis_makes_the_predictions_open_edit_forms_stale():
    """Each end's form shows the link: the prediction's form must not undo it unseen."""
    thesis, p = make_thesis(), make_prediction()
    alice, bob = editor_session(), editor_session()
    prediction_form = opened_form(bob, f"/predictions/{p.pk}/edit/")
    thesis_form = opened_form(alice, f"/theses/{thesis.pk}/edit/")
    assert alice.post(f"/theses/{thesis.pk}/edit/", {**thesis_form, "predictions": [p.pk]}).status_code == 302
    refused = bob.post(f"/predictions/{p.pk}/edit/", {**prediction_form, "statement": "Reworded."})
    assert refused.status_code == 409
    p.refresh_from_db()
    assert list(p.theses.all()) == [thesis] and p.statement != "Reworded."


def test_linking_from_the_prediction_makes_the_theses_open_edit_forms_stale():
    thesis, p = make_thesis(), make_prediction()
    alice, bob = editor_session(), editor_session()
    thesis_form = opened_form(bob, f"/theses/{thesis.pk}/edit/")
    prediction_form = opened_form(alice, f"/predictions/{p.pk}/edit/")
    assert alice.post(f"/predictions/{p.pk}/edit/", {**prediction_form, "theses": [thesis.pk]}).status_code == 302
    refused = bob.post(f"/theses/{thesis.pk}/edit/", {**thesis_form, "rationale": "Because."})
    assert refused.status_code == 409 and list(thesis.predictions.all()) == [p]


def test_a_new_prediction_linked_to_a_thesis_makes_its_open_edit_form_stale():
    thesis = make_thesis()
    alice, bob = editor_session(), editor_session()
    thesis_form = opened_form(bob, f"/theses/{thesis.pk}/edit/")
    assert alice.post("/predictions/new/", new_prediction(theses=[thesis.pk])).status_code == 302
    assert bob.post(f"/theses/{thesis.pk}/edit/", {**thesis_form, "rationale": "Because."}).status_code == 409
    assert thesis.predictions.count() == 1


def test_the_thesis_prediction_picker_searches_and_refuses_unknown_ids(editor_client):
    make_prediction(statement="Rates are cut twice."), make_prediction(statement="Chips get cheaper.")
    response = editor_client.get("/theses/new/", {"pick-predictions": "rates"}, **HTMX,
                                 HTTP_HX_TRIGGER_NAME="pick-predictions")
    html = response.content.decode()
    assert "Rates are cut twice." in html and "Chips get cheaper." not in html
    refused = editor_client.post("/theses/new/", thesis_post(predictions=["999999"]))
    assert refused.status_code == 422 and Thesis.objects.count() == 0
    assert "Select a valid choice" in error_of(refused.content.decode(), "id_predictions")

