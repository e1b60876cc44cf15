"""The review queue of candidate predictions: flagged on import, accepted into a prediction with its quote,
dismissed in place, decisions kept across re-imports; editors only."""

import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import make_company, make_person, make_source
from tracker.models import Candidate, Prediction, Quote

SAMPLES = Path(__file__).parent / "transcripts"
pytestmark = pytest.mark.django_db
FED = "I expect the Fed to cut rates twice next year."
NVIDIA = "Nvidia will pass $5 trillion in market value by 2027."
ANTHROPIC = "I'd bet Anthropic goes public within two years."


def imported(source, name="candidates.txt", *args) -> str:
    out = io.StringIO()
    call_command("import_transcript", source.key, str(SAMPLES / name), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def episode(db):
    make_person(name="Maya Chen", key="maya-chen")
    make_person(name="Tom Okafor", key="tom-okafor")
    make_company(name="Nvidia", key="nvidia", ticker="NVDA")
    make_company(name="Anthropic", key="anthropic")
    source = make_source(title="Rates and chips", published_on=date(2026, 1, 20), duration_seconds=600)
    imported(source)
    return source


def pending(source) -> list[str]:
    return list(Candidate.objects.filter(source=source).pending().order_by("position").values_list("text", flat=True))


def test_an_import_flags_the_forward_looking_sentences_with_reasons_and_dates(episode):
    assert pending(episode) == [FED, NVIDIA, ANTHROPIC]
    nvidia = Candidate.objects.get(text=NVIDIA)
    assert nvidia.reasons[:2] == ["future: 'will'", "date: by 2027 → 31 Dec 2027"]
    assert "names Nvidia" in nvidia.reasons
    assert [c.key for c in nvidia.companies.all()] == ["nvidia"]
    assert Candidate.objects.get(text=FED).resolve_by == date(2027, 12, 31)  # "next year" of a January 2026 episode
    assert Candidate.objects.get(text=ANTHROPIC).resolve_by == date(2028, 1, 20)
    assert (nvidia.speaker.name, nvidia.start_ms, nvidia.position) == ("Tom Okafor", 31000, 4)


def test_the_command_says_how_many_candidates_wait(db):
    source = make_source(duration_seconds=600)
    out = imported(source)
    assert "3 candidate predictions to review (3 new)" in out


def test_the_queue_shows_each_candidate_with_its_speaker_moment_and_reasons(episode, editor_client):
    response = editor_client.get(reverse("candidate_queue", args=[episode.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="candidate"') == 3
    assert "<strong>3</strong> to review" in html and html.count('id="candidate-count"') == 1
    assert 'href="https://www.youtube.com/watch?v=abc123&amp;t=31s"' in html
    assert "date: next year → 31 Dec 2027" in html
    assert "?transcript_page=1#t-3" in html


def test_the_source_page_and_dashboard_count_the_candidates_for_editors_only(episode, editor_client, member):
    member_client = Client()
    member_client.force_login(member)
    queue = reverse("candidate_queue", args=[episode.pk])
    for url in (episode.get_absolute_url(), reverse("dashboard")):
        assert queue in editor_client.get(url).content.decode()
        assert queue not in member_client.get(url).content.decode()
    assert "Review 3 candidate predictions" in editor_client.get(episode.get_absolute_url()).content.decode()


def test_members_may_not_see_or_decide_candidates(episode, member_client):
    candidate = Candidate.objects.get(text=FED)
    assert member_client.get(reverse("candidate_queue", args=[episode.pk])).status_code == 403
    assert member_client.get(reverse("candidate_accept", args=[candidate.pk])).status_code == 403
    response = member_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1})
    assert response.status_code == 403
    assert Candidate.objects.get(pk=candidate.pk).decision == "pending"


def test_dismiss_with_htmx_removes_the_row_and_updates_the_count(episode, editor_client, editor):
    candidate = Candidate.objects.get(text=FED)
    response = editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]),
                                  {"candidate_version": candidate.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="candidate-count" class="candidate-count" hx-swap-oob="true"><strong>2</strong>' in html
    assert "candidate-" + str(candidate.pk) not in html
    candidate.refresh_from_db()
    assert (candidate.decision, candidate.decided_by, candidate.version) == ("dismissed", editor, 2)
    assert pending(episode) == [NVIDIA, ANTHROPIC]


def test_dismiss_without_javascript_redirects_to_the_queue(episode, editor_client):
    candidate = Candidate.objects.get(text=FED)
    response = editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1})
    assert response.status_code == 302 and response["Location"] == reverse("candidate_queue", args=[episode.pk])
    queue = editor_client.get(response["Location"]).content.decode()
    assert f'id="candidate-{candidate.pk}"' not in queue and f"Dismissed: “{FED}”" in queue


def test_a_decision_on_a_stale_page_changes_nothing(episode, editor_client):
    candidate = Candidate.objects.get(text=FED)
    editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1})
    response = editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1},
                                  headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "That candidate was decided already (Dismissed by edith" in response.content.decode()
    assert Candidate.objects.get(pk=candidate.pk).version == 2


def test_accept_prefills_the_prediction_form_from_the_candidate(episode, editor_client):
    candidate = Candidate.objects.get(text=NVIDIA)
    response = editor_client.get(reverse("candidate_accept", args=[candidate.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["statement"].value() == NVIDIA
    assert form["speaker"].value() == candidate.speaker_id
    assert form["source"].value() == episode.pk
    assert form["made_on"].value() == date(2026, 1, 20)
    assert form["resolve_by"].value() == date(2027, 12, 31)
    assert form["companies"].value() == [c.pk for c in candidate.companies.all()]


def accept_post(candidate, **changes) -> dict:
    data = {"statement": candidate.text, "speaker": candidate.speaker_id, "source": candidate.source_id,
            "made_on": "2026-01-20", "resolve_by": "2027-12-31", "criteria": "", "tags": "",
            "companies": [c.pk for c in candidate.companies.all()], "version": 1, "key": "",
            "candidate_version": candidate.version}
    return {**data, **changes}


def test_saving_the_accepted_candidate_makes_the_prediction_its_quote_and_the_decision(episode, editor_client):
    candidate = Candidate.objects.get(text=NVIDIA)
    response = editor_client.post(reverse("candidate_accept", args=[candidate.pk]),
                                  accept_post(candidate, statement="Nvidia's market value passes $5 trillion.",
                                              resolve_by="2027-06-30"))
    prediction = Prediction.objects.get()
    assert response.status_code == 302 and response["Location"] == prediction.get_absolute_url()
    assert (prediction.statement, prediction.resolve_by, prediction.made_on) == (
        "Nvidia's market value passes $5 trillion.", date(2027, 6, 30), date(2026, 1, 20))
    assert [c.key for c in prediction.companies.all()] == ["nvidia"]
    quote = prediction.quotes.get()
    assert (quote.text, quote.speaker.name, quote.source, quote.timestamp_seconds) == (
        NVIDIA, "Tom Okafor", episode, 31)
    candidate.refresh_from_db()
    assert (candidate.decision, candidate.prediction, candidate.quote) == ("accepted", prediction, quote)
    queue = editor_client.get(reverse("candidate_queue", args=[episode.pk])).content.decode()
    assert f'id="candidate-{candidate.pk}"' not in queue and "<strong>2</strong> to review" in queue
    detail = editor_client.get(prediction.get_absolute_url()).content.decode()
    assert 'aria-label="Listen at 0:31"' in detail


def test_an_invalid_accept_form_writes_nothing(episode, editor_client):
    candidate = Candidate.objects.get(text=NVIDIA)
    response = editor_client.post(reverse("candidate_accept", args=[candidate.pk]),
                                  accept_post(candidate, resolve_by="2025-01-01"))
    assert response.status_code == 422
    assert "cannot be before the date the prediction was made" in response.content.decode()
    assert (Prediction.objects.count(), Quote.objects.count()) == (0, 0)
    assert Candidate.objects.get(pk=candidate.pk).decision == "pending"


def test_a_decision_with_a_version_older_than_the_candidates_changes_nothing(episode, editor_client):
    candidate = Candidate.objects.get(text=FED)
    Candidate.objects.filter(pk=candidate.pk).update(version=5)  # as a bundle import that changed it does
    response = editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1})
    assert response.status_code == 302
    page = editor_client.get(response["Location"]).content.decode()
    assert "That candidate changed since the page was loaded" in page
    assert Candidate.objects.get(pk=candidate.pk).decision == "pending"


def test_accepting_a_candidate_decided_meanwhile_writes_nothing(episode, editor_client):
    candidate = Candidate.objects.get(text=NVIDIA)
    data = accept_post(candidate)
    editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1})
    response = editor_client.post(reverse("candidate_accept", args=[candidate.pk]), data)
    assert response.status_code == 302
    assert (Prediction.objects.count(), Quote.objects.count()) == (0, 0)


def test_a_reimport_does_not_ask_again_about_decided_sentences(episode, editor_client):
    fed, nvidia = Candidate.objects.get(text=FED), Candidate.objects.get(text=NVIDIA)
    editor_client.post(reverse("candidate_dismiss", args=[fed.pk]), {"candidate_version": 1})
    editor_client.post(reverse("candidate_accept", args=[nvidia.pk]), accept_post(nvidia))
    out = imported(episode, "candidates.txt", "--replace")
    assert "1 candidate predictions to review (0 new, 2 decided before and not asked again)" in out
    assert pending(episode) == [ANTHROPIC]
    assert Candidate.objects.get(text=FED).decision == "dismissed"
    assert Candidate.objects.count() == 3


def test_a_reimport_without_a_decided_sentence_keeps_the_decision_and_drops_pending_ones(episode, editor_client):
    fed = Candidate.objects.get(text=FED)
    editor_client.post(reverse("candidate_dismiss", args=[fed.pk]), {"candidate_version": 1})
    imported(episode, "parens.txt", "--replace")
    fed.refresh_from_db()
    assert (fed.decision, fed.position, fed.start_ms) == ("dismissed", None, None)
    assert not Candidate.objects.filter(text=NVIDIA).exists()


def test_a_prediction_made_from_a_candidate_can_still_be_deleted_and_the_decision_stays(episode, editor_client):
    nvidia = Candidate.objects.get(text=NVIDIA)
    editor_client.post(reverse("candidate_accept", args=[nvidia.pk]), accept_post(nvidia))
    prediction = Prediction.objects.get()
    response = editor_client.post(reverse("prediction_delete", args=[prediction.pk]))
    assert response.status_code == 302 and not Prediction.objects.exists()
    nvidia.refresh_from_db()
    assert (nvidia.decision, nvidia.prediction) == ("accepted", None)


def test_deleting_a_source_takes_its_candidates_along(episode, editor_client):
    response = editor_client.post(reverse("source_delete", args=[episode.pk]))
    assert response.status_code == 302
    assert not Candidate.objects.exists()


def test_dismissing_the_last_candidate_says_nothing_is_left(episode, editor_client):
    *others, last = Candidate.objects.order_by("position")
    for candidate in others:
        editor_client.post(reverse("candidate_dismiss", args=[candidate.pk]), {"candidate_version": 1})
    response = editor_client.post(reverse("candidate_dismiss", args=[last.pk]), {"candidate_version": 1},
                                  headers={"HX-Request": "true"})
    assert '<li class="muted">Nothing left to review.</li>' in response.content.decode()
    assert "<strong>0</strong> to review" in response.content.decode()
