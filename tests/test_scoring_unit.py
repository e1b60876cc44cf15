"""The scoring maths that runs in Python: the Wilson interval, ratios, bins, and the roll-up of SQL sums."""

import math

import pytest

from tracker.scoring import (
    BIN_EDGES,
    Z95,
    ForecastSums,
    accuracy_figures,
    bin_bounds,
    calibration_rows,
    forecaster_rows,
    ratio,
    wilson_interval,
)


@pytest.mark.parametrize(("correct", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (1, 1, 0.2065, 1.0),
    (50, 100, 0.4038, 0.5962),
    (1, 3, 0.0615, 0.7923),
])
def test_wilson_interval_matches_published_values(correct, n, low, high):
    assert wilson_interval(correct, n) == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_is_undefined_without_data():
    assert wilson_interval(0, 0) == (None, None)


def test_wilson_interval_contains_the_observed_share_and_narrows_with_more_data():
    small, large = wilson_interval(8, 10), wilson_interval(80, 100)
    assert small[0] < 0.8 < small[1]
    assert large[0] < 0.8 < large[1]
    assert large[1] - large[0] < small[1] - small[0]


def test_z95_is_the_975_quantile_of_the_standard_normal():
    assert 0.5 * math.erfc(-Z95 / math.sqrt(2)) == pytest.approx(0.975, abs=1e-12)


def test_ratio_is_none_when_dividing_by_zero():
    assert ratio(3, 4) == 0.75
    assert ratio(0, 0) is None


def test_accuracy_figures_give_the_share_correct_and_its_interval():
    figures = accuracy_figures(resolved=10, correct=8)
    assert figures["accuracy"] == 0.8
    assert (figures["accuracy_low"], figures["accuracy_high"]) == pytest.approx((0.4902, 0.9433), abs=5e-5)
    assert accuracy_figures(0, 0) == {"resolved": 0, "correct": 0, "accuracy": None,
                                      "accuracy_low": None, "accuracy_high": None}


def test_the_ten_bins_cover_zero_to_one_in_tenths():
    assert [bin_bounds(i) for i in (0, 1, 9)] == [(0.0, 0.1), (0.1, 0.2), (0.9, 1.0)]
    assert BIN_EDGES == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def test_calibration_rows_list_every_bin_with_null_figures_when_empty():
    rows = calibration_rows({2: {"n": 4, "sum_p": 1.0, "sum_o": 1}})
    assert len(rows) == 10
    assert rows[2] == {"lower": 0.2, "upper": 0.3, "count": 4, "mean_probability": 0.25, "observed_frequency": 0.25}
    assert rows[0] == {"lower": 0.0, "upper": 0.1, "count": 0, "mean_probability": None, "observed_frequency": None}


def cell(n, sum_p=0.0, sum_o=0, sum_sq=0.0, sum_log=0.0, sum_rel=0.0, sum_time=0.0):
    return {"n": n, "sum_p": sum_p, "sum_o": sum_o, "sum_sq": sum_sq, "sum_log": sum_log, "sum_rel": sum_rel,
            "sum_time": sum_time}


def test_sums_per_user_and_bin_add_up_per_user_per_bin_and_for_one_user():
    sums = ForecastSums(user_bins=[(1, "ann", 8, cell(2, 1.7, 2, 0.05)), (1, "ann", 2, cell(1, 0.2, 0, 0.04)),
                                   (2, "bob", 8, cell(1, 0.8, 0, 0.64))], days={})
    assert sums.by_user()["ann"] == pytest.approx(cell(3, 1.9, 2, 0.09))
    assert sums.by_bin()[8] == pytest.approx(cell(3, 2.5, 2, 0.69))
    assert sums.by_bin(user_id=2) == {8: cell(1, 0.8, 0, 0.64)}


def test_forecasters_are_ranked_by_brier_then_username():
    rows = forecaster_rows({"zoe": cell(2, sum_sq=0.2, sum_log=-1.0, sum_rel=-0.1, sum_time=0.3),
                            "amy": cell(1, sum_sq=0.1), "bea": cell(4, sum_sq=1.6)})
    assert [r["username"] for r in rows] == ["amy", "zoe", "bea"]
    assert rows[1] == {"username": "zoe", "scored": 2, "brier": 0.1, "log_score": -0.5, "relative_brier": -0.05,
                       "time_brier": 0.15}


def test_a_sum_without_a_time_averaged_brier_gives_none_not_zero():
    [row] = forecaster_rows({"ann": cell(2, sum_sq=0.2, sum_time=None)})
    assert row["time_brier"] is None
