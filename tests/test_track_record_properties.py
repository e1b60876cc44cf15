"""A forecaster's track record agrees with the scoreboard on random small data: the same counted forecasts,
the same median, the same figures and the same calibration, whoever the forecaster."""

import math

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import given

from tests.test_scoring_properties import BASE, DB_SETTINGS, datasets, load
from tracker.scores import rescore_everything
from tracker.scoring import compute_scoreboard
from tracker.track_record import calibration, scored_forecasts, summary


def close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, abs_tol=1e-9))


@pytest.mark.django_db
@DB_SETTINGS
@given(datasets())
def test_each_forecasters_record_is_their_scoreboard_row(data):
    with transaction.atomic():
        load(data)
        rescore_everything()  # the data went straight into the tables, around the services that store scores
        rows = {row["username"]: row for row in compute_scoreboard(today=BASE)["forecasters"]}
        for user in get_user_model().objects.all():
            record = scored_forecasts(user)
            figures = summary(record)
            row = rows.get(user.username)
            if row is None:  # nothing counted: no row on the board, nothing on the page
                assert figures["scored"] == 0 and record == []
                continue
            assert figures["scored"] == row["scored"]
            for name in ("brier", "log_score", "relative_brier"):
                assert close(figures[name], row[name]), (user.username, name)
            assert figures["wins"] + figures["losses"] + figures["ties"] == row["scored"]
            mine = compute_scoreboard(today=BASE, user=user)["my_calibration"]
            for got, expected in zip(calibration(record), mine, strict=True):
                assert got["count"] == expected["count"]
                assert close(got["mean_probability"], expected["mean_probability"])
                assert close(got["observed_frequency"], expected["observed_frequency"])
        transaction.set_rollback(True)
