"""Pickers render what is picked and the first matches of a search, never every row; validation still sees them
all. Pages that list a source's or a person's quotes and predictions come in pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_person, make_prediction, make_quote, make_source, make_thesis
from tracker.models import Person, Prediction, Quote, Thesis
from tracker.pickers import SHOWN

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def many_quotes(n: int, source=None, speaker=None, text="Filler remark {n} about the weather.") -> list[Quote]:
    source = source or make_source(title="The long show")
    return Quote.objects.bulk_create(
        Quote(key=f"filler-{source.pk}-{i}", source=source, speaker=speaker, timestamp_seconds=i,
              text=text.format(n=i)) for i in range(n))


def boxes(html: str, name: str) -> dict[int, bool]:
    """The checkboxes named `name` on a page: id -> ticked."""
    found = re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)"([^>]*)>', html)
    return {int(value): " checked" in rest for value, rest in found}


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r'<option value="(\d*)"', select.group(1))


def search(client, url: str, field: str, words: str, **held):
    """What a picker's search box asks for as you type: the words and what the picker holds now."""
    return client.get(url, {f"pick-{field}": words, **held}, **HTMX, HTTP_HX_TRIGGER_NAME=f"pick-{field}")


def prediction_post(**extra) -> dict:
    return {"statement": "Rates are cut twice.", "made_on": "2026-01-31", "resolve_by": "2026-12-31",
            "criteria": "Two cuts are announced.", **extra}


def test_a_form_over_a_thousand_quotes_lists_only_the_first_matches(editor_client):
    many_quotes(1_000)
    for url in ("/predictions/new/", f"/theses/{make_thesis().pk}/edit/"):
        html = editor_client.get(url).content.decode()
        assert len(boxes(html, "quotes")) == SHOWN
        assert "The first 30 matches are listed; type words to narrow them." in html


def test_a_saved_objects_picks_are_shown_ticked_however_far_down_the_list(editor_client):
    quotes = many_quotes(1_000)
    thesis = make_thesis()
    thesis.quotes.add(quotes[0], quotes[500])
    shown = boxes(editor_client.get(f"/theses/{thesis.pk}/edit/").content.decode(), "quotes")
    assert shown[quotes[0].pk] is True and shown[quotes[500].pk] is True
    assert sum(shown.values()) == 2 and len(shown) == 2 + SHOWN


def test_the_search_finds_the_quotes_with_every_word_in_their_text_speaker_or_source(editor_client):
    many_quotes(100)
    maya, paper = make_person(name="Maya Chen"), make_source(title="The Chip Letter")
    chips = make_quote(source=paper, speaker=maya, text="Export controls will not slow sales.")
    make_quote(source=paper, text="Export controls bite next year.")  # the source's words, not the speaker's
    make_quote(source=make_source(title="Macro Hour"), speaker=maya, text="Two cuts before summer.")
    response = search(editor_client, "/predictions/new/", "quotes", "maya CHIP")
    assert response.status_code == 200
    assert list(boxes(response.content.decode(), "quotes")) == [chips.pk]
    assert "<form" not in response.content.decode()  # the picker's choices only, not the page


def test_what_is_ticked_stays_in_the_picker_while_searching_for_more(editor_client):
    quotes = many_quotes(200)
    ticked = make_quote(text="Margins expand in the second half.")
    response = search(editor_client, "/predictions/new/", "quotes", "19 remark", quotes=[ticked.pk])
    shown = boxes(response.content.decode(), "quotes")
    assert shown[ticked.pk] is True
    assert {pk for pk, on in shown.items() if not on} == {q.pk for q in quotes if re.search(r"remark \d*19", q.text)}


def test_without_javascript_find_reloads_the_form_with_the_matches_and_keeps_the_preset(editor_client):
    many_quotes(100)
    source = make_source()
    rates = make_quote(source=source, text="Two rate cuts before summer.")  # ?source= offers its quotes only
    response = editor_client.get("/predictions/new/", {"source": source.pk, "pick-quotes": "rate cuts"})
    html = response.content.decode()
    assert list(boxes(html, "quotes")) == [rates.pk]
    assert 'name="pick-quotes" value="rate cuts" form="pickers-find"' in html
    assert re.search(rf'<form method="get" id="pickers-find" hidden><input type="hidden" name="source" '
                     rf'value="{source.pk}">', html)
    assert options(html, "source")[:2] == ["", str(source.pk)]
    assert f'<option value="{source.pk}" selected>' in html


def test_a_quote_picked_by_a_search_saves_though_the_form_never_listed_it(editor_client):
    quotes = many_quotes(1_000)
    far = quotes[0]  # the oldest: listed last
    assert far.pk not in boxes(editor_client.get("/predictions/new/").content.decode(), "quotes")
    response = editor_client.post("/predictions/new/", prediction_post(quotes=[far.pk, quotes[-1].pk]))
    assert response.status_code == 302
    assert set(Prediction.objects.get().quotes.all()) == {far, quotes[-1]}


def test_after_a_validation_error_the_picks_are_still_ticked_and_the_list_still_short(editor_client):
    quotes = many_quotes(1_000)
    picked = [quotes[0].pk, quotes[300].pk]
    response = editor_client.post("/predictions/new/?pick-quotes=remark", prediction_post(statement="",
                                                                                          quotes=picked))
    assert response.status_code == 422
    shown = boxes(response.content.decode(), "quotes")
    assert sorted(pk for pk, on in shown.items() if on) == sorted(picked)
    assert len(shown) == 2 + SHOWN


@pytest.mark.parametrize("bad", ["987654", "abc"])
def test_a_picked_quote_that_does_not_exist_is_refused_next_to_the_field(editor_client, bad):
    quotes = many_quotes(1_000)
    response = editor_client.post("/predictions/new/", prediction_post(quotes=[quotes[0].pk, bad]))
    assert response.status_code == 422
    html = response.content.decode()
    error = re.search(r'<ul class="field-error" id="id_quotes_error"><li>([^<]*)</li>', html)
    assert bad in error.group(1)
    assert len(boxes(html, "quotes")) == 1 + SHOWN
    assert not Prediction.objects.exists()


def test_a_select_among_many_people_lists_the_chosen_one_and_the_first_matches(editor_client):
    Person.objects.bulk_create(Person(key=f"p-{n}", name=f"Someone {n}") for n in range(300))
    chosen = Person.objects.order_by("pk").last()
    prediction = make_prediction(speaker=chosen)
    html = editor_client.get(f"/predictions/{prediction.pk}/edit/").content.decode()
    listed = options(html, "speaker")
    assert listed[:2] == ["", str(chosen.pk)] and len(listed) == 2 + SHOWN
    assert f'<option value="{chosen.pk}" selected>' in html
    maya = make_person(name="Maya Chen")
    found = search(editor_client, f"/predictions/{prediction.pk}/edit/", "speaker", "chen", speaker=chosen.pk)
    assert options(found.content.decode(), "speaker") == ["", str(chosen.pk), str(maya.pk)]


def test_the_signal_form_picks_among_many_predictions(editor_client):
    for n in range(100):
        make_prediction(statement=f"Guess number {n}.")
    wanted = make_prediction(statement="Chip exports keep growing.")
    assert len(boxes(editor_client.get("/signals/new/").content.decode(), "predictions")) == SHOWN
    found = search(editor_client, "/signals/new/", "predictions", "exports chip")
    assert list(boxes(found.content.decode(), "predictions")) == [wanted.pk]


def queries_of(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params, **params.pop("headers", {})).status_code == 200
    return len(queries)


def test_forms_and_searches_cost_the_same_queries_at_ten_and_a_thousand_rows(editor_client):
    source, speaker = make_source(), make_person()
    quotes = many_quotes(10, source=source, speaker=speaker)
    thesis = make_thesis()
    thesis.quotes.add(*quotes[:3])
    prediction = make_prediction(source=source, speaker=speaker)
    prediction.quotes.add(*quotes[:3])
    prediction.theses.add(thesis)
    pages = [("/predictions/new/", {}), (f"/predictions/{prediction.pk}/edit/", {}),
             (f"/theses/{thesis.pk}/edit/", {}), ("/signals/new/", {}),
             ("/predictions/new/", {"pick-quotes": "remark"}), (f"/sources/{source.pk}/", {}),
             (f"/people/{speaker.pk}/", {})]
    before = [queries_of(editor_client, url, **params) for url, params in pages]
    searching = queries_of(editor_client, "/predictions/new/", **{"pick-quotes": "remark", "quotes": quotes[0].pk},
                           headers={**HTMX, "HTTP_HX_TRIGGER_NAME": "pick-quotes"})
    more = Quote.objects.bulk_create(Quote(key=f"more-{n}", source=source, speaker=speaker, timestamp_seconds=n,
                                           text=f"Another remark {n}.") for n in range(990))
    Thesis.objects.bulk_create(Thesis(key=f"t-{n}", title=f"Thesis {n}", stance=Thesis.Stance.BEARISH,
                                      opened_on=thesis.opened_on) for n in range(200))
    for n in range(200):
        make_prediction(source=source, speaker=speaker).quotes.add(more[n])
    assert [queries_of(editor_client, url, **params) for url, params in pages] == before
    assert queries_of(editor_client, "/predictions/new/", **{"pick-quotes": "remark", "quotes": quotes[0].pk},
                      headers={**HTMX, "HTTP_HX_TRIGGER_NAME": "pick-quotes"}) == searching


def quote_anchors(html: str) -> list[str]:
    return re.findall(r'<figure class="quote" id="quote-([\w-]+)">', html)


def test_a_source_page_lists_its_quotes_a_hundred_at_a_time_in_the_order_said(editor_client):
    source = make_source()
    quotes = many_quotes(250, source=source)
    first = editor_client.get(f"/sources/{source.pk}/").content.decode()
    assert quote_anchors(first) == [q.key for q in quotes[:100]]
    assert "Quotes, in the order they were said (250)" in first
    assert 'href="?quotes_page=2"' in first
    last = editor_client.get(f"/sources/{source.pk}/", {"quotes_page": 3}).content.decode()
    assert quote_anchors(last) == [q.key for q in quotes[200:]]
    assert editor_client.get(f"/sources/{source.pk}/", {"quotes_page": "x"}).status_code == 200


def test_a_quotes_link_lands_on_the_page_of_its_source_that_shows_it(editor_client):
    source = make_source()
    many_quotes(250, source=source)
    untimed = make_quote(source=source, key="zz-untimed")  # no moment: listed after every timed quote
    early = make_quote(source=source, key="early", timestamp_seconds=150)  # after filler 150 (its key sorts first)
    for quote, page in [(early, 2), (untimed, 3)]:
        response = editor_client.get(quote.get_absolute_url())
        assert response.status_code == 302
        assert response["Location"] == f"/sources/{source.pk}/?quotes_page={page}#quote-{quote.key}"
        shown = editor_client.get(f"/sources/{source.pk}/", {"quotes_page": page}).content.decode()
        assert quote.key in quote_anchors(shown)


def test_a_source_pages_predictions_come_in_pages_too(editor_client):
    source = make_source()
    for n in range(30):
        make_prediction(source=source, statement=f"Guess {n:02d}.")
    html = editor_client.get(f"/sources/{source.pk}/").content.decode()
    assert html.count('class="card prediction status-') == 20 and "Predictions made here (30)" in html
    html = editor_client.get(f"/sources/{source.pk}/", {"predictions_page": 2}).content.decode()
    assert html.count('class="card prediction status-') == 10


def test_a_persons_page_lists_quotes_and_predictions_in_pages(editor_client):
    person = make_person()
    many_quotes(120, speaker=person)
    for _ in range(25):
        make_prediction(speaker=person)
    html = editor_client.get(f"/people/{person.pk}/").content.decode()
    assert len(quote_anchors(html)) == 100 and html.count('class="card prediction status-') == 20
    html = editor_client.get(f"/people/{person.pk}/", {"quotes_page": 2, "predictions_page": 2}).content.decode()
    assert len(quote_anchors(html)) == 20 and html.count('class="card prediction status-') == 5
