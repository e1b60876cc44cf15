"""Scores stored at resolution: what each counted forecast scored, kept in `Score` and `CommunityScore`.

A score changes only when what counts changes: a prediction is resolved, undone or resolved again, an import
adds forecasts or changes a status, a forecaster is deleted. Each of those calls `rescore(ids)` inside its own
transaction, so the stored rows always agree with the forecasts; a forecast on an open prediction changes
nothing here. `manage.py rescore` rebuilds every row, for data changed outside the app (a shell, SQL).

The accuracy of speakers, sources, theses, companies and tags is stored too (`GroupScore`, `rescore_groups`):
a resolution recomputes the groups of its prediction, an edit or import those its predictions were in and are
in now (`keeping_groups`).

The rules are those of `tracker.scoring` (its module docstring): the resolution moment is 00:00 UTC of
`resolved_on`, a user's latest forecast strictly before it counts, o = 1 for true and 0 for false. Stored per
(prediction, user), twice: counting every forecast, and counting only the live ones (`live_only`):

    brier        = (p - o)^2
    log_score    = ln(p) if o = 1 else ln(1 - p)
    median_brier = (m - o)^2, m the median of every user's counted forecast on the prediction
    time_brier   = sum over the user's forecasts f_i before resolution of (p_i - o)^2 * (t_{i+1} - t_i) / (R - t_1)
                   where t_1 is their first forecast, t_{i+1} the next one's moment (R, the resolution, for the
                   last): each forecast weighs as long as it stood, as on Metaculus and Fatebook.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import groupby
from statistics import median

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import Q

SCORED = ("true", "false")  # the scored statuses, as Prediction.SCORED (plain strings: migrations use this too)
CAME_TRUE = "true"
BIN_EDGES = [k / 10 for k in range(1, 10)]
CHUNK = 500  # predictions per query and per batch of writes
BASES = (False, True)  # live_only: every forecast, then the live ones only


def resolution_moment(resolved_on: date) -> datetime:
    return datetime.combine(resolved_on, time(), UTC)


def bin_of(p: float) -> int:
    """The calibration bin, by comparison with the edges, as the SQL of `tracker.scoring` does."""
    for index, edge in enumerate(BIN_EDGES):
        if p < edge:
            return index
    return len(BIN_EDGES)


@dataclass(frozen=True)
class Entered:
    """A forecast as scoring reads it."""

    id: int
    user_id: int
    made_at: datetime
    probability: float
    imported: bool


def time_averaged_brier(forecasts: list[Entered], outcome: int, resolves_at: datetime) -> float:
    """One user's forecasts before resolution, oldest first: each (p - o)^2 weighted by how long it stood."""
    span = (resolves_at - forecasts[0].made_at).total_seconds()
    total = 0.0
    for current, following in zip(forecasts, forecasts[1:] + [None], strict=True):
        until = following.made_at if following is not None else resolves_at
        total += (current.probability - outcome) ** 2 * (until - current.made_at).total_seconds()
    return total / span


def score_prediction(outcome: int, resolves_at: datetime, forecasts: Iterable[Entered]) -> tuple[list[dict], dict]:
    """The stored figures of one prediction from forecasts of one basis: a row per user, and the community's."""
    by_user: dict[int, list[Entered]] = {}
    for f in sorted(forecasts, key=lambda f: f.made_at):
        if f.made_at < resolves_at:
            by_user.setdefault(f.user_id, []).append(f)
    counted = {user_id: made[-1] for user_id, made in by_user.items()}
    m = median(f.probability for f in counted.values()) if counted else None
    median_brier = (m - outcome) ** 2 if m is not None else None
    rows = []
    for user_id, f in counted.items():
        p = f.probability
        rows.append({"user_id": user_id, "forecast_id": f.id, "probability": p, "imported": f.imported,
                     "bin": bin_of(p), "brier": (p - outcome) ** 2,
                     "log_score": math.log(p if outcome == 1 else 1 - p), "median_brier": median_brier,
                     "time_brier": time_averaged_brier(by_user[user_id], outcome, resolves_at)})
    community = {"forecasters": len(rows), "median": m, "median_brier": median_brier,
                 "sum_brier": sum(r["brier"] for r in rows)}
    return rows, community


def _lock(model, ids: list[int]) -> None:
    """Lock these rows, in id order, until the transaction ends: two writers rescoring the same prediction or
    group take turns, and the second reads what the first committed (PostgreSQL reads afresh per statement).
    SQLite needs none: its writers take turns anyway (IMMEDIATE transactions)."""
    if connection.features.has_select_for_update:
        list(model.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


# An arbitrary key of PostgreSQL's advisory locks, for the stored group rows.
GROUPS_LOCK = 1_271_200_016


def _lock_groups() -> None:
    """One lock for every group row until the transaction ends (one query, where a lock per group would take
    one per kind): writers that rescore groups take turns, and each reads what the one before committed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GROUPS_LOCK])


def _models(apps):
    return (apps.get_model("tracker", name) for name in ("Prediction", "Forecast", "Score", "CommunityScore"))


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def rescore(predictions: Iterable[int] | None = None, *, apps=global_apps) -> int:
    """Replace the stored scores of these predictions (ids; None: every prediction) by ones computed afresh from
    their forecasts, in one transaction; the number of stored rows written. Idempotent."""
    prediction_model, forecast_model, score_model, community_model = _models(apps)
    with transaction.atomic():
        if predictions is None:
            score_model.objects.all().delete()
            community_model.objects.all().delete()
            scored = prediction_model.objects.filter(status__in=SCORED)
            batches = _chunks(list(scored.order_by("pk").values_list("pk", flat=True)))
        else:
            ids = sorted(set(predictions))
            for chunk in _chunks(ids):
                _lock(prediction_model, chunk)
                score_model.objects.filter(prediction_id__in=chunk).delete()
                community_model.objects.filter(prediction_id__in=chunk).delete()
            batches = _chunks(ids)
        written = 0
        for chunk in batches:
            written += _store(chunk, prediction_model, forecast_model, score_model, community_model)
    return written


def _store(ids: list[int], prediction_model, forecast_model, score_model, community_model) -> int:
    outcomes = {pk: (1 if status == CAME_TRUE else 0, resolved_on) for pk, status, resolved_on in
                prediction_model.objects.filter(pk__in=ids, status__in=SCORED)
                .values_list("pk", "status", "resolved_on")}
    if not outcomes:
        return 0
    rows = (forecast_model.objects.filter(prediction_id__in=list(outcomes)).order_by("prediction_id")
            .values_list("prediction_id", "id", "user_id", "made_at", "probability", "imported_at"))
    forecasts: dict[int, list[Entered]] = {
        pk: [Entered(f_id, user_id, made_at, p, imported_at is not None)
             for _, f_id, user_id, made_at, p, imported_at in group]
        for pk, group in groupby(rows, key=lambda row: row[0])}
    scores, communities = [], []
    for pk, (outcome, resolved_on) in outcomes.items():
        made = forecasts.get(pk, [])
        for live_only in BASES:
            counted = [f for f in made if not f.imported] if live_only else made
            rows_of, community = score_prediction(outcome, resolution_moment(resolved_on), counted)
            common = {"prediction_id": pk, "live_only": live_only, "outcome": outcome, "resolved_on": resolved_on}
            scores += [score_model(**common, **row) for row in rows_of]
            communities.append(community_model(**common, **community))
    score_model.objects.bulk_create(scores, batch_size=CHUNK)
    community_model.objects.bulk_create(communities, batch_size=CHUNK)
    return len(scores) + len(communities)


def delete_forecasters(users) -> int:
    """Delete these users (a queryset) with their forecasts, and rescore what they had forecast: the community
    median of those predictions changes. The number of users deleted."""
    forecast_model = global_apps.get_model("tracker", "Forecast")
    with transaction.atomic():
        affected = set(forecast_model.objects.filter(user__in=users, prediction__status__in=SCORED)
                       .values_list("prediction_id", flat=True).distinct())
        deleted = users.model.objects.filter(pk__in=list(users.values_list("pk", flat=True))).delete()[1]
        rescore(affected)
    return deleted.get(users.model._meta.label, 0)


# --- groups ---------------------------------------------------------------------------------------------

# The scoreboard's group tables and the relation of Prediction that puts a prediction in a group.
GROUPS = {"speakers": "speaker", "sources": "source", "theses": "theses", "companies": "companies", "tags": "tags"}


def _group_source(prediction_model, kind: str) -> tuple[str, str, str]:
    """(FROM clause with the prediction as x, the group's column, the prediction id's column) for one kind."""
    table = prediction_model._meta.db_table
    field = prediction_model._meta.get_field(GROUPS[kind])
    if field.many_to_many:
        link = field.remote_field.through._meta.db_table
        return (f"{link} l JOIN {table} x ON x.id = l.{field.m2m_column_name()}", f"l.{field.m2m_reverse_name()}",
                f"l.{field.m2m_column_name()}")
    return f"{table} x", f"x.{field.column}", "x.id"


def groups_of(prediction_ids: Iterable[int], *, apps=global_apps) -> dict[str, set[int]]:
    """The groups of every kind these predictions belong to (one query per 200 predictions)."""
    prediction_model = apps.get_model("tracker", "Prediction")
    found: dict[str, set[int]] = {kind: set() for kind in GROUPS}
    for chunk in _chunks(sorted(set(prediction_ids)), 200):
        marks = ", ".join(["%s"] * len(chunk))
        parts = []
        for kind in GROUPS:
            source, column, prediction_column = _group_source(prediction_model, kind)
            parts.append(f"SELECT '{kind}', {column} FROM {source} "
                         f"WHERE {prediction_column} IN ({marks}) AND {column} IS NOT NULL")
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), chunk * len(parts))
            for kind, group_id in cursor.fetchall():
                found[kind].add(group_id)
    return found


def _group_counts(prediction_model, wanted: dict[str, list[int] | None]) -> list[tuple]:
    """(kind, group id, resolved, correct, stated count, stated Brier) of the wanted groups (None: all of the
    kind), in one query; the same sums as tracker.scoring.GROUPS_SQL."""
    came_true = f"CASE WHEN x.status = '{CAME_TRUE}' THEN 1 ELSE 0 END"
    parts, params = [], []
    for kind, ids in wanted.items():
        source, column, _ = _group_source(prediction_model, kind)
        stated = (f"COUNT(x.stated_probability), AVG((x.stated_probability - {came_true}) * "
                  f"(x.stated_probability - {came_true}))" if kind == "speakers"
                  else "CAST(NULL AS BIGINT), CAST(NULL AS FLOAT)")
        where = f"x.status IN ({', '.join(f"'{status}'" for status in SCORED)}) AND {column} IS NOT NULL"
        if ids is not None:
            where += f" AND {column} IN ({', '.join(['%s'] * len(ids))})"
            params += ids
        parts.append(f"SELECT '{kind}', {column}, COUNT(*), SUM({came_true}), {stated} FROM {source} WHERE {where} "
                     f"GROUP BY {column}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def rescore_groups(groups: dict[str, set[int]] | None = None, *, apps=global_apps) -> None:
    """Recompute the stored accuracy of these groups ({kind: ids}; None: of every group) from the predictions:
    a delete, one query for the counts and one insert, whatever the number of groups."""
    prediction_model, group_score = apps.get_model("tracker", "Prediction"), apps.get_model("tracker", "GroupScore")
    wanted: dict[str, list[int] | None] = {}
    for kind in GROUPS:
        ids = None if groups is None else sorted(groups.get(kind, ()))
        if ids != []:
            wanted[kind] = None if ids is not None and len(ids) > CHUNK else ids  # many: the whole kind
    if not wanted:
        return
    with transaction.atomic():
        _lock_groups()
        stale = Q()
        for kind, ids in wanted.items():
            stale |= Q(kind=kind) if ids is None else Q(kind=kind, group_id__in=ids)
        group_score.objects.filter(stale).delete()
        group_score.objects.bulk_create([
            group_score(kind=kind, group_id=group_id, resolved=int(resolved), correct=int(correct),
                        stated_count=stated_count, stated_brier=stated_brier)
            for kind, group_id, resolved, correct, stated_count, stated_brier in _group_counts(prediction_model, wanted)
        ], batch_size=CHUNK)


@contextmanager
def keeping_groups(prediction_ids: Iterable[int]):
    """Around a write that may move these predictions between groups, or change whether they are scored: the
    groups they were in before and are in after get their stored accuracy recomputed."""
    ids = list(prediction_ids)
    before = groups_of(ids)
    yield
    after = groups_of(ids)
    rescore_groups({kind: before[kind] | after[kind] for kind in GROUPS})


def outcome_changed(prediction_ids: Iterable[int]) -> None:
    """After a resolution, undo or re-resolution: the predictions' scores and their groups' accuracy."""
    ids = list(prediction_ids)
    rescore(ids)
    rescore_groups(groups_of(ids))


def rescore_everything() -> None:
    """Every stored score and group row rebuilt from the forecasts and predictions (`manage.py rescore`)."""
    with transaction.atomic():
        rescore()
        rescore_groups()
