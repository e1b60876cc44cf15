"""A forecaster's page: scored forecasts with outcome and score, Brier over time, calibration, against the median."""

import math
import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Forecast
from tracker.scoring import compute_scoreboard
from tracker.track_record import ScoredForecast, by_month, calibration, summary

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def forecast(prediction, user, probability, made: date, hour: int = 12):
    return Forecast.objects.create(prediction=prediction, user=user, probability=probability, made_at=at(made, hour))


def resolve(prediction, status, on: date, editor):
    prediction.refresh_from_db()
    services.resolve(prediction, status=status, expected_version=prediction.version, actor=editor, resolved_on=on)


@pytest.fixture
def record(editor):
    """Mia against Ned and Oz on three predictions: better than the median on one, worse on one, and alone on the
    third (level); a fourth prediction resolves ambiguous, a fifth stays open."""
    mia, ned, oz = (make_user(name, role="members") for name in ("mia", "ned", "oz"))
    first = make_prediction(statement="First comes true.", made_on=date(2026, 1, 1))
    forecast(first, mia, 0.9, date(2026, 2, 1))
    forecast(first, ned, 0.3, date(2026, 2, 1))
    forecast(first, oz, 0.5, date(2026, 2, 1))
    forecast(first, mia, 0.1, date(2026, 3, 1))  # made on the resolution day: never counted
    resolve(first, "true", date(2026, 3, 1), editor)
    second = make_prediction(statement="Second does not.", made_on=date(2026, 1, 1))
    forecast(second, mia, 0.8, date(2026, 2, 1))
    forecast(second, ned, 0.2, date(2026, 2, 1))
    resolve(second, "false", date(2026, 5, 1), editor)
    third = make_prediction(statement="Third comes true.", made_on=date(2026, 1, 1))
    forecast(third, mia, 0.6, date(2026, 2, 1))
    resolve(third, "true", date(2026, 5, 20), editor)
    fourth = make_prediction(statement="Fourth is ambiguous.", made_on=date(2026, 1, 1))
    forecast(fourth, mia, 0.6, date(2026, 2, 1))
    resolve(fourth, "ambiguous", date(2026, 5, 20), editor)
    fifth = make_prediction(statement="Fifth is open.", made_on=date(2026, 1, 1))
    forecast(fifth, mia, 0.6, date(2026, 2, 1))
    return mia


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', html).group(1)


def test_the_page_lists_each_scored_forecast_with_outcome_score_and_the_median(member_client, record):
    html = member_client.get("/forecasters/mia/").content.decode()
    assert "Scored forecasts (3)" in html
    assert "Fourth is ambiguous." not in html and "Fifth is open." not in html
    rows = re.findall(r'<tr data-prediction="\d+">(.*?)</tr>', html, re.S)
    assert [re.search(r'">([^<]+)</a>', row).group(1) for row in rows] == [
        "Third comes true.", "Second does not.", "First comes true."]  # latest resolution first
    third, second, first = rows
    # First: Mia 0.9 (not her 0.1 of the resolution day), the median of 0.9, 0.3, 0.5 is 0.5: better.
    assert "90%" in first and "50%" in first and "(of 3)" in first and "0.010" in first and "0.250" in first
    assert ">better<" in first and "Came true" in first
    # Second: 0.8 against 0.2 on a false outcome: the median 0.5, Brier 0.64 against 0.25: worse.
    assert "0.640" in second and "0.250" in second and ">worse<" in second and "Did not" in second
    assert "(of 1)" in third and ">level<" in third
    assert figure(html, "versus-median") == "1 better · 1 worse · 1 level"
    assert figure(html, "scored") == "3"


def test_the_figures_are_the_scoreboards(member_client, record):
    row = next(r for r in compute_scoreboard()["forecasters"] if r["username"] == "mia")
    html = member_client.get("/forecasters/mia/").content.decode()
    assert figure(html, "brier") == f"{row['brier']:.3f}"
    assert figure(html, "log-score") == f"{row['log_score']:.3f}"
    assert figure(html, "relative-brier") == f"{row['relative_brier']:.3f}"
    assert figure(html, "median-brier") == f"{row['brier'] - row['relative_brier']:.3f}"


def test_calibration_and_brier_over_time_have_data_tables(member_client, record):
    html = member_client.get("/forecasters/mia/").content.decode()
    assert 'id="calibration-forecaster-title"' in html and "Data table: calibration" in html
    assert "Brier over time" in html and "Data table: Brier over time" in html
    months = re.search(r"Data table: Brier over time</summary>(.*?)</table>", html, re.S).group(1)
    assert re.findall(r'<th scope="row">([\d-]+)</th>', months) == ["2026-03", "2026-05"]
    # May: 0.64 and 0.16, mean 0.4; running over all three (0.01 + 0.64 + 0.16) / 3 = 0.27.
    assert "0.400" in months and "0.270" in months
    assert "style=" not in html  # the strict CSP: drawn by classes


def test_someone_with_nothing_scored_gets_a_plain_page(member_client, member):
    response = member_client.get(f"/forecasters/{member.username}/")
    assert response.status_code == 200 and "No scored forecast yet" in response.content.decode()
    assert member_client.get("/forecasters/nobody-at-all/").status_code == 404


def test_the_forecasts_come_in_pages(member_client, editor, member):
    for _n in range(55):
        p = make_prediction(made_on=date(2026, 1, 1))
        forecast(p, member, 0.7, date(2026, 2, 1))
        resolve(p, "true", date(2026, 3, 1), editor)
    first = member_client.get(f"/forecasters/{member.username}/").content.decode()
    second = member_client.get(f"/forecasters/{member.username}/?page=2").content.decode()
    assert first.count('<tr data-prediction=') == 50 and second.count('<tr data-prediction=') == 5
    assert "Page 1 of 2" in first and "Scored forecasts (55)" in second


def queries_for(client, username: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/forecasters/{username}/").status_code == 200
    return len(captured)


def test_the_page_takes_the_same_number_of_queries_whatever_the_data(member_client, editor, member):
    others = [make_user(f"other{n}", role="members") for n in range(4)]
    p = make_prediction(made_on=date(2026, 1, 1))
    forecast(p, member, 0.7, date(2026, 2, 1))
    resolve(p, "true", date(2026, 3, 1), editor)
    few = queries_for(member_client, member.username)
    for n in range(70):
        p = make_prediction(made_on=date(2026, 1, 1), tags=["ai"])
        for k, user in enumerate([member, *others]):
            forecast(p, user, 0.1 + k / 10, date(2026, 2, 1))
            forecast(p, user, 0.2 + k / 10, date(2026, 2, 2))
        resolve(p, "true" if n % 2 else "false", date(2026, 3 + n % 9, 1), editor)
    assert queries_for(member_client, member.username) == few


# --- the pure functions -------------------------------------------------------------------------------

def row(p, o, m, n=2, on=date(2026, 1, 5)) -> ScoredForecast:
    return ScoredForecast(1, 1, p, at(on), False, o, m, n, on)


def test_summary_of_nothing_is_undefined():
    figures = summary([])
    assert figures["scored"] == 0 and figures["brier"] is None and figures["relative_brier"] is None


def test_log_score_and_calibration_bins():
    rows = [row(0.05, 0, 0.5), row(0.1, 1, 0.5), row(0.95, 1, 0.5)]
    assert math.isclose(summary(rows)["log_score"], (math.log(0.95) + math.log(0.1) + math.log(0.95)) / 3)
    counts = [b["count"] for b in calibration(rows)]
    assert counts == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]  # 0.1 opens the second bin; 0.95 falls in the closed last


def test_months_run_in_order_with_running_means():
    rows = [row(0.5, 1, 0.5, on=date(2026, 3, 2)), row(0.9, 1, 0.5, on=date(2026, 1, 9))]
    months = by_month(rows)
    assert [m["month"] for m in months] == ["2026-01", "2026-03"]
    assert math.isclose(months[1]["running_brier"], (0.01 + 0.25) / 2)
    assert math.isclose(months[1]["running_median_brier"], 0.25)


def test_live_only_counts_as_the_scoreboards_live_only(member_client, record, editor):
    imported = make_prediction(statement="Imported and scored.", made_on=date(2026, 1, 1))
    Forecast.objects.create(prediction=imported, user=record, probability=0.3, made_at=at(date(2026, 2, 1)),
                            imported_at=at(date(2026, 2, 2)), imported_by=editor)
    resolve(imported, "true", date(2026, 4, 1), editor)
    every = member_client.get("/forecasters/mia/").content.decode()
    assert "Scored forecasts (4)" in every and "1 of the counted forecasts was imported" in every
    live = member_client.get("/forecasters/mia/?forecasts=live").content.decode()
    assert "Scored forecasts (3)" in live and "Imported and scored." not in live
    row = next(r for r in compute_scoreboard(live_only=True)["forecasters"] if r["username"] == "mia")
    assert figure(live, "brier") == f"{row['brier']:.3f}"
    board = member_client.get("/scoreboard/?forecasts=live").content.decode()
    assert 'href="/forecasters/mia/?forecasts=live"' in board


@pytest.mark.parametrize("name", ["a%00b", "x" * 151, "semi;colon", "%20"])
def test_a_name_no_username_can_hold_is_not_found(member_client, name):
    assert member_client.get(f"/forecasters/{name}/").status_code == 404
