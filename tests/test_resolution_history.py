"""Every change of a prediction's status is kept; undo adds a row and restores the step before."""

from datetime import date

import pytest

from tests.factories import make_prediction
from tracker import services
from tracker.models import Prediction, ResolutionEvent

Status = Prediction.Status


@pytest.mark.django_db
def test_resolving_writes_a_history_row(editor):
    p = make_prediction()
    services.resolve(p, status=Status.TRUE, expected_version=p.version, actor=editor,
                     resolved_on=date(2026, 6, 1), note="It happened.", evidence_url="https://example.com/e")
    p.refresh_from_db()
    assert (p.status, p.resolved_on, p.resolution_note) == (Status.TRUE, date(2026, 6, 1), "It happened.")
    event = p.history.get()
    assert (event.from_status, event.to_status, event.actor, event.action) == (
        Status.OPEN, Status.TRUE, editor, ResolutionEvent.Action.RESOLVE)
    assert event.evidence_url == "https://example.com/e"


@pytest.mark.django_db
def test_resolving_twice_keeps_both_steps_and_undo_restores_the_first(editor):
    p = make_prediction()
    p = services.resolve(p, status=Status.TRUE, expected_version=p.version, actor=editor,
                         resolved_on=date(2026, 6, 1), note="first")
    p = services.resolve(p, status=Status.FALSE, expected_version=p.version, actor=editor,
                         resolved_on=date(2026, 7, 1), note="second")
    p = services.undo(p, expected_version=p.version, actor=editor)
    assert (p.status, p.resolved_on, p.resolution_note) == (Status.TRUE, date(2026, 6, 1), "first")
    p = services.undo(p, expected_version=p.version, actor=editor)
    assert (p.status, p.resolved_on, p.resolution_note) == (Status.OPEN, None, "")
    steps = list(p.history.values_list("action", "from_status", "to_status"))
    assert steps == [("resolve", "open", "true"), ("resolve", "true", "false"),
                     ("undo", "false", "true"), ("undo", "true", "open")]


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_and_changes_nothing(editor):
    p = make_prediction()
    seen = p.version
    services.resolve(p, status=Status.TRUE, expected_version=seen, actor=editor)
    stale = Prediction.objects.get(pk=p.pk)
    with pytest.raises(services.Conflict) as raised:
        services.resolve(stale, status=Status.FALSE, expected_version=seen, actor=editor)
    assert raised.value.current.status == Status.TRUE
    assert Prediction.objects.get(pk=p.pk).status == Status.TRUE
    assert p.history.count() == 1


@pytest.mark.django_db
def test_nothing_to_undo_on_an_open_prediction(editor):
    p = make_prediction()
    with pytest.raises(services.NothingToUndo):
        services.undo(p, expected_version=p.version, actor=editor)
    assert not p.history.exists()


def test_replay_cancels_the_latest_resolution_in_force():
    def event(action, to):
        return ResolutionEvent(action=action, to_status=to)

    resolve, undo = ResolutionEvent.Action.RESOLVE, ResolutionEvent.Action.UNDO
    events = [event(resolve, "true"), event(resolve, "false"), event(undo, "true"), event(resolve, "ambiguous")]
    assert [e.to_status for e in services.replay(events)] == ["true", "ambiguous"]
    assert services.replay([event(undo, "open")]) == []
