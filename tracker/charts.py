"""Geometry for the scoreboard's server-rendered SVG charts. The templates only draw what this computes."""

from typing import Any

SIZE, MARGIN = 300, 44


def _scale(value: float, low: float = 0.0, high: float = 1.0) -> float:
    return (value - low) / (high - low) * SIZE


def calibration_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Predicted (x) against observed (y) per probability bin; the diagonal is perfect calibration."""
    biggest = max((row["count"] for row in rows), default=0) or 1
    points = []
    for row in rows:
        if not row["count"]:
            continue
        x = MARGIN + _scale(row["mean_probability"])
        y = MARGIN + SIZE - _scale(row["observed_frequency"])
        radius = 4 + 10 * (row["count"] / biggest) ** 0.5
        points.append({"x": round(x, 1), "y": round(y, 1), "r": round(radius, 1), **row})
    ticks = [{"value": v / 10, "x": MARGIN + _scale(v / 10), "y": MARGIN + SIZE - _scale(v / 10)}
             for v in range(0, 11, 2)]
    return {"width": SIZE + 2 * MARGIN, "height": SIZE + 2 * MARGIN, "left": MARGIN, "top": MARGIN,
            "right": MARGIN + SIZE, "bottom": MARGIN + SIZE, "size": SIZE, "points": points, "ticks": ticks,
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in points)}


def over_time_chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Speakers' accuracy and forecasters' Brier score per month of resolution, on one 0-1 axis."""
    width = max(SIZE, 36 * len(months))
    step = width / max(len(months), 1)
    columns, accuracy, brier = [], [], []
    biggest = max((m["resolved"] for m in months), default=0) or 1
    for i, month in enumerate(months):
        x = MARGIN + step * (i + 0.5)
        bar = SIZE * 0.35 * month["resolved"] / biggest
        column = {"x": round(x - step * 0.3, 1), "width": round(step * 0.6, 1), "y": round(MARGIN + SIZE - bar, 1),
                  "height": round(bar, 1), "cx": round(x, 1), **month}
        for figure in ("accuracy", "brier"):
            if month[figure] is not None:
                column[f"{figure}_y"] = round(MARGIN + SIZE - _scale(month[figure]), 1)
        columns.append(column)
        if month["accuracy"] is not None:
            accuracy.append(f"{x:.1f},{MARGIN + SIZE - _scale(month['accuracy']):.1f}")
        if month["brier"] is not None:
            brier.append(f"{x:.1f},{MARGIN + SIZE - _scale(month['brier']):.1f}")
    ticks = [{"value": v / 10, "y": MARGIN + SIZE - _scale(v / 10)} for v in range(0, 11, 2)]
    label_every = max(1, len(months) // 12)
    return {"width": width + 2 * MARGIN, "height": SIZE + 2 * MARGIN, "left": MARGIN, "top": MARGIN,
            "right": MARGIN + width, "bottom": MARGIN + SIZE, "columns": columns, "ticks": ticks,
            "accuracy": " ".join(accuracy), "brier": " ".join(brier), "label_every": label_every}
