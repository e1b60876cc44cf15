"""Geometry for the scoreboard's server-rendered SVG charts. The templates only draw what this computes."""

import math
from datetime import date
from typing import Any

# A character's width as a share of the font size: a little over a digit in the usual sans-serif fonts.
CHAR_WIDTH = 0.65
LABEL_GAP = 4

# Calibration: probabilities 0-1 span SIZE on both axes. The frame is padded by the biggest dot's radius, so
# no dot crosses it, and the forecasts per bin sit in a row of their own under the horizontal axis.
SIZE = 300
MAX_RADIUS = 12
PAD = MAX_RADIUS + 2
FRAME_LEFT, FRAME_TOP, RIGHT_MARGIN = 62, 8, 8
COUNT_FONT = 10

# Accuracy over time: a 0-1 panel for the share that came true and the Brier score, and under it a strip of
# bars for the number resolved, on its own scale.
WIDE = 1120
LEFT, RIGHT, TOP = 92, 16, 12
PANEL, GAP, STRIP = 240, 22, 72
MONTH_FONT = 11
MAX_BAR = 28
MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def text_width(text: str, font_size: float) -> float:
    """A generous estimate of a label's rendered width, for keeping labels apart."""
    return len(text) * CHAR_WIDTH * font_size


def count_label(count: int) -> str:
    """Four characters at most (below a billion), so a count fits its bin's column: 9999, 12k, 999k, 3M."""
    if count < 10_000:
        return str(count)
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count // 1_000_000}M"


def count_ticks(biggest: int, most: int = 3) -> list[int]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to the first at or above `biggest`, in at most
    `most` steps: 13 -> [0, 5, 10, 15]."""
    rough = max(biggest / most, 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(base * power for base in (1, 2, 5, 10) if base * power >= rough)
    return [step * i for i in range(max(math.ceil(biggest / step), 1) + 1)]


def calibration_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Predicted (x) against observed (y) per probability bin; the diagonal is perfect calibration."""
    left, top = FRAME_LEFT + PAD, FRAME_TOP + PAD
    right, bottom = left + SIZE, top + SIZE
    frame_bottom = bottom + PAD
    biggest = max((row["count"] for row in rows), default=0) or 1
    points = []
    for row in rows:
        if not row["count"]:
            continue
        x = left + SIZE * row["mean_probability"]
        y = bottom - SIZE * row["observed_frequency"]
        radius = 4 + (MAX_RADIUS - 4) * (row["count"] / biggest) ** 0.5
        points.append({"x": round(x, 1), "y": round(y, 1), "r": round(radius, 1), **row})
    labels = [count_label(row["count"]) for row in rows]
    narrowest = min((row["upper"] - row["lower"] for row in rows), default=1) * SIZE
    longest = max((len(label) for label in labels), default=1)
    font = min(COUNT_FONT, (narrowest - LABEL_GAP) / (longest * CHAR_WIDTH))
    counts = [{"x": round(left + SIZE * (row["lower"] + row["upper"]) / 2, 1), "text": label, **row}
              for row, label in zip(rows, labels, strict=True)]
    edges = sorted({round(left + SIZE * edge, 1) for row in rows for edge in (row["lower"], row["upper"])})
    ticks = [{"value": v / 10, "x": left + SIZE * v / 10, "y": bottom - SIZE * v / 10} for v in range(0, 11, 2)]
    return {"width": left + SIZE + PAD + RIGHT_MARGIN, "height": frame_bottom + 62,
            "left": left, "top": top, "right": right, "bottom": bottom, "size": SIZE,
            "frame": {"x": FRAME_LEFT, "y": FRAME_TOP, "size": SIZE + 2 * PAD, "bottom": frame_bottom},
            "points": points, "ticks": ticks, "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
            "tick_label_y": frame_bottom + 15, "counts": counts, "count_font": round(font, 1), "edges": edges,
            "count_band": {"y": frame_bottom + 22, "height": 18}, "count_y": frame_bottom + 35,
            "x_title_y": frame_bottom + 56, "y_title": {"x": 16, "y": (top + bottom) / 2},
            "empty": {"x": left + SIZE * 0.3, "y": top + SIZE * 0.3}}


def month_index(month: str) -> int:
    """"2026-07" -> months since year 0, so that differences count months."""
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def month_label(index: int) -> str:
    year, number = divmod(index, 12)
    return f"{MONTH_NAMES[number]} {year}"


def over_time_chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Per month of resolution: the speakers' accuracy and the forecasters' Brier score on a 0-1 panel, and
    the number resolved as bars in a strip under it with its own count axis.

    The horizontal axis is time: every month from the first to the last with a resolution takes the same
    share of the full width, so a month with none leaves its gap."""
    width = WIDE - LEFT - RIGHT
    first = month_index(months[0]["month"]) if months else 0
    span = month_index(months[-1]["month"]) - first + 1 if months else 1
    step = width / span
    panel_bottom = TOP + PANEL
    strip_top = panel_bottom + GAP
    strip_bottom = strip_top + STRIP
    ticks = count_ticks(max((m["resolved"] for m in months), default=0))
    bar_width = min(step * 0.6, MAX_BAR)

    def centre(index: int) -> float:
        return LEFT + step * (index - first + 0.5)

    columns, accuracy, brier = [], [], []
    for month in months:
        x = centre(month_index(month["month"]))
        bar = STRIP * month["resolved"] / ticks[-1]
        column = {"x": round(x - bar_width / 2, 1), "width": round(bar_width, 1), "y": round(strip_bottom - bar, 1),
                  "height": round(bar, 1), "cx": round(x, 1), **month,
                  "label": month_label(month_index(month["month"]))}
        for figure, line in (("accuracy", accuracy), ("brier", brier)):
            if month[figure] is not None:
                column[f"{figure}_y"] = round(panel_bottom - PANEL * month[figure], 1)
                line.append(f"{x:.1f},{column[f'{figure}_y']}")
        columns.append(column)
    label_every = math.ceil((text_width("Sep 2026", MONTH_FONT) + LABEL_GAP) / step)
    month_ticks = [{"x": round(centre(index), 1), "label": month_label(index),
                    "labelled": (index - first) % label_every == 0}
                   for index in range(first, first + span)] if months else []
    return {"width": WIDE, "height": strip_bottom + 26, "left": LEFT, "top": TOP, "right": LEFT + width,
            "bottom": panel_bottom, "plot_width": width, "panel_height": PANEL,
            "strip_top": strip_top, "strip_bottom": strip_bottom, "step": step,
            "columns": columns, "month_ticks": month_ticks, "label_every": label_every,
            "month_font": MONTH_FONT, "month_y": strip_bottom + 17,
            "ticks": [{"value": v / 10, "y": panel_bottom - PANEL * v / 10} for v in range(0, 11, 2)],
            "count_ticks": [{"value": v, "y": round(strip_bottom - STRIP * v / ticks[-1], 1)} for v in ticks],
            "accuracy": " ".join(accuracy), "brier": " ".join(brier),
            "panel_title_y": TOP + PANEL / 2, "strip_title_y": strip_top + STRIP / 2,
            "empty_x": LEFT + width / 2, "empty_y": TOP + PANEL / 2}


# Thesis against benchmark: both rebased to 100 at the start, on a time axis; under it a strip of marks for the
# thesis's signals and for its predictions' resolutions. The lines are drawn through about one point per two or
# three pixels (POINTS, about one a week over ten years); the returns themselves are computed from every price.
RETURN_LEFT, RETURN_RIGHT, RETURN_TOP, RETURN_PANEL = 56, 16, 12, 260
MARK_STRIP = 44
POINTS = 400


def index_ticks(low: float, high: float, most: int = 6) -> list[float]:
    """Round steps (1, 2 or 5 times a power of ten) that cover low..high in at most `most` steps."""
    rough = max((high - low) / most, 1e-9)
    power = 10 ** math.floor(math.log10(rough))
    step = next(base * power for base in (1, 2, 5, 10) if base * power >= rough)
    first = math.floor(low / step) * step
    return [round(first + step * i, 6) for i in range(int(math.ceil((high - first) / step)) + 1)]


def date_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Year starts for a span over three years, else quarter starts (month starts under half a year)."""
    span = (end - start).days
    months = 12 if span > 3 * 365 else (3 if span > 180 else 1)
    ticks, year, month = [], start.year, 1
    while True:
        month_start = date(year, month, 1)
        if month_start > end:
            return ticks
        if month_start >= start:
            label = str(year) if months == 12 else f"{MONTH_NAMES[month - 1]} {year}"
            ticks.append((month_start, label))
        month += months
        if month > 12:
            year, month = year + 1, month - 12


def signal_mark(x: float, y: float, direction: str | None) -> str:
    """A triangle pointing up for a signal for the thesis, down for one against, a square for a neutral one."""
    if direction == "supports":
        return f"M{x:.1f} {y - 5:.1f} l5 10 h-10 z"
    if direction == "contradicts":
        return f"M{x - 5:.1f} {y - 5:.1f} h10 l-5 10 z"
    return f"M{x - 4:.1f} {y - 4:.1f} h8 v8 h-8 z"


def return_chart(days: list, points: list[tuple[float, float | None]], marks: list[dict[str, Any]]) -> dict[str, Any]:
    """The days drawn (date ordinals) and the portfolio's and benchmark's index (100 at the start) on each; `marks`:
    dicts with `day` (a date within the days), `kind` ('signal' or 'resolution') and what the template shows of
    them."""
    width = WIDE - RETURN_LEFT - RETURN_RIGHT
    bottom = RETURN_TOP + RETURN_PANEL
    strip_top = bottom + 28
    if not days:
        return {"empty": True, "width": WIDE, "height": RETURN_TOP + RETURN_PANEL + 20, "left": RETURN_LEFT,
                "top": RETURN_TOP, "plot_width": width, "panel_height": RETURN_PANEL,
                "empty_x": RETURN_LEFT + width / 2, "empty_y": RETURN_TOP + RETURN_PANEL / 2}
    start, end = days[0], days[-1]
    span = max(end - start, 1)
    values = [v for pair in points for v in pair if v is not None]
    ticks = index_ticks(min(values + [100.0]), max(values + [100.0]))
    low, high = ticks[0], ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1

    def x(day: int) -> float:
        return round(RETURN_LEFT + width * (day - start) / span, 1)

    def y(value: float) -> float:
        return round(bottom - RETURN_PANEL * (value - low) / (high - low), 1)

    thesis = " ".join(f"{x(day)},{y(point[0])}" for day, point in zip(days, points, strict=True))
    benchmark = " ".join(f"{x(day)},{y(point[1])}" for day, point in zip(days, points, strict=True)
                         if point[1] is not None)
    rows = {"signal": strip_top + 10, "resolution": strip_top + 30}
    placed = [{**mark, "x": x(mark["day"].toordinal()), "y": rows[mark["kind"]],
               "path": signal_mark(x(mark["day"].toordinal()), rows[mark["kind"]], mark.get("direction"))}
              for mark in marks]
    return {"empty": False, "width": WIDE, "height": strip_top + MARK_STRIP + 22, "left": RETURN_LEFT,
            "right": RETURN_LEFT + width, "top": RETURN_TOP, "bottom": bottom, "plot_width": width,
            "panel_height": RETURN_PANEL, "thesis": thesis, "benchmark": benchmark,
            "base_y": y(100), "ticks": [{"value": t, "label": f"{t:g}", "y": y(t)} for t in ticks],
            "date_ticks": [{"x": x(day.toordinal()), "label": label}
                           for day, label in date_ticks(date.fromordinal(start), date.fromordinal(end))],
            "date_y": strip_top + MARK_STRIP + 14, "strip_top": strip_top, "strip_height": MARK_STRIP,
            "signal_y": rows["signal"], "resolution_y": rows["resolution"], "marks": placed,
            "end": {"x": x(end), "y": y(points[-1][0])}}
