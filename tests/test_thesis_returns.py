"""A thesis's return on its page, on the theses list, in the scoreboard and from `manage.py thesis_returns`."""

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_company, make_prediction, make_signal, make_thesis
from tracker import market
from tracker.models import Price, Thesis, ThesisCompany
from tracker.prices import Row, store
from tracker.scores import rescore_everything

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)  # a Monday


def daily(ticker: str, closes: list[float], first: date = START, adjusted: bool = False) -> None:
    """Prices on consecutive weekdays from `first`, stored as an import stores them."""
    rows, day = [], first
    for close in closes:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        rows.append(Row(ticker, day, close * (2 if adjusted else 1), close if adjusted else None))
        day += timedelta(days=1)
    store(rows)


@pytest.fixture
def priced():
    """A bullish thesis on two companies (AAA +20%, BBB -10%) and one without a ticker; SPY +5%."""
    daily("AAA", [100, 105, 120])
    daily("BBB", [50, 40, 45], adjusted=True)  # the adjusted close counts, not the close
    daily("SPY", [400, 410, 420])
    thesis = make_thesis(key="chips", title="Chips", opened_on=date(2026, 1, 3), stance=Thesis.Stance.BULLISH)
    thesis.companies.add(make_company(name="Alpha", ticker="aaa"), make_company(name="Beta", ticker="BBB"),
                         make_company(name="Gamma"))
    return thesis


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}">(.*?)</', html, re.S)
    assert match, f"no {name} figure"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_thesis_page_shows_the_return_the_benchmark_and_the_excess(client, member, priced):
    client.force_login(member)
    html = client.get(priced.get_absolute_url()).content.decode()
    assert figure(html, "return") == "+5%"  # (20% - 10%) / 2
    assert figure(html, "benchmark-return") == "+5%"
    assert figure(html, "excess") == "0%"
    assert figure(html, "prices-through") == "7 Jan 2026"
    assert "Return since <time datetime=\"2026-01-05\">5 Jan 2026</time>" in html
    assert figure(html, "left-out") == "Left out: Gamma (no ticker)."
    assert 'data-chart="returns"' in html and "How returns are worked out" in html
    assert "buy and hold" in html


def test_the_chart_marks_signals_and_resolutions_and_has_a_data_table(client, member, priced):
    signal = make_signal(title="Fab opens", occurred_on=date(2026, 1, 6), direction="supports")
    signal.theses.add(priced)
    make_prediction(statement="Alpha wins.", made_on=date(2026, 1, 2), status="true",
                    resolved_on=date(2026, 1, 6)).theses.add(priced)
    client.force_login(member)
    html = client.get(priced.get_absolute_url()).content.decode()
    assert len(re.findall(r'data-mark="signal"', html)) == 1
    assert len(re.findall(r'data-mark="resolution"', html)) == 1
    assert "<title>6 Jan 2026: Fab opens (supports)</title>" in html
    # The data table: the first day and each month's last trading day.
    assert ('<tr><th scope="row"><time datetime="2026-01-05">5 Jan 2026</time></th><td class="num">100.0</td>'
            '<td class="num">100.0</td></tr>') in html
    assert ('<time datetime="2026-01-07">7 Jan 2026</time></th><td class="num">105.0</td>'
            '<td class="num">105.0</td>') in html
    # Since the prediction (made before the first price: from 5 Jan) and since the signal (from 6 Jan).
    assert "Prediction: <a" in html and "Signal (supports): Fab opens" in html


def test_a_bearish_thesis_holds_its_companies_short_and_an_editor_can_change_one(client, editor, priced):
    Thesis.objects.filter(pk=priced.pk).update(stance=Thesis.Stance.BEARISH)
    client.force_login(editor)
    html = client.get(priced.get_absolute_url()).content.decode()
    assert figure(html, "return") == "−5%"
    beta = priced.companies.get(name="Beta")
    version = Thesis.objects.get(pk=priced.pk).version
    response = client.post(reverse("thesis_positions", args=[priced.pk]),
                           {"version": version, f"direction-{beta.pk}": "long"})
    assert response.status_code == 302
    assert ThesisCompany.objects.get(thesis=priced, company=beta).direction == "long"
    assert Thesis.objects.get(pk=priced.pk).version == version + 1
    html = client.get(priced.get_absolute_url()).content.decode()
    assert figure(html, "return") == "−15%"  # short Alpha -20%, long Beta -10%


def test_a_stale_positions_form_is_refused_and_writes_nothing(client, editor, priced):
    client.force_login(editor)
    alpha = priced.companies.get(name="Alpha")
    stale = Thesis.objects.get(pk=priced.pk).version
    Thesis.objects.filter(pk=priced.pk).update(version=stale + 1)  # someone else saved meanwhile
    response = client.post(reverse("thesis_positions", args=[priced.pk]),
                           {"version": stale, f"direction-{alpha.pk}": "short"})
    assert response.status_code == 409
    assert "someone else changed this thesis" in response.content.decode()
    assert ThesisCompany.objects.get(thesis=priced, company=alpha).direction == ""


def test_members_cannot_change_positions(client, member, priced):
    client.force_login(member)
    alpha = priced.companies.get(name="Alpha")
    response = client.post(reverse("thesis_positions", args=[priced.pk]), {"version": priced.version,
                                                                          f"direction-{alpha.pk}": "short"})
    assert response.status_code == 403
    assert ThesisCompany.objects.get(thesis=priced, company=alpha).direction == ""


def test_the_benchmark_is_a_setting_of_the_thesis(client, editor, priced):
    daily("QQQ", [100, 100, 130])
    client.force_login(editor)
    form = client.get(reverse("thesis_edit", args=[priced.pk])).content.decode()
    assert 'name="benchmark"' in form
    data = {"title": priced.title, "stance": priced.stance, "status": priced.status, "rationale": "",
            "opened_on": "2026-01-03", "companies": [c.pk for c in priced.companies.all()], "benchmark": " qqq ",
            "key": priced.key, "version": Thesis.objects.get(pk=priced.pk).version}
    response = client.post(reverse("thesis_edit", args=[priced.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Thesis.objects.get(pk=priced.pk).benchmark == "QQQ"
    html = client.get(priced.get_absolute_url()).content.decode()
    assert figure(html, "benchmark-return") == "+30%" and figure(html, "excess") == "−25%"


def test_a_thesis_without_prices_says_so(client, member):
    thesis = make_thesis()
    thesis.companies.add(make_company(ticker="NONE"))
    client.force_login(member)
    html = client.get(thesis.get_absolute_url()).content.decode()
    assert "No return yet" in figure(html, "no-return")
    assert 'data-chart="returns"' not in html


def test_the_benchmark_without_prices_is_named(client, member, priced):
    Price.objects.filter(ticker="SPY").delete()
    client.force_login(member)
    html = client.get(priced.get_absolute_url()).content.decode()
    assert figure(html, "return") == "+5%" and figure(html, "excess") == "—"
    assert "No benchmark return: no prices for SPY." in html


def test_the_thesis_page_makes_the_same_queries_for_two_priced_companies_or_ten(client, member, priced):
    client.force_login(member)
    client.get(priced.get_absolute_url())  # sessions and the like, once

    def queries() -> tuple[int, int]:
        """In a fresh process (no prices read yet), then once they are."""
        market._local.clear()
        market._charts.clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(priced.get_absolute_url())
        with CaptureQueriesContext(connection) as warm:
            response = client.get(priced.get_absolute_url())
        assert response.status_code == 200 and "Left out: Gamma" in response.content.decode()
        return len(cold), len(warm)

    two = queries()
    for i in range(8):
        daily(f"T{i}", [10, 11, 12])
        priced.companies.add(make_company(ticker=f"T{i}"))
    assert queries() == two


def test_a_new_import_shows_on_the_thesis_page_at_once(client, member, priced, tmp_path):
    client.force_login(member)
    client.get(priced.get_absolute_url())
    path = tmp_path / "aaa.csv"
    path.write_text("Date,Close\n2026-01-08,150\n")
    call_command("import_prices", str(path), "--ticker", "AAA")  # in the import's own transaction: no cache to drop
    html = client.get(priced.get_absolute_url()).content.decode()
    assert figure(html, "prices-through") == "8 Jan 2026"
    assert figure(html, "return") == "+20%"  # (50% - 10%) / 2, BBB's last price carried forward


def test_the_theses_list_shows_each_return(client, member, priced):
    make_thesis(title="Unpriced")
    client.force_login(member)
    html = client.get(reverse("thesis_list")).content.decode()
    returns = [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'data-figure="return">(.*?)</p>', html, re.S)]
    assert "Return since 5 Jan 2026: +5% · SPY +5% · excess 0%" in returns
    assert "Return: no prices yet" in returns


def test_the_scoreboards_thesis_table_has_a_return_column(client, member, priced):
    make_prediction(status="true", resolved_on=date(2026, 2, 1)).theses.add(priced)
    rescore_everything()  # resolved straight in the table, around the services that store scores
    client.force_login(member)
    html = client.get(reverse("scoreboard")).content.decode()
    table = html[html.index('id="table-theses"'):]
    table = table[:table.index("</section>")]
    assert "Return since opened" in table and "vs benchmark" in table
    assert '<td class="num">+5%</td><td class="num" title="Against SPY">0%</td>' in table
    board = json.loads(client.get(reverse("scoreboard_download") + "?format=json&table=theses").content)
    assert board[0]["return"] == pytest.approx(0.05) and board[0]["benchmark"] == "SPY"


def test_the_command_prints_each_thesis_return_as_json(priced, capsys):
    make_thesis(key="unpriced")
    call_command("thesis_returns", "--format", "json")
    rows = {row["key"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["chips"] == {"key": "chips", "return": pytest.approx(0.05), "benchmark": "SPY",
                             "benchmark_return": pytest.approx(0.05), "excess": pytest.approx(0.0, abs=1e-12),
                             "start_date": "2026-01-05", "end_date": "2026-01-07"}
    assert rows["unpriced"] == {"key": "unpriced", "return": None, "benchmark": "SPY", "benchmark_return": None,
                                "excess": None, "start_date": None, "end_date": None}


def test_the_command_prints_csv_through_the_spreadsheet_rules(priced, capsys):
    make_thesis(key="unpriced")
    call_command("thesis_returns", "--format", "csv")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["key", "return", "benchmark", "benchmark_return", "excess", "start_date", "end_date"]
    chips = rows[1]
    assert chips[0] == "chips" and float(chips[1]) == pytest.approx(0.05) and chips[5:] == ["2026-01-05", "2026-01-07"]
    assert rows[2] == ["unpriced", "", "SPY", "", "", "", ""]
