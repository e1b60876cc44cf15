"""Who was right: the scoreboard of forecasters, speakers and groups, computed in the database.

What is scored
    Only predictions resolved true or false (`Prediction.objects.scored()`); the outcome is o = 1 for true
    and o = 0 for false. Ambiguous predictions are counted in the totals and never scored; open ones are not
    scored either.

Counted forecasts (no hindsight)
    A prediction resolves at the start (00:00 UTC) of its `resolved_on` date. For each scored prediction and
    user, the user's latest forecast made strictly before that moment counts; forecasts made at or after it
    never do.

Forecasters, over the n predictions on which a user has a counted forecast p:
    brier          = (1/n) * sum((p - o)^2)                              0 is perfect, 1 the worst
    log_score      = (1/n) * sum(ln(p) if o = 1 else ln(1 - p))          natural log; 0 is perfect, always < 0
    relative_brier = (1/n) * sum((p - o)^2 - (m - o)^2)                  = brier - the median's brier
    time_brier     = (1/n) * sum(time-averaged (p - o)^2)                 each forecast weighted by how long it
                     stood, from the user's first forecast on the prediction to its resolution (tracker/scores.py)
    where m is the community median of the prediction: the median of every user's counted forecast on it (the
    middle value, or the mean of the two middle values for an even count). Negative means better than the
    crowd; exactly 0 for a user who is the only forecaster. Users with no counted forecast are left out.

Speakers and groups (source, thesis, company, tag), over their resolved = true + false predictions:
    correct = the number resolved true, accuracy = correct / resolved, and [accuracy_low, accuracy_high] its
    95% Wilson score interval (see `wilson_interval`). Speakers also get
    stated_brier = (1/k) * sum((s - o)^2) over the k = stated_count scored predictions with a stated
    probability s (null when k = 0). Theses also get signals_for and signals_against: how many linked
    signals support or contradict them. Only groups with at least one scored prediction are listed;
    predictions without a speaker or source count in no speaker or source row.

Calibration
    Counted forecasts in ten bins [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0] (the last closed); per bin: count,
    mean_probability = mean(p) and observed_frequency = mean(o), both null when the bin is empty. Overall,
    and (my_calibration) for one user.

Over time, per month of `resolved_on` ("YYYY-MM") with at least one scored prediction:
    resolved = true + false, accuracy = true / resolved, brier = mean of (p - o)^2 over all counted
    forecasts on that month's predictions (null when there are none).

Totals: predictions, open, true, false, ambiguous, and overdue = open with resolve_by < today.

Tables are sorted: forecasters by brier then username; groups by resolved (most first) then key (or tag);
calibration by bin; months in order. Floats are not rounded.

Stored scores
    The per-forecast and per-prediction figures are stored when a prediction resolves (tracker/scores.py), so the
    scoreboard adds up stored rows (STORED_SQL) instead of finding the counted forecasts among all forecasts.
    `scoreboard_from_forecasts` still computes everything from the forecasts (FORECASTS_SQL): the reference the
    stored figures are checked against. Everybody's part (`shared_scoreboard`) and a user's own calibration
    (`my_calibration`) are separate, so that the first can be cached once for everybody.

The whole scoreboard takes three queries whatever the size of the data: the stored sums (STORED_SQL), the groups
(GROUPS_SQL) and the totals; a user's own calibration alone (`my_calibration`) takes one. The database does the
per-row work; Python only adds up aggregated rows (one per user and bin, per resolution day, or per group).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import QuerySet
from django.utils import timezone

from .market import performances_of, priced_links
from .models import (
    CommunityScore,
    Company,
    Forecast,
    GroupScore,
    Person,
    Prediction,
    Score,
    Signal,
    Source,
    Tag,
    Thesis,
    ThesisCompany,
)

Status = Prediction.Status
SCORED = [Status.TRUE, Status.FALSE]

# The z value of a two-sided 95% interval: the 0.975 quantile of the standard normal distribution.
Z95 = 1.959963984540054

# Upper edges of the calibration bins 0..8; bin 9 is [0.9, 1.0].
BIN_EDGES = [k / 10 for k in range(1, 10)]
BINS = len(BIN_EDGES) + 1

# The columns of each table of the scoreboard, in order (`totals` is a single row).
COLUMNS = {
    "totals": ["predictions", "open", "true", "false", "ambiguous", "overdue"],
    "forecasters": ["username", "scored", "brier", "log_score", "relative_brier", "time_brier"],
    "speakers": ["key", "name", "resolved", "correct", "accuracy", "accuracy_low", "accuracy_high",
                 "stated_brier", "stated_count"],
    "sources": ["key", "title", "resolved", "correct", "accuracy", "accuracy_low", "accuracy_high"],
    "theses": ["key", "title", "resolved", "correct", "accuracy", "accuracy_low", "accuracy_high",
               "signals_for", "signals_against", "return", "benchmark", "benchmark_return", "excess"],
    "companies": ["key", "name", "resolved", "correct", "accuracy", "accuracy_low", "accuracy_high"],
    "tags": ["tag", "resolved", "correct", "accuracy", "accuracy_low", "accuracy_high"],
    "calibration": ["lower", "upper", "count", "mean_probability", "observed_frequency"],
    "my_calibration": ["lower", "upper", "count", "mean_probability", "observed_frequency"],
    "by_month": ["month", "resolved", "accuracy", "brier"],
}
# Single figures beside the tables: whether only live forecasts were counted, and how many counted ones were
# imported.
FIGURES = ["live_only", "imported_forecasts"]


# --- pure functions ------------------------------------------------------------------------------------

def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def wilson_interval(correct: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval for a proportion correct / n (None, None when n = 0).

    With q = correct / n:  centre = (q + z^2 / 2n) / (1 + z^2 / n),
    half-width = z / (1 + z^2 / n) * sqrt(q (1 - q) / n + z^2 / 4n^2); the interval is centre -/+ half-width.
    """
    if n == 0:
        return None, None
    q = correct / n
    denominator = 1 + z * z / n
    centre = (q + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n))
    # Clamped only against rounding: mathematically the interval lies within [0, 1].
    return max(0.0, centre - half), min(1.0, centre + half)


def accuracy_figures(resolved: int, correct: int) -> dict[str, Any]:
    """resolved, correct, accuracy = correct / resolved, and its 95% Wilson interval."""
    low, high = wilson_interval(correct, resolved)
    return {"resolved": resolved, "correct": correct, "accuracy": ratio(correct, resolved),
            "accuracy_low": low, "accuracy_high": high}


def bin_bounds(index: int) -> tuple[float, float]:
    return index / 10, (index + 1) / 10


def calibration_rows(bins: dict[int, dict[str, float]]) -> list[dict[str, Any]]:
    """All ten bins in order, from {bin index: {"n", "sum_p", "sum_o", ...}}; missing bins are empty."""
    rows = []
    for index in range(BINS):
        cell = bins.get(index, {"n": 0, "sum_p": 0.0, "sum_o": 0})
        lower, upper = bin_bounds(index)
        rows.append({"lower": lower, "upper": upper, "count": cell["n"],
                     "mean_probability": ratio(cell["sum_p"], cell["n"]),
                     "observed_frequency": ratio(cell["sum_o"], cell["n"])})
    return rows


def forecaster_rows(by_user: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Forecasters' figures from their sums, best Brier first (ties by username)."""
    rows = [{"username": username, "scored": c["n"], "brier": c["sum_sq"] / c["n"],
             "log_score": c["sum_log"] / c["n"], "relative_brier": c["sum_rel"] / c["n"],
             "time_brier": c["sum_time"] / c["n"] if c.get("sum_time") is not None else None}
            for username, c in by_user.items()]
    return sorted(rows, key=lambda r: (r["brier"], r["username"]))


def month_rows(days: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """Per month, from per-day {"resolved", "correct", "n", "sum_sq"} keyed by "YYYY-MM-DD"."""
    months: dict[str, dict[str, float]] = defaultdict(lambda: {"resolved": 0, "correct": 0, "n": 0, "sum_sq": 0.0})
    for day, cell in days.items():
        month = months[day[:7]]
        for name in month:
            month[name] += cell[name]
    return [{"month": key, "resolved": m["resolved"], "accuracy": ratio(m["correct"], m["resolved"]),
             "brier": ratio(m["sum_sq"], m["n"])}
            for key, m in sorted(months.items())]


def table_csv_rows(board: dict[str, Any], table: str) -> list[list[Any]]:
    """One table of the scoreboard with its own columns: a header, then its rows (blank where undefined)."""
    section = board[table]
    rows = [section] if table == "totals" else section or []
    return [COLUMNS[table]] + [["" if row.get(name) is None else row[name] for name in COLUMNS[table]]
                               for row in rows]


def csv_rows(board: dict[str, Any]) -> list[list[Any]]:
    """The scoreboard as one CSV table: a header, then a row per figure row. The first column, `table`, names
    the section (totals, forecasters, ...); the others are the union of every section's columns, blank where
    the section has no such column or the figure is undefined."""
    header = ["table"] + list(dict.fromkeys(name for columns in COLUMNS.values() for name in columns))
    rows: list[list[Any]] = [header]
    for table in COLUMNS:
        section = board[table]
        for row in [section] if table == "totals" else section or []:
            rows.append([table] + ["" if row.get(name) is None else row[name] for name in header[1:]])
    return rows


# --- the forecasts query -------------------------------------------------------------------------------

def _bin_sql(column: str) -> str:
    """The calibration bin of a probability, by comparison with the edges (no rounding surprises)."""
    whens = " ".join(f"WHEN {column} < {edge!r} THEN {i}" for i, edge in enumerate(BIN_EDGES))
    return f"CASE {whens} ELSE {BINS - 1} END"


# "Came true", said once for every query: o of the prediction aliased x, and the predictions that are scored
# (the statuses of `Prediction.objects.scored()`, plain words, so inlining them is safe).
CAME_TRUE_SQL = f"CASE WHEN x.status = '{Prediction.CAME_TRUE}' THEN 1 ELSE 0 END"
SCORED_SQL = f"x.status IN ({', '.join(f"'{status}'" for status in Prediction.SCORED)})"


# Portable between SQLite 3.35+ and PostgreSQL 12+. `made_at < resolved_on` compares a moment with the start of a
# day: on SQLite made_at is text 'YYYY-MM-DD HH:MM:SS[.f]' in UTC, which sorts after 'YYYY-MM-DD' on that very
# day and before it on earlier days; on PostgreSQL the date becomes midnight in the session time zone, which
# Django sets to UTC.
#
# outcomes: the scored predictions, with n = how many users forecast them before resolution (a walk along
#     forecast_latest_idx), which is also how many counted forecasts they have.
# counted: each user's latest forecast before resolution: the one with no later one before resolution (NOT
#     EXISTS, a probe of forecast_latest_idx; on SQLite about twice as fast as ROW_NUMBER() over the forecasts).
# scored: each counted forecast with its prediction's median m, the mean of the values ranked (n + 1) / 2 and
#     (n + 2) / 2 (integer division: the same one when n is odd), taken by NTH_VALUE over the prediction's
#     forecasts in order of probability.
# The result: sums per (user, bin), where squared error minus the median's gives the relative Brier; per
# resolution day, the counted forecasts and their squared errors; per resolution day, the scored predictions
# and how many came true. The casts give PostgreSQL the type of columns that are NULL in the first branch.
# No CTE is joined to another: SQLite has no statistics on them and can pick a nested loop without an index.
FORECASTS_SQL = """
WITH outcomes AS MATERIALIZED (
    SELECT x.id, x.resolved_on, {came_true} AS o,
           (SELECT COUNT(DISTINCT g.user_id) FROM {forecast} g
            WHERE g.prediction_id = x.id AND g.made_at < x.resolved_on) AS n
    FROM {prediction} x WHERE {scored}
),
counted AS (
    SELECT f.user_id, f.prediction_id, f.probability AS p, x.o, x.n, x.resolved_on,
           CASE WHEN f.imported_at IS NULL THEN 0 ELSE 1 END AS imported
    FROM outcomes x JOIN {forecast} f ON f.prediction_id = x.id
    WHERE f.made_at < x.resolved_on AND NOT EXISTS (
        SELECT 1 FROM {forecast} later
        WHERE later.prediction_id = f.prediction_id AND later.user_id = f.user_id
          AND later.made_at > f.made_at AND later.made_at < x.resolved_on
    )
),
scored AS MATERIALIZED (
    SELECT user_id, resolved_on, p, o, imported, {bin} AS bin,
           (NTH_VALUE(p, CAST((n + 1) / 2 AS INTEGER)) OVER w + NTH_VALUE(p, CAST((n + 2) / 2 AS INTEGER)) OVER w)
           / 2 AS m
    FROM counted
    WINDOW w AS (PARTITION BY prediction_id ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT 'user_bin', g.user_id, u.username, g.bin, CAST(NULL AS DATE),
       g.n, g.sum_p, g.sum_o, g.sum_sq, g.sum_log, g.sum_rel, g.imported
FROM (
    SELECT user_id, bin, COUNT(*) AS n, SUM(p) AS sum_p, SUM(o) AS sum_o, SUM((p - o) * (p - o)) AS sum_sq,
           SUM(LN(CASE WHEN o = 1 THEN p ELSE 1 - p END)) AS sum_log,
           SUM((p - o) * (p - o) - (m - o) * (m - o)) AS sum_rel, SUM(imported) AS imported
    FROM scored GROUP BY user_id, bin
) g JOIN {user} u ON u.id = g.user_id
UNION ALL
SELECT 'forecasts_on', NULL, NULL, NULL, resolved_on, COUNT(*), NULL, NULL, SUM((p - o) * (p - o)), NULL, NULL,
       NULL
FROM scored GROUP BY resolved_on
UNION ALL
SELECT 'resolved_on', NULL, NULL, NULL, resolved_on, COUNT(*), NULL, SUM(o), NULL, NULL, NULL, NULL
FROM outcomes GROUP BY resolved_on
"""

SUMS = ("n", "sum_p", "sum_o", "sum_sq", "sum_log", "sum_rel", "sum_time")


@dataclass
class ForecastSums:
    """What FORECASTS_SQL returns: sums over counted forecasts per (user id, username, bin), and per resolution
    day ("YYYY-MM-DD"): the scored predictions (resolved, correct) and their counted forecasts (n, sum_sq)."""

    user_bins: list[tuple[int, str, int, dict[str, float]]]
    days: dict[str, dict[str, float]]
    imported: int = 0  # how many of the counted forecasts came in by an import

    def by_user(self) -> dict[str, dict[str, float]]:
        return _add_up((username, cell) for _, username, _, cell in self.user_bins)

    def by_bin(self, user_id: int | None = None) -> dict[int, dict[str, float]]:
        """Per bin, for every user or for one."""
        return _add_up((b, cell) for uid, _, b, cell in self.user_bins if user_id is None or uid == user_id)


def _add_up(pairs) -> dict[Any, dict[str, float]]:
    sums: dict[Any, dict[str, float]] = {}
    for key, cell in pairs:
        total = sums.setdefault(key, dict.fromkeys(SUMS, 0))
        for name in SUMS:
            # FORECASTS_SQL has no time-averaged Brier: None there stays None
            total[name] = None if cell.get(name) is None or total[name] is None else total[name] + cell[name]
    return sums


def forecast_sums(forecasts: QuerySet[Forecast] | None = None) -> ForecastSums:
    """Run FORECASTS_SQL (one query) over `forecasts` (default: every forecast)."""
    table, params = Forecast._meta.db_table, ()
    if forecasts is not None:  # a filtered queryset stands in for the table wherever the query reads it
        inner, params = forecasts.values("prediction_id", "user_id", "made_at", "probability", "imported_at") \
            .query.sql_with_params()
        table = f"({inner})"
    sql = FORECASTS_SQL.format(prediction=Prediction._meta.db_table, forecast=table,
                               user=get_user_model()._meta.db_table, bin=_bin_sql("p"),
                               came_true=CAME_TRUE_SQL, scored=SCORED_SQL)
    user_bins, imported_count = [], 0
    days: dict[str, dict[str, float]] = defaultdict(lambda: {"resolved": 0, "correct": 0, "n": 0, "sum_sq": 0.0})
    with connection.cursor() as cursor:
        cursor.execute(sql, tuple(params) * FORECASTS_SQL.count("{forecast}") or None)
        for kind, user_id, username, bin_index, day, n, sum_p, sum_o, sum_sq, sum_log, sum_rel, imported \
                in cursor.fetchall():
            n = int(n)  # PostgreSQL sums integers as numeric
            if kind == "user_bin":
                user_bins.append((user_id, username, bin_index, {
                    "n": n, "sum_p": sum_p, "sum_o": int(sum_o), "sum_sq": sum_sq, "sum_log": sum_log,
                    "sum_rel": sum_rel, "sum_time": None}))
                imported_count += int(imported)
            elif kind == "forecasts_on":
                days[str(day)[:10]].update(n=n, sum_sq=sum_sq)  # a date on PostgreSQL, text on SQLite
            else:
                days[str(day)[:10]].update(resolved=n, correct=int(sum_o))
    return ForecastSums(user_bins, dict(days), imported_count)


# --- the stored scores --------------------------------------------------------------------------------

# Sums of the stored rows of one basis (live_only), in the shape of FORECASTS_SQL's result: per (user, bin), with
# the user's name joined after grouping (50 rows, not one per score); per resolution day, the scored predictions,
# how many came true, their counted forecasts and the sum of those forecasts' Brier.
STORED_SQL = """
SELECT 'user_bin', g.user_id, u.username, g.bin, CAST(NULL AS DATE),
       g.n, g.sum_p, g.sum_o, g.sum_sq, g.sum_log, g.sum_rel, g.sum_time, g.imported
FROM (
    SELECT user_id, bin, COUNT(*) AS n, SUM(probability) AS sum_p, SUM(outcome) AS sum_o, SUM(brier) AS sum_sq,
           SUM(log_score) AS sum_log, SUM(brier - median_brier) AS sum_rel, SUM(time_brier) AS sum_time,
           SUM(CASE WHEN imported THEN 1 ELSE 0 END) AS imported
    FROM {score} WHERE live_only = %s GROUP BY user_id, bin
) g JOIN {user} u ON u.id = g.user_id
UNION ALL
SELECT 'day', NULL, NULL, NULL, resolved_on, COUNT(*), SUM(forecasters), SUM(outcome), SUM(sum_brier),
       NULL, NULL, NULL, NULL
FROM {community} WHERE live_only = %s GROUP BY resolved_on
"""


def stored_sums(live_only: bool = False) -> ForecastSums:
    """Run STORED_SQL (one query): the sums `forecast_sums` gives, added up from the stored scores."""
    sql = STORED_SQL.format(score=Score._meta.db_table, community=CommunityScore._meta.db_table,
                            user=get_user_model()._meta.db_table)
    user_bins, imported_count = [], 0
    days: dict[str, dict[str, float]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, (live_only, live_only))
        for kind, user_id, username, bin_index, day, n, sum_p, sum_o, sum_sq, sum_log, sum_rel, sum_time, imported \
                in cursor.fetchall():
            if kind == "user_bin":
                user_bins.append((user_id, username, bin_index, {
                    "n": int(n), "sum_p": sum_p, "sum_o": int(sum_o), "sum_sq": sum_sq, "sum_log": sum_log,
                    "sum_rel": sum_rel, "sum_time": sum_time}))
                imported_count += int(imported)
            else:  # n predictions, sum_p their counted forecasts (int() again: PostgreSQL sums as numeric)
                days[str(day)[:10]] = {"resolved": int(n), "correct": int(sum_o), "n": int(sum_p),
                                       "sum_sq": sum_sq or 0.0}
    return ForecastSums(user_bins, days, imported_count)


def my_calibration(user=None, live_only: bool = False) -> list[dict[str, Any]] | None:
    """`user`'s own calibration from their stored scores (one small query); None without a user. What
    `compute_scoreboard` gives as my_calibration, for a scoreboard whose shared part comes from a cache."""
    if user is None or not user.is_authenticated:
        return None
    bins = {row["bin"]: row for row in Score.objects.filter(live_only=live_only, user=user).order_by()
            .values("bin").annotate(n=models.Count("pk"), sum_p=models.Sum("probability"),
                                    sum_o=models.Sum("outcome"))}
    return calibration_rows(bins)


# --- accuracy queries ----------------------------------------------------------------------------------

# Accuracy per speaker, source, thesis, company and tag, in one query over the scored predictions: a row per
# group with at least one, as (table, key, name or title, resolved, correct, then for speakers the count and
# mean squared error of stated probabilities, for theses the signals for and against). The casts give
# PostgreSQL the type of columns that are NULL in the first branches of the UNION.
GROUPS_SQL = """
SELECT 'speakers', g.key, g.name, COUNT(*), SUM({came_true}),
       COUNT(x.stated_probability), AVG((x.stated_probability - {came_true}) * (x.stated_probability - {came_true})),
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
FROM {prediction} x JOIN {person} g ON g.id = x.speaker_id
WHERE {scored} GROUP BY g.key, g.name
UNION ALL
SELECT 'sources', g.key, g.title, COUNT(*), SUM({came_true}),
       NULL, NULL, NULL, NULL
FROM {prediction} x JOIN {source} g ON g.id = x.source_id
WHERE {scored} GROUP BY g.key, g.title
UNION ALL
SELECT 'theses', g.key, g.title, COUNT(*), SUM({came_true}), NULL, NULL,
       (SELECT COUNT(*) FROM {signal_theses} st JOIN {signal} s ON s.id = st.signal_id
        WHERE st.thesis_id = g.id AND s.direction = 'supports'),
       (SELECT COUNT(*) FROM {signal_theses} st JOIN {signal} s ON s.id = st.signal_id
        WHERE st.thesis_id = g.id AND s.direction = 'contradicts')
FROM {prediction_theses} link JOIN {prediction} x ON x.id = link.prediction_id JOIN {thesis} g ON g.id = link.thesis_id
WHERE {scored} GROUP BY g.id, g.key, g.title
UNION ALL
SELECT 'companies', g.key, g.name, COUNT(*), SUM({came_true}),
       NULL, NULL, NULL, NULL
FROM {prediction_companies} link JOIN {prediction} x ON x.id = link.prediction_id
     JOIN {company} g ON g.id = link.company_id
WHERE {scored} GROUP BY g.key, g.name
UNION ALL
SELECT 'tags', g.name, NULL, COUNT(*), SUM({came_true}), NULL, NULL, NULL, NULL
FROM {prediction_tags} link JOIN {prediction} x ON x.id = link.prediction_id JOIN {tag} g ON g.id = link.tag_id
WHERE {scored} GROUP BY g.name
"""

# The column each group table names its rows by, besides `key` (tags are named by `tag` alone).
GROUP_LABELS = {"speakers": "name", "sources": "title", "theses": "title", "companies": "name", "tags": None}


def _group_sql(sql: str) -> str:
    return sql.format(
        came_true=CAME_TRUE_SQL, scored=SCORED_SQL, group_score=GroupScore._meta.db_table,
        prediction=Prediction._meta.db_table, person=Person._meta.db_table, source=Source._meta.db_table,
        thesis=Thesis._meta.db_table, company=Company._meta.db_table, tag=Tag._meta.db_table,
        signal=Signal._meta.db_table, signal_theses=Signal.theses.through._meta.db_table,
        prediction_theses=Prediction.theses.through._meta.db_table,
        prediction_companies=Prediction.companies.through._meta.db_table,
        prediction_tags=Prediction.tags.through._meta.db_table,
    )


def _group_tables(sql: str) -> dict[str, list[dict[str, Any]]]:
    """Run a query with the columns of GROUPS_SQL: the speakers, sources, theses, companies and tags tables, sorted."""
    tables: dict[str, list[dict[str, Any]]] = {table: [] for table in GROUP_LABELS}
    with connection.cursor() as cursor:
        cursor.execute(_group_sql(sql))
        for table, key, label, resolved, correct, stated_count, stated_brier, signals_for, against in cursor:
            label_column = GROUP_LABELS[table]
            row = {"key": key, label_column: label} if label_column else {"tag": key}
            row.update(accuracy_figures(int(resolved), int(correct)))  # int(): PostgreSQL sums as numeric
            if table == "speakers":
                row.update(stated_brier=stated_brier, stated_count=stated_count)
            elif table == "theses":
                row.update(signals_for=signals_for, signals_against=against)
            tables[table].append(row)
    for table, rows in tables.items():
        rows.sort(key=lambda r: (-r["resolved"], r["key" if GROUP_LABELS[table] else "tag"]))
    return tables


def with_returns(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The theses table's rows with each thesis's return since it was opened and its benchmark's (one query, and
    one for prices not read yet; none when there are no rows)."""
    if not rows:
        return rows
    links = list(priced_links(ThesisCompany.objects.filter(thesis__key__in=[row["key"] for row in rows]))
                 .order_by("company__name", "pk"))
    theses = {link.thesis.pk: link.thesis for link in links}  # a thesis without companies has no return
    figures_of = performances_of(theses.values(), links)
    returns = {thesis.key: figures_of[pk] for pk, thesis in theses.items()}
    for row in rows:
        figures = returns.get(row["key"])
        row.update({"return": figures and figures.ret, "benchmark": figures.benchmark if figures else None,
                    "benchmark_return": figures and figures.benchmark_return, "excess": figures and figures.excess})
    return rows


def group_rows() -> dict[str, list[dict[str, Any]]]:
    """The group tables computed from the predictions (GROUPS_SQL, one query): what the stored ones must give."""
    return _group_tables(GROUPS_SQL)


# The same tables from the stored counts (tracker/scores.py, rescore_groups), with names and signals read live.
STORED_GROUPS_SQL = """
SELECT 'speakers', g.key, g.name, s.resolved, s.correct, s.stated_count, s.stated_brier,
       CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
FROM {group_score} s JOIN {person} g ON g.id = s.group_id WHERE s.kind = 'speakers'
UNION ALL
SELECT 'sources', g.key, g.title, s.resolved, s.correct, NULL, NULL, NULL, NULL
FROM {group_score} s JOIN {source} g ON g.id = s.group_id WHERE s.kind = 'sources'
UNION ALL
SELECT 'theses', g.key, g.title, s.resolved, s.correct, NULL, NULL,
       (SELECT COUNT(*) FROM {signal_theses} st JOIN {signal} x ON x.id = st.signal_id
        WHERE st.thesis_id = g.id AND x.direction = 'supports'),
       (SELECT COUNT(*) FROM {signal_theses} st JOIN {signal} x ON x.id = st.signal_id
        WHERE st.thesis_id = g.id AND x.direction = 'contradicts')
FROM {group_score} s JOIN {thesis} g ON g.id = s.group_id WHERE s.kind = 'theses'
UNION ALL
SELECT 'companies', g.key, g.name, s.resolved, s.correct, NULL, NULL, NULL, NULL
FROM {group_score} s JOIN {company} g ON g.id = s.group_id WHERE s.kind = 'companies'
UNION ALL
SELECT 'tags', g.name, NULL, s.resolved, s.correct, NULL, NULL, NULL, NULL
FROM {group_score} s JOIN {tag} g ON g.id = s.group_id WHERE s.kind = 'tags'
"""


def stored_group_rows() -> dict[str, list[dict[str, Any]]]:
    """The group tables from the stored counts (one query over a few hundred rows)."""
    return _group_tables(STORED_GROUPS_SQL)


def totals(today: date) -> dict[str, int]:
    return Prediction.objects.totals(today)


# --- the entry points ---------------------------------------------------------------------------------

def _board(today: date | None, sums: ForecastSums, live_only: bool, mine: list | None, groups: dict) -> dict:
    with_returns(groups["theses"])
    return {
        "totals": totals(today or timezone.localdate()),
        "forecasters": forecaster_rows(sums.by_user()),
        **groups,
        "calibration": calibration_rows(sums.by_bin()),
        "my_calibration": mine,
        "by_month": month_rows(sums.days),
        "live_only": live_only,
        "imported_forecasts": sums.imported,
    }


def shared_scoreboard(today: date | None = None, live_only: bool = False) -> dict[str, Any]:
    """The scoreboard as everybody sees it, from the stored scores (three queries); my_calibration is None."""
    return compute_scoreboard(today, None, live_only)


def compute_scoreboard(today: date | None = None, user=None, live_only: bool = False) -> dict[str, Any]:
    """The whole scoreboard as plain data, JSON-ready, with None where a figure is undefined (three queries, and
    three more for the theses' returns when the theses table has rows).

    Keys, and the columns of their rows, as in COLUMNS: totals (one dict), forecasters, speakers, sources,
    theses, companies, tags, calibration, my_calibration (`user`'s own calibration; None without a user),
    by_month; and imported_forecasts, how many of the counted forecasts came in by an import. `today`
    (default: today) is what overdue is counted against. `live_only` counts only forecasts entered in the app.
    Added up from the stored scores; `scoreboard_from_forecasts` gives the same figures the long way.
    """
    user_id = user.pk if user is not None and user.is_authenticated else None
    sums = stored_sums(live_only)
    mine = calibration_rows(sums.by_bin(user_id)) if user_id is not None else None
    return _board(today, sums, live_only, mine, stored_group_rows())


def scoreboard_from_forecasts(today: date | None = None, user=None, live_only: bool = False) -> dict[str, Any]:
    """The scoreboard computed from all forecasts and predictions (FORECASTS_SQL, GROUPS_SQL), ignoring the stored
    scores: the reference `compute_scoreboard` must agree with (it has no time-averaged Brier: time_brier is
    None). Slow: it grows with the data."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    sums = forecast_sums(Forecast.objects.live() if live_only else None)
    mine = calibration_rows(sums.by_bin(user_id)) if user_id is not None else None
    return _board(today, sums, live_only, mine, group_rows())
