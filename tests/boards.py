"""Scoreboards for tests: stored scores must give the figures the forecasts give when computed from scratch."""

import math

from tracker import scoring
from tracker.scores import rescore_everything


def assert_same_figures(stored, reference, path="board") -> None:
    """Equal, floats to rounding (the sums run in another order); the reference has no time-averaged Brier."""
    if isinstance(reference, dict):
        assert isinstance(stored, dict) and set(stored) == set(reference), path
        for key in reference:
            if key == "time_brier" and reference[key] is None:
                assert stored[key] is None or 0 <= stored[key] <= 1, path
                continue
            assert_same_figures(stored[key], reference[key], f"{path}.{key}")
    elif isinstance(reference, list):
        assert isinstance(stored, list) and len(stored) == len(reference), path
        for i, (a, b) in enumerate(zip(stored, reference, strict=True)):
            assert_same_figures(a, b, f"{path}[{i}]")
    elif isinstance(reference, float) and not isinstance(stored, bool):
        assert isinstance(stored, int | float) and math.isclose(stored, reference, rel_tol=1e-9, abs_tol=1e-12), \
            (path, stored, reference)
    else:
        assert stored == reference, (path, stored, reference)


def scored_board(**kw) -> dict:
    """The scoreboard of data written straight into the tables (around the services): its scores are stored
    first, as `manage.py rescore` does, and the board is checked against the one computed from the forecasts."""
    rescore_everything()
    board = scoring.compute_scoreboard(**kw)
    assert_same_figures(board, scoring.scoreboard_from_forecasts(**kw))
    return board
