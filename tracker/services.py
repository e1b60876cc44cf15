"""Writes that touch several rows: resolving, undoing, forecasting. Each runs in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .cache import invalidate_forecast_views, invalidate_scoreboard
from .models import Forecast, Prediction, ResolutionEvent
from .scores import outcome_changed

Status = Prediction.Status
Action = ResolutionEvent.Action


class Conflict(Exception):
    """The prediction changed since the user saw it; nothing was written."""

    def __init__(self, current: Prediction):
        super().__init__(f"Prediction {current.pk} is now {current.status} (version {current.version}).")
        self.current = current


class NothingToUndo(Exception):
    pass


@dataclass(frozen=True)
class State:
    """What a resolution leaves on a prediction."""

    status: str = Status.OPEN
    resolved_on: date | None = None
    note: str = ""
    evidence_url: str = ""


OPEN_STATE = State()


def replay(events: Iterable[ResolutionEvent]) -> list[ResolutionEvent]:
    """The resolutions still in force, oldest first: each undo cancels the latest one left."""
    stack: list[ResolutionEvent] = []
    for event in events:
        if event.action == Action.UNDO:
            if stack:
                stack.pop()
        else:
            stack.append(event)
    return stack


def state_of(event: ResolutionEvent | None) -> State:
    if event is None:
        return OPEN_STATE
    return State(event.to_status, event.resolved_on, event.note, event.evidence_url)


def _next_moment(prediction: Prediction) -> datetime:
    """Now, or just after the latest history row: history is ordered by time and unique per moment."""
    now = timezone.now()
    last = prediction.history.order_by("-at").values_list("at", flat=True).first()
    return max(now, last + timedelta(microseconds=1)) if last else now


def _apply(prediction: Prediction, expected_version: int, state: State) -> Prediction:
    """Write the new state only if nobody changed the prediction since `expected_version` was read."""
    updated = Prediction.objects.filter(pk=prediction.pk, version=expected_version).update(
        status=state.status,
        resolved_on=state.resolved_on,
        resolution_note=state.note,
        resolution_url=state.evidence_url,
        version=F("version") + 1,
    )
    if not updated:
        raise Conflict(Prediction.objects.get(pk=prediction.pk))
    prediction.refresh_from_db()
    return prediction


def resolve(
    prediction: Prediction,
    *,
    status: str,
    expected_version: int,
    actor=None,
    resolved_on: date | None = None,
    note: str = "",
    evidence_url: str = "",
) -> Prediction:
    """Mark a prediction true, false or ambiguous, and record the step in its history."""
    if status == Status.OPEN:
        raise ValueError("Use undo() to reopen a prediction.")
    state = State(status, resolved_on or timezone.localdate(), note, evidence_url)
    with transaction.atomic():
        from_status = prediction.status
        prediction = _apply(prediction, expected_version, state)
        ResolutionEvent.objects.create(
            prediction=prediction, action=Action.RESOLVE, actor=actor, at=_next_moment(prediction),
            from_status=from_status, to_status=state.status, resolved_on=state.resolved_on,
            note=state.note, evidence_url=state.evidence_url,
        )
        outcome_changed([prediction.pk])
        invalidate_scoreboard()
    return prediction


def undo(prediction: Prediction, *, expected_version: int, actor=None, note: str = "") -> Prediction:
    """Cancel the latest resolution in force, restoring the one before it (or open)."""
    if prediction.is_open:
        raise NothingToUndo("This prediction is open: there is no resolution to undo.")
    with transaction.atomic():
        in_force = replay(prediction.history.order_by("at", "id"))
        restored = state_of(in_force[-2]) if len(in_force) >= 2 else OPEN_STATE
        from_status = prediction.status
        prediction = _apply(prediction, expected_version, restored)
        ResolutionEvent.objects.create(
            prediction=prediction, action=Action.UNDO, actor=actor, at=_next_moment(prediction),
            from_status=from_status, to_status=restored.status, resolved_on=restored.resolved_on,
            note=note, evidence_url="",
        )
        outcome_changed([prediction.pk])
        invalidate_scoreboard()
    return prediction


def record_forecast(prediction: Prediction, user, probability: float, note: str = "") -> Forecast:
    """Add a forecast to the user's history on this prediction; the newest is their current view.

    Only while the prediction is open: raises Conflict once it is resolved (a forecast made with the answer
    known is not a forecast). The row lock makes a resolution wait for this write, or this one see it. No score
    changes (the prediction is open), so the scoreboard's figures stay cached; only pages showing forecasts
    on open predictions are refreshed.
    """
    with transaction.atomic():
        current = Prediction.objects.select_for_update().get(pk=prediction.pk)
        if not current.is_open:
            raise Conflict(current)
        forecast = Forecast.objects.create(prediction=prediction, user=user, probability=probability, note=note)
        invalidate_forecast_views()
    return forecast
