"""Geometry for the charts on a time axis of the track record: a forecaster's Brier over time, and a prediction's
forecasts over time. As in tracker/charts.py, the templates only draw what this computes."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from .charts import LABEL_GAP, month_index, month_label, text_width

WIDE = 1120
LEFT, RIGHT, TOP = 64, 24, 14
PANEL = 260
AXIS_FONT = 11
# The prediction page's chart sits in its main column: narrower, so that its labels keep their size there.
NARROW, NARROW_PANEL = 720, 220
# Forecasters' points cycle through this many colours (classes series-0 ... in app.css); yours is always `mine`.
SERIES = 6


def _y(value: float, bottom: float, scale: float = 1.0, panel: float = PANEL) -> float:
    return round(bottom - panel * value / scale, 1)


def brier_scale(values: list[float]) -> float:
    """The top of a Brier axis: 0.5 (always guessing 50% scores 0.25) unless a value needs more, then 1."""
    return 0.5 if max(values, default=0) <= 0.5 else 1.0


def brier_over_time_chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Per month of resolution (rows of track_record.by_month): the running Brier of the forecaster and of the
    community median on the same predictions as lines, and each month's own Brier as a dot.

    The horizontal axis is time: each month from the first to the last takes the same width, so a month with
    nothing resolved leaves its gap."""
    width = WIDE - LEFT - RIGHT
    bottom = TOP + PANEL
    first = month_index(months[0]["month"]) if months else 0
    span = month_index(months[-1]["month"]) - first + 1 if months else 1
    step = width / span
    scale = brier_scale([m[name] for m in months for name in ("brier", "median_brier", "running_brier",
                                                               "running_median_brier")])

    def centre(index: int) -> float:
        return round(LEFT + step * (index - first + 0.5), 1)

    points, mine, crowd = [], [], []
    for month in months:
        x = centre(month_index(month["month"]))
        point = {**month, "x": x, "label": month_label(month_index(month["month"])),
                 "y": _y(month["brier"], bottom, scale), "median_y": _y(month["median_brier"], bottom, scale),
                 "running_y": _y(month["running_brier"], bottom, scale),
                 "running_median_y": _y(month["running_median_brier"], bottom, scale)}
        mine.append(f"{x},{point['running_y']}")
        crowd.append(f"{x},{point['running_median_y']}")
        points.append(point)
    label_every = math.ceil((text_width("Sep 2026", AXIS_FONT) + LABEL_GAP) / step)
    ticks = [{"x": centre(index), "label": month_label(index), "labelled": (index - first) % label_every == 0}
             for index in range(first, first + span)] if months else []
    levels = [round(scale * k / 5, 2) for k in range(6)]
    return {"width": WIDE, "height": bottom + 30, "left": LEFT, "top": TOP, "right": LEFT + width,
            "bottom": bottom, "plot_width": width, "panel_height": PANEL, "points": points,
            "running": " ".join(mine), "running_median": " ".join(crowd), "time_ticks": ticks,
            "value_ticks": [{"value": v, "y": _y(v, bottom, scale)} for v in levels],
            "label_y": bottom + 18, "font": AXIS_FONT, "title_y": TOP + PANEL / 2,
            "empty_x": LEFT + width / 2, "empty_y": TOP + PANEL / 2}


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def time_ticks(start: datetime, end: datetime, width: float) -> list[dict[str, Any]]:
    """Labelled ticks at the first of a month (every 1, 2, 3, 6, 12, 24 or 60 months), or at days (every 1, 2,
    7 or 14) on a short axis: the finest step whose labels do not collide."""
    span = (end - start).total_seconds()
    room = text_width("Sep 2026", AXIS_FONT) + LABEL_GAP
    for days in (1, 2, 7, 14):
        if span / 86400 / days <= width / room:
            first = day_start(start.date())
            moments = [first + timedelta(days=days * k) for k in range(int(span / 86400 / days) + 2)]
            return [{"at": m, "label": f"{m.day} {month_label(m.year * 12 + m.month - 1)[:3]}"}
                    for m in moments if start <= m <= end]
    months = span / 86400 / 30.44
    every = next((n for n in (1, 2, 3, 6, 12, 24, 60) if months / n <= width / room), 120)
    index = start.year * 12 + start.month - 1
    index += -index % every  # the first tick falls on a multiple of the step: Jan, Apr, Jul, Oct for 3
    ticks = []
    while (moment := datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)) <= end:
        if moment >= start:
            ticks.append({"at": moment, "label": month_label(index) if every < 12 else str(index // 12)})
        index += every
    return ticks


def _mark_label(x: float, right: float) -> dict[str, Any]:
    """The resolution mark's label beside its line: to the right, unless that runs off the plot."""
    if x > right - 130:
        return {"mark_label_x": round(x - 4, 1), "mark_anchor": "end"}
    return {"mark_label_x": round(x + 4, 1), "mark_anchor": "start"}


def forecasts_chart(prediction, forecasts: list, viewer_id: int | None, today: date) -> dict[str, Any]:
    """A prediction's forecasts over time: every forecast as a point (one colour per forecaster, yours marked),
    the community median of the latest forecasts as a step line, the speaker's stated probability as a level, and
    the resolution (or the resolve-by date, while open) as a vertical mark.

    `forecasts` may come in any order. The axis runs from the day the prediction was made (or its first forecast)
    to its resolution, or while it is open to the later of today and the resolve-by date, and at least a day."""
    forecasts = sorted(forecasts, key=lambda f: (f.made_at, f.pk))
    width = NARROW - LEFT - RIGHT
    bottom = TOP + NARROW_PANEL

    def y_of(value: float) -> float:
        return _y(value, bottom, panel=NARROW_PANEL)

    mark_day = prediction.resolved_on or prediction.resolve_by
    start = min([day_start(prediction.made_on)] + [f.made_at for f in forecasts[:1]])
    end = max([day_start(mark_day) + timedelta(days=1)] + [f.made_at for f in forecasts[-1:]]
              + ([day_start(today) + timedelta(days=1)] if prediction.is_open else []))
    span = max((end - start).total_seconds(), 86400)

    def x_of(moment: datetime) -> float:
        return round(LEFT + width * (moment - start).total_seconds() / span, 1)

    order: dict[int, int] = {}  # forecaster -> colour, in the order they first forecast
    latest: dict[int, float] = {}
    points, steps = [], []
    for f in forecasts:
        order.setdefault(f.user_id, len(order) % SERIES)
        latest[f.user_id] = f.probability
        community = median(latest.values())
        x = x_of(f.made_at)
        if steps:  # hold the previous median up to this moment, then step
            steps.append(f"{x},{steps[-1].split(',')[1]}")
        steps.append(f"{x},{y_of(community)}")
        series = "mine" if f.user_id == viewer_id else f"series-{order[f.user_id]}"
        point = {"x": x, "y": y_of(f.probability), "series": series, "forecast": f,
                 "median_after": community, "forecasters_after": len(latest)}
        points.append(point)
    if steps:
        steps.append(f"{x_of(end)},{steps[-1].split(',')[1]}")
    stated = prediction.stated_probability
    mark = {"x": x_of(day_start(mark_day)), "day": mark_day, "resolved": prediction.resolved_on is not None}
    usernames = {f.user_id: f.user.username for f in forecasts}
    legend = [{"username": usernames[uid], "series": "mine" if uid == viewer_id else f"series-{colour}",
               "mine": uid == viewer_id} for uid, colour in order.items()]
    return {"width": NARROW, "height": bottom + 30, "left": LEFT, "top": TOP, "right": LEFT + width,
            "bottom": bottom, "plot_width": width, "panel_height": NARROW_PANEL, "points": points,
            "median_steps": " ".join(steps), "legend": sorted(legend, key=lambda e: (not e["mine"], e["username"])),
            "stated": None if stated is None else {"value": stated, "y": y_of(stated)},
            "mark": mark, **_mark_label(mark["x"], LEFT + width),
            "time_ticks": [{**t, "x": x_of(t["at"])} for t in time_ticks(start, end, width)],
            "value_ticks": [{"value": v / 10, "y": y_of(v / 10)} for v in range(0, 11, 2)],
            "label_y": bottom + 18, "font": AXIS_FONT, "title_y": TOP + NARROW_PANEL / 2,
            "empty_x": LEFT + width / 2, "empty_y": TOP + NARROW_PANEL / 2}
