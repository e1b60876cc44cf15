"""Bundles carry prices, each thesis's benchmark and its companies' directions, so an export stays a full backup."""

import json
from datetime import date

import pytest

from tests.factories import empty_the_database, make_company, make_thesis
from tracker.bundle import FORMAT, BundleError, export_bundle, import_bundle
from tracker.models import Price, Thesis, ThesisCompany
from tracker.prices import Row, store

pytestmark = pytest.mark.django_db


@pytest.fixture
def thesis_with_prices():
    thesis = make_thesis(key="chips", stance=Thesis.Stance.BEARISH, benchmark="QQQ")
    alpha, beta = make_company(key="alpha", ticker="AAA"), make_company(key="beta", ticker="BBB")
    thesis.companies.add(alpha, beta)
    ThesisCompany.objects.filter(thesis=thesis, company=beta).update(direction="long")
    store([Row("AAA", date(2026, 1, 5), 10.25, 10.1), Row("AAA", date(2026, 1, 6), 11, None),
           Row("QQQ", date(2026, 1, 5), 0.1 + 0.2, None)])
    return thesis


def test_the_export_holds_prices_benchmarks_and_the_directions_that_differ_from_the_stance(thesis_with_prices):
    data = json.loads(export_bundle())
    [thesis] = data["theses"]
    assert thesis["benchmark"] == "QQQ"
    assert thesis["directions"] == {"beta": "long"}  # alpha follows the bearish stance: short
    assert data["prices"] == [
        {"ticker": "AAA", "date": "2026-01-05", "close": 10.25, "adj_close": 10.1},
        {"ticker": "AAA", "date": "2026-01-06", "close": 11.0, "adj_close": None},
        {"ticker": "QQQ", "date": "2026-01-05", "close": 0.30000000000000004, "adj_close": None},
    ]


def test_export_import_export_is_byte_identical_and_a_restore_gives_the_same_bytes(thesis_with_prices):
    first = export_bundle()
    report = import_bundle(first)
    assert report.changed == 0 and report.unchanged["prices"] == 3
    assert export_bundle() == first
    empty_the_database()
    assert not Price.objects.exists()
    report = import_bundle(first, restore=True)
    assert report.created["prices"] == 3
    assert export_bundle() == first
    assert ThesisCompany.objects.get(company__key="beta").direction == "long"
    assert ThesisCompany.objects.get(company__key="alpha").direction == ""


def test_an_import_updates_directions_and_prices_in_place(thesis_with_prices):
    data = json.loads(export_bundle())
    data["theses"][0]["directions"] = {"alpha": "long"}
    data["prices"][1]["close"] = 12.5
    version = Thesis.objects.get(key="chips").version
    report = import_bundle(json.dumps(data))
    assert report.updated["theses"] == 1 and report.updated["prices"] == 1
    assert dict(ThesisCompany.objects.values_list("company__key", "direction")) == {"alpha": "long", "beta": ""}
    assert Price.objects.get(ticker="AAA", day=date(2026, 1, 6)).close == 12.5
    assert Thesis.objects.get(key="chips").version == version + 1  # an edit form opened before is now stale


def test_a_bundle_without_the_new_fields_reads_as_before():
    import_bundle(json.dumps({"format": FORMAT, "companies": [{"key": "a", "name": "A", "ticker": "A"}],
                              "theses": [{"key": "t", "title": "T", "stance": "bearish", "opened_on": "2026-01-05",
                                          "companies": ["a"]}]}))
    thesis = Thesis.objects.get(key="t")
    assert thesis.benchmark == "SPY"
    assert ThesisCompany.objects.get().held(thesis) == "short"


def test_bad_prices_and_directions_are_located_and_nothing_is_written(thesis_with_prices):
    before = export_bundle()
    data = json.loads(before)
    data["theses"][0]["directions"] = {"gamma": "long"}
    data["theses"].append({**data["theses"][0], "key": "chips-2", "directions": {"alpha": "sideways"},
                           "benchmark": "spy"})
    data["prices"] += [{"ticker": "AAA", "date": "2026-01-05", "close": 10.25, "adj_close": 10.1},
                       {"ticker": "AAA", "date": "2026-01-07", "close": 0},
                       {"ticker": "AAA", "date": "2026-01-08", "close": "12"},
                       {"ticker": "BAD TICKER", "date": "2026-01-08", "close": 1.0},
                       {"ticker": "AAA", "date": "2999-01-01", "close": 1.0}]
    with pytest.raises(BundleError) as refused:
        import_bundle(json.dumps(data))
    problems = [str(p) for p in refused.value.problems]
    assert "theses[1].directions.alpha: 'sideways' is not one of 'long' or 'short'" in problems
    assert "theses[1].benchmark: invalid value 'spy'" in problems
    assert "theses[0].directions.gamma: 'gamma' is not one of this thesis's companies" in problems
    assert "prices[3]: a second price for AAA on 2026-01-05 (prices[0] has one)" in problems
    assert "prices[4].close: enter a number greater than 0 (got 0)" in problems
    assert any(p.startswith("prices[5].close: ") for p in problems)
    assert "prices[6].ticker: invalid value 'BAD TICKER'" in problems
    assert any(p.startswith("prices[7].date: a price records a day that has happened") for p in problems)
    assert export_bundle() == before
