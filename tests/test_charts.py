"""The charts' geometry: what the SVG draws is where the figures say."""

from tracker.charts import MARGIN, SIZE, calibration_chart, over_time_chart


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
    assert first["accuracy_y"] == MARGIN + SIZE - 0.5 * SIZE and second["accuracy_y"] == MARGIN
    assert "brier_y" not in second and len(chart["accuracy"].split()) == 2


def test_empty_charts_draw_nothing():
    assert calibration_chart([])["points"] == [] and over_time_chart([])["columns"] == []
