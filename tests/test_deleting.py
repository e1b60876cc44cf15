"""Editors delete what was entered by mistake; anything still referred to is kept, with the reason."""

from datetime import date

import pytest

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
from tracker import services
from tracker.models import Company, Forecast, Person, Prediction, Quote, Signal, Source, Thesis

pytestmark = pytest.mark.django_db

MAKERS = {
    "people": (make_person, Person, "/people/"),
    "companies": (make_company, Company, "/companies/"),
    "sources": (make_source, Source, "/sources/"),
    "theses": (make_thesis, Thesis, "/theses/"),
    "signals": (make_signal, Signal, "/signals/"),
    "predictions": (make_prediction, Prediction, "/predictions/"),
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_an_object_used_nowhere_is_deleted_after_a_confirmation(editor_client, kind):
    make, model, listing = MAKERS[kind]
    obj = make()
    edit_page = editor_client.get(f"/{kind}/{obj.pk}/edit/").content.decode()
    assert f'href="/{kind}/{obj.pk}/delete/"' in edit_page
    confirm = editor_client.get(f"/{kind}/{obj.pk}/delete/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()  # a GET deletes nothing
    response = editor_client.post(f"/{kind}/{obj.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == listing
    assert not model.objects.filter(pk=obj.pk).exists()
    assert "deleted" in editor_client.get(listing).content.decode()


def test_a_quote_is_deleted_back_to_its_source(editor_client):
    quote = make_quote()
    response = editor_client.post(f"/quotes/{quote.pk}/delete/")
    assert response["Location"] == quote.source.get_absolute_url() and not Quote.objects.exists()


def test_what_others_refer_to_is_kept_with_the_reason(editor_client, editor, member):
    speaker, company, source = make_person(name="Ana"), make_company(), make_source()
    quote = make_quote(source=source, speaker=speaker)
    thesis = make_thesis()
    thesis.quotes.add(quote)
    p = make_prediction(speaker=speaker, source=source)
    p.companies.add(company)
    Forecast.objects.create(prediction=p, user=member, probability=0.3)
    resolved = make_prediction(made_on=date(2026, 1, 1))
    services.resolve(resolved, status="true", expected_version=resolved.version, actor=editor)
    cases = [
        (f"/people/{speaker.pk}/delete/", ["1 quote", "1 prediction"]),
        (f"/companies/{company.pk}/delete/", ["1 prediction"]),
        (f"/sources/{source.pk}/delete/", ["1 quote", "1 prediction"]),
        (f"/quotes/{quote.pk}/delete/", ["1 thesis"]),
        (f"/predictions/{p.pk}/delete/", ["1 forecast"]),
        (f"/predictions/{resolved.pk}/delete/", ["1 resolution history entry"]),
    ]
    counts = [m.objects.count() for m in (Person, Company, Source, Quote, Thesis, Prediction, Forecast)]
    for url, reasons in cases:
        page = editor_client.get(url).content.decode()
        assert "cannot be deleted" in page and "Delete" not in page.split("cannot be deleted")[1].split("</p>")[0]
        response = editor_client.post(url)
        html = response.content.decode()
        assert response.status_code == 409, url
        for reason in reasons:
            assert reason in html, (url, reason)
    assert counts == [m.objects.count() for m in (Person, Company, Source, Quote, Thesis, Prediction, Forecast)]


def test_deleting_a_signal_takes_its_own_links_with_it(editor_client):
    thesis = make_thesis()
    signal = make_signal()
    signal.theses.add(thesis)
    assert editor_client.post(f"/signals/{signal.pk}/delete/").status_code == 302
    assert Thesis.objects.get() == thesis and not thesis.signals.exists()


@pytest.mark.parametrize("role", ["members", None])
def test_only_editors_delete(client, role):
    person = make_person()
    client.force_login(make_user(role=role))
    response = client.post(f"/people/{person.pk}/delete/")
    assert response.status_code == 403 and Person.objects.filter(pk=person.pk).exists()
    assert "Only editors can delete people." in response.content.decode()
