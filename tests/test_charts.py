"""The charts' geometry: what the SVG draws is where the figures say."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.charts import (
    CHAR_WIDTH,
    PANEL,
    SIZE,
    STRIP,
    calibration_chart,
    count_label,
    count_ticks,
    over_time_chart,
    text_width,
)


def test_a_perfectly_calibrated_bin_sits_on_the_diagonal():
    rows = [{"lower": 0.7, "upper": 0.8, "count": 10, "mean_probability": 0.75, "observed_frequency": 0.75},
            {"lower": 0.0, "upper": 0.1, "count": 0, "mean_probability": None, "observed_frequency": None}]
    chart = calibration_chart(rows)
    [point] = chart["points"]
    # On the diagonal from (left, bottom) to (right, top): x - left == bottom - y.
    assert point["x"] - chart["left"] == chart["bottom"] - point["y"] == 0.75 * SIZE


def test_bigger_bins_get_bigger_dots():
    rows = [{"lower": 0.1, "upper": 0.2, "count": 1, "mean_probability": 0.15, "observed_frequency": 0.0},
            {"lower": 0.8, "upper": 0.9, "count": 9, "mean_probability": 0.85, "observed_frequency": 1.0}]
    small, big = calibration_chart(rows)["points"]
    assert small["r"] < big["r"]


def test_months_are_drawn_left_to_right_with_their_accuracy_and_brier():
    months = [{"month": "2026-01", "resolved": 4, "accuracy": 0.5, "brier": 0.2},
              {"month": "2026-02", "resolved": 2, "accuracy": 1.0, "brier": None}]
    chart = over_time_chart(months)
    first, second = chart["columns"]
    assert first["cx"] < second["cx"] and first["height"] > second["height"]
    assert first["accuracy_y"] == chart["bottom"] - 0.5 * PANEL and second["accuracy_y"] == chart["top"]
    assert "brier_y" not in second and len(chart["accuracy"].split()) == 2


def test_empty_charts_draw_nothing():
    assert calibration_chart([])["points"] == [] and over_time_chart([])["columns"] == []


def bins(counts: list[int]) -> list[dict]:
    """Ten calibration rows with these counts; every non-empty bin came true every time, so every dot sits
    at the top edge, where the counts used to collide."""
    return [{"lower": i / 10, "upper": (i + 1) / 10, "count": n, "mean_probability": (i + 0.5) / 10 if n else None,
             "observed_frequency": 1.0 if n else None} for i, n in enumerate(counts)]


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=10, max_size=10))
def test_bin_counts_sit_in_a_row_under_the_axis_and_never_overlap_or_clip(counts):
    chart = calibration_chart(bins(counts))
    labels = chart["counts"]
    assert [label["count"] for label in labels] == counts
    assert chart["frame"]["bottom"] < chart["count_band"]["y"] < chart["count_y"] < chart["x_title_y"]
    assert chart["count_y"] <= chart["count_band"]["y"] + chart["count_band"]["height"]
    extents = [(label["x"] - text_width(label["text"], chart["count_font"]) / 2,
                label["x"] + text_width(label["text"], chart["count_font"]) / 2) for label in labels]
    assert all(left >= chart["left"] and right <= chart["right"] for left, right in extents)
    assert all(before[1] < after[0] for before, after in zip(extents, extents[1:], strict=False))
    for label, row in zip(labels, bins(counts), strict=True):
        assert chart["left"] + SIZE * row["lower"] < label["x"] < chart["left"] + SIZE * row["upper"]


def test_the_biggest_dots_stay_inside_the_frame():
    chart = calibration_chart(bins([5] + [0] * 8 + [5000]))
    frame = chart["frame"]
    for p in chart["points"]:
        assert frame["x"] <= p["x"] - p["r"] and p["x"] + p["r"] <= frame["x"] + frame["size"]
        assert frame["y"] <= p["y"] - p["r"] and p["y"] + p["r"] <= frame["bottom"]


@pytest.mark.parametrize(("count", "label"), [(0, "0"), (9999, "9999"), (12_345, "12k"), (999_999, "999k"),
                                              (3_400_000, "3M")])
def test_counts_are_shortened_to_four_characters(count, label):
    assert count_label(count) == label


def test_counts_keep_their_full_size_font_when_they_fit():
    assert calibration_chart(bins([9999] * 10))["count_font"] == 10
    assert 10 * CHAR_WIDTH * 4 < SIZE / 10


@pytest.mark.parametrize(("biggest", "ticks"), [(0, [0, 1]), (1, [0, 1]), (4, [0, 2, 4]), (7, [0, 5, 10]),
                                                (13, [0, 5, 10, 15]), (30, [0, 10, 20, 30]), (31, [0, 20, 40]),
                                                (1234, [0, 500, 1000, 1500])])
def test_the_count_axis_has_round_ticks_reaching_the_biggest_month(biggest, ticks):
    assert count_ticks(biggest) == ticks


def month(resolved: int, accuracy: float | None = 0.5, brier: float | None = 0.2, at: str = "2026-01") -> dict:
    return {"month": at, "resolved": resolved, "accuracy": accuracy, "brier": brier}


def label(index: int) -> str:
    """Month `index` counted from January 2020, as the board writes it: "2020-01"."""
    year, number = divmod(index, 12)
    return f"{2020 + year}-{number + 1:02d}"


def in_a_row(*resolved: int) -> list[dict]:
    return [month(n, at=label(i)) for i, n in enumerate(resolved)]


def test_resolved_counts_are_bars_on_their_own_axis_under_the_percentage_panel():
    chart = over_time_chart(in_a_row(4, 2, 0))
    four, two, none = chart["columns"]
    ticks = {t["value"]: t["y"] for t in chart["count_ticks"]}
    assert list(ticks) == [0, 2, 4]
    assert four["y"] == ticks[4] and two["y"] == ticks[2] and none["y"] == ticks[0] == chart["strip_bottom"]
    assert four["height"] == STRIP and none["height"] == 0
    assert chart["bottom"] < chart["strip_top"] == ticks[4]
    assert all(t["y"] <= chart["bottom"] for t in chart["ticks"])


def test_the_number_resolved_does_not_move_the_accuracy_or_brier_points():
    few, many = over_time_chart(in_a_row(1, 2)), over_time_chart(in_a_row(100, 3))
    for a, b in zip(few["columns"], many["columns"], strict=True):
        assert (a["accuracy_y"], a["brier_y"]) == (b["accuracy_y"], b["brier_y"])
    assert few["columns"][0]["brier_y"] == few["bottom"] - 0.2 * PANEL


@pytest.mark.parametrize("n", [1, 6, 27, 120, 400])
def test_month_labels_are_spaced_so_they_never_overlap(n):
    chart = over_time_chart(in_a_row(*[1] * n))
    labelled = [t for t in chart["month_ticks"] if t["labelled"]]
    assert labelled[0] == chart["month_ticks"][0]
    assert all(b["x"] - a["x"] > text_width(a["label"], chart["month_font"])
               for a, b in zip(labelled, labelled[1:], strict=False))
    assert all(c["width"] <= 28 and chart["left"] <= c["x"] and c["x"] + c["width"] <= chart["right"]
               for c in chart["columns"])


def test_july_and_november_sit_four_months_apart_with_room_for_the_months_between():
    chart = over_time_chart([month(2, at="2026-07"), month(3, at="2026-11")])
    july, november = chart["columns"]
    assert [t["label"] for t in chart["month_ticks"]] == ["Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026",
                                                           "Nov 2026"]
    assert november["cx"] - july["cx"] == pytest.approx(4 * chart["plot_width"] / 5, abs=0.1)
    assert (july["label"], november["label"]) == ("Jul 2026", "Nov 2026")


def test_a_single_month_sits_in_the_middle_of_the_plot():
    [only] = over_time_chart([month(1)])["columns"]
    chart = over_time_chart([month(1)])
    assert only["cx"] == pytest.approx((chart["left"] + chart["right"]) / 2, abs=0.1)


@given(st.lists(st.integers(min_value=0, max_value=240), min_size=1, max_size=60, unique=True).map(sorted))
def test_months_sit_where_their_date_falls_across_the_full_width(indices):
    chart = over_time_chart([month(1, at=label(i)) for i in indices])
    first, span = indices[0], indices[-1] - indices[0] + 1
    step = chart["plot_width"] / span
    columns = chart["columns"]
    for i, column in zip(indices, columns, strict=True):
        # x is proportional to the time since the first month: a missing month leaves its gap.
        assert column["cx"] == pytest.approx(chart["left"] + step * (i - first + 0.5), abs=0.1)
    # The first and last months sit half a month in from either edge: the whole width is used.
    assert columns[0]["cx"] - chart["left"] == pytest.approx(step / 2, abs=0.1)
    assert chart["right"] - columns[-1]["cx"] == pytest.approx(step / 2, abs=0.1)
    # Every month of the span has a tick, one month apart, and the labelled ones never overlap.
    ticks = chart["month_ticks"]
    assert len(ticks) == span
    assert all(b["x"] - a["x"] == pytest.approx(step, abs=0.11) for a, b in zip(ticks, ticks[1:], strict=False))
    labelled = [t for t in ticks if t["labelled"]]
    assert all(b["x"] - a["x"] > text_width(a["label"], chart["month_font"])
               for a, b in zip(labelled, labelled[1:], strict=False))
    assert all(chart["left"] <= c["x"] and c["x"] + c["width"] <= chart["right"] for c in columns)
