"""The chart of forecasts over time on a prediction's page, and its data table."""

import re
from datetime import UTC, date, datetime

import pytest

from tests.factories import make_prediction, make_user
from tracker import services
from tracker.models import Forecast
from tracker.time_charts import forecasts_chart, time_ticks

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def chart_of(html: str) -> str:
    start = html.index('<figure class="chart chart-forecasts"')
    return html[start:html.index("</figure>", start)]


def test_the_chart_draws_each_forecast_the_median_steps_the_stated_level_and_the_resolution(editor_client, editor):
    ana, ben = make_user("ana", role="members"), make_user("ben", role="members")
    p = make_prediction(made_on=date(2026, 1, 1), resolve_by=date(2026, 6, 30), stated_probability=0.7)
    for user, probability, day in [(ana, 0.2, date(2026, 2, 1)), (ben, 0.6, date(2026, 3, 1)),
                                   (ana, 0.8, date(2026, 4, 1)), (editor, 0.5, date(2026, 4, 15))]:
        Forecast.objects.create(prediction=p, user=user, probability=probability, made_at=at(day))
    services.resolve(p, status="true", expected_version=p.version, actor=editor, resolved_on=date(2026, 5, 1))
    chart = chart_of(editor_client.get(p.get_absolute_url()).content.decode())
    svg = chart[chart.index("<svg viewBox"):]
    assert svg.count('<circle cx=') == 4
    assert svg.count('class="point mine"') == 1  # the editor's own forecast
    assert "Speaker: 70%" in chart and 'class="stated"' in chart
    assert "Resolved 1 May 2026" in chart and 'class="resolution-mark"' in chart
    steps = re.search(r'<polyline points="([^"]+)" class="line-median"', chart).group(1).split()
    # A step per forecast (up to it, then to the new median), and a last run to the end of the axis.
    assert len(steps) == 1 + 2 * 3 + 1
    ys = [float(point.split(",")[1]) for point in steps]
    assert len(set(ys)) == 4  # medians 20%, 40%, 70%, 60%
    rows = re.findall(r"<tr><td><time[^>]*>[^<]*</time></td><td>(\w+)</td><td class=\"num\">([\d.]+%)</td>"
                      r"<td class=\"num\">([\d.]+%)</td><td class=\"num\">(\d+)</td></tr>", chart)
    assert rows == [("ana", "20%", "20%", "1"), ("ben", "60%", "40%", "2"), ("ana", "80%", "70%", "2"),
                    ("edith", "50%", "60%", "3")]
    assert "style=" not in chart


def test_an_open_prediction_marks_its_resolve_by_date(member_client, member):
    p = make_prediction(made_on=date(2026, 1, 1), resolve_by=date(2027, 3, 31))
    Forecast.objects.create(prediction=p, user=member, probability=0.4, made_at=at(date(2026, 2, 1)))
    chart = chart_of(member_client.get(p.get_absolute_url()).content.decode())
    assert "Resolve by 31 Mar 2027" in chart and 'class="due-mark"' in chart and 'class="stated"' not in chart


def test_no_chart_without_forecasts(member_client):
    p = make_prediction()
    html = member_client.get(p.get_absolute_url()).content.decode()
    assert "chart-forecasts" not in html and "No forecasts yet." in html


def test_the_chart_follows_a_new_forecast_in_place(member_client, member):
    p = make_prediction(made_on=date(2026, 1, 1))
    response = member_client.post(f"/predictions/{p.pk}/forecast/", {"percent": "35", "panel": "detail"},
                                  HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "predictions-changed" in response["HX-Trigger"]
    # The histories region fetches itself again on that event, chart included.
    html = member_client.get(f"/predictions/{p.pk}/histories/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="forecast-history"' in html and "chart-forecasts" in html


class F:
    def __init__(self, pk, user_id, probability, made_at):
        self.pk, self.user_id, self.probability, self.made_at = pk, user_id, probability, made_at
        self.user = type("U", (), {"username": f"user{user_id}"})()


def test_the_axis_spans_made_on_to_the_mark_and_points_sit_in_time():
    p = type("P", (), {"made_on": date(2026, 1, 1), "resolve_by": date(2026, 12, 31), "resolved_on": date(2026, 7, 1),
                       "stated_probability": None, "is_open": False})()
    chart = forecasts_chart(p, [F(1, 1, 0.5, at(date(2026, 4, 1), 0))], None, date(2026, 8, 1))
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 2, tzinfo=UTC)
    share = (datetime(2026, 4, 1, tzinfo=UTC) - start) / (end - start)
    assert chart["points"][0]["x"] == round(chart["left"] + chart["plot_width"] * share, 1)
    assert chart["mark"]["x"] < chart["right"]


def test_time_ticks_fall_on_months_and_do_not_crowd():
    ticks = time_ticks(datetime(2026, 1, 15, tzinfo=UTC), datetime(2028, 1, 15, tzinfo=UTC), 1000)
    assert all(t["at"].day == 1 for t in ticks)
    months = [t["at"].year * 12 + t["at"].month for t in ticks]
    gaps = {b - a for a, b in zip(months, months[1:], strict=False)}
    assert len(gaps) == 1 and len(ticks) <= 1000 / 60
    short = time_ticks(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 8, tzinfo=UTC), 1000)
    assert [t["label"] for t in short][:2] == ["1 Jan", "2 Jan"]
