"""One forecaster's track record: each scored forecast with its outcome and score, beside the community median's.

The rules are the scoreboard's (tracker/scoring.py, "How scoring works"): a prediction resolved true (o = 1) or
false (o = 0) resolves at 00:00 UTC of its `resolved_on` date; each user's latest forecast made strictly before
that moment counts; the community median m is the median of every user's counted forecast on the prediction.
Per counted forecast p:

    brier = (p - o)^2        log_score = ln(p) if o = 1 else ln(1 - p)        median_brier = (m - o)^2

Against the median: a win is a prediction where the forecaster's Brier is lower than the median's, a loss where
it is higher, a tie where they are equal (always, for the only forecaster of a prediction). Brier over time is
per month of `resolved_on`: that month's mean and the running mean up to it, the forecaster's and the median's.

This reads the forecasts themselves, not the scoreboard's figures, so it does not depend on how the scoreboard
computes or stores them; a test holds the two to the same numbers. The pure functions take plain rows, and
`scored_forecasts` is the one query.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date, parse_datetime

from .models import Forecast, Prediction
from .scoring import BIN_EDGES, calibration_rows, ratio

# Portable between SQLite and PostgreSQL, with the scoreboard's conventions (see FORECASTS_SQL there): made_at
# compared with a date is compared with the start of that day in UTC.
# mine: the scored predictions on which the user has a forecast before resolution.
# counted: on those, every user's latest forecast before resolution (no later one before it).
# ranked: the count per prediction, for the median's ranks (n + 1) / 2 and (n + 2) / 2 (the same when n is odd).
COUNTED_SQL = """
WITH mine AS (
    SELECT x.id, x.resolved_on, CASE WHEN x.status = %s THEN 1 ELSE 0 END AS o
    FROM {prediction} x
    WHERE x.status IN (%s, %s) AND EXISTS (
        SELECT 1 FROM {forecast} g WHERE g.prediction_id = x.id AND g.user_id = %s AND g.made_at < x.resolved_on)
),
counted AS (
    SELECT f.id, f.user_id, f.prediction_id, f.probability AS p, f.made_at, f.imported_at, x.o, x.resolved_on
    FROM mine x JOIN {forecast} f ON f.prediction_id = x.id
    WHERE f.made_at < x.resolved_on AND NOT EXISTS (
        SELECT 1 FROM {forecast} later
        WHERE later.prediction_id = f.prediction_id AND later.user_id = f.user_id
          AND later.made_at > f.made_at AND later.made_at < x.resolved_on
    )
),
ranked AS (
    SELECT counted.*, COUNT(*) OVER (PARTITION BY prediction_id) AS n FROM counted
),
scored AS (
    SELECT id, user_id, prediction_id, p, made_at, imported_at, o, resolved_on, n,
           (NTH_VALUE(p, CAST((n + 1) / 2 AS INTEGER)) OVER w + NTH_VALUE(p, CAST((n + 2) / 2 AS INTEGER)) OVER w)
           / 2 AS m
    FROM ranked
    WINDOW w AS (PARTITION BY prediction_id ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
SELECT prediction_id, id, p, made_at, imported_at, o, m, n, resolved_on FROM scored WHERE user_id = %s
ORDER BY resolved_on DESC, prediction_id DESC
"""


@dataclass
class ScoredForecast:
    """A forecaster's counted forecast on one scored prediction, and the community median's on it."""

    prediction_id: int
    forecast_id: int
    probability: float
    made_at: datetime
    imported: bool
    outcome: int  # 1: came true, 0: did not
    median: float
    forecasters: int  # how many users' counted forecasts the median is taken over
    resolved_on: date
    prediction: Prediction | None = None  # attached for the rows a page shows

    @property
    def brier(self) -> float:
        return (self.probability - self.outcome) ** 2

    @property
    def log_score(self) -> float:
        return math.log(self.probability if self.outcome else 1 - self.probability)

    @property
    def median_brier(self) -> float:
        return (self.median - self.outcome) ** 2

    @property
    def versus_median(self) -> str:
        """"win", "loss" or "tie": the forecaster's Brier against the median's."""
        if self.brier < self.median_brier:
            return "win"
        return "loss" if self.brier > self.median_brier else "tie"


def _moment(value) -> datetime:
    return value if isinstance(value, datetime) else parse_datetime(str(value).replace(" ", "T"))


def _day(value) -> date:
    return value if isinstance(value, date) else parse_date(str(value)[:10])


def scored_forecasts(user, live_only: bool = False) -> list[ScoredForecast]:
    """Every counted forecast of `user`, latest resolution first (one query). `live_only`: as if imported
    forecasts did not exist (the scoreboard's ?forecasts=live), for the median too."""
    table = Forecast._meta.db_table
    if live_only:  # the same filtered set wherever the query reads the forecasts
        table = f"(SELECT * FROM {table} WHERE imported_at IS NULL)"
    sql = COUNTED_SQL.format(prediction=Prediction._meta.db_table, forecast=table)
    came_true, came_false = Prediction.SCORED
    with connection.cursor() as cursor:
        cursor.execute(sql, [came_true, came_true, came_false, user.pk, user.pk])
        rows = cursor.fetchall()
    # On SQLite moments and days come back as text; PostgreSQL gives them typed.
    return [ScoredForecast(prediction_id, forecast_id, p, _moment(made_at), imported_at is not None, int(o),
                           float(m), int(n), _day(resolved_on))
            for prediction_id, forecast_id, p, made_at, imported_at, o, m, n, resolved_on in rows]


def summary(rows: list[ScoredForecast]) -> dict[str, Any]:
    """The forecaster's figures over `rows`, and the median's on the same predictions (None where undefined)."""
    n = len(rows)
    brier = ratio(sum(r.brier for r in rows), n)
    median_brier = ratio(sum(r.median_brier for r in rows), n)
    outcomes = [r.versus_median for r in rows]
    return {"scored": n, "brier": brier, "log_score": ratio(sum(r.log_score for r in rows), n),
            "median_brier": median_brier,
            "relative_brier": None if brier is None else brier - median_brier,
            "wins": outcomes.count("win"), "losses": outcomes.count("loss"), "ties": outcomes.count("tie"),
            "imported": sum(r.imported for r in rows)}


def calibration(rows: list[ScoredForecast]) -> list[dict[str, Any]]:
    """The scoreboard's ten calibration bins, for these forecasts."""
    bins: dict[int, dict[str, float]] = {}
    for row in rows:
        # The bins are [0, 0.1), [0.1, 0.2), ... [0.9, 1.0]: the number of edges at or below p.
        cell = bins.setdefault(bisect_right(BIN_EDGES, row.probability), {"n": 0, "sum_p": 0.0, "sum_o": 0})
        cell["n"] += 1
        cell["sum_p"] += row.probability
        cell["sum_o"] += row.outcome
    return calibration_rows(bins)


def by_month(rows: list[ScoredForecast]) -> list[dict[str, Any]]:
    """Per month of resolution ("YYYY-MM") with a scored forecast, in order: how many, that month's Brier and the
    median's, and the running Brier of both over every month up to and including it."""
    months: dict[str, list[ScoredForecast]] = {}
    for row in sorted(rows, key=lambda r: (r.resolved_on, r.prediction_id)):
        months.setdefault(f"{row.resolved_on:%Y-%m}", []).append(row)
    result, seen, sum_brier, sum_median = [], 0, 0.0, 0.0
    for month, cells in months.items():
        month_brier = sum(r.brier for r in cells)
        month_median = sum(r.median_brier for r in cells)
        seen, sum_brier, sum_median = seen + len(cells), sum_brier + month_brier, sum_median + month_median
        result.append({"month": month, "scored": len(cells), "brier": month_brier / len(cells),
                       "median_brier": month_median / len(cells), "running_brier": sum_brier / seen,
                       "running_median_brier": sum_median / seen})
    return result


def attach_predictions(rows: list[ScoredForecast]) -> None:
    """Set `prediction` on each row, with what a row of the list shows (one query)."""
    predictions = Prediction.objects.select_related("speaker").in_bulk([r.prediction_id for r in rows])
    for row in rows:
        row.prediction = predictions[row.prediction_id]
