"""The return arithmetic (tracker.returns), on hand-made series with hand-computed answers."""

from datetime import date

import pytest

from tracker.returns import LONG, SHORT, Holding, index_series, performance, series_of, trading_days

D = date  # short: many dates below

# Mon 5 Jan 2026 to Fri 9 Jan; 12 Jan is the next Monday.
MON, TUE, WED, THU, FRI = (D(2026, 1, day) for day in range(5, 10))
NEXT_MON = D(2026, 1, 12)


def prices(**tickers: list[tuple[date, float]]) -> dict:
    return {ticker: series_of(rows) for ticker, rows in tickers.items()}


def held(*specs: tuple[str, str]) -> list[Holding]:
    return [Holding(f"Company {ticker}", ticker, direction, company_id=i)
            for i, (ticker, direction) in enumerate(specs)]


def test_a_long_thesis_earns_the_mean_of_its_companies_returns_and_the_excess_is_against_the_benchmark():
    data = prices(AAA=[(MON, 100), (FRI, 110)], BBB=[(MON, 50), (FRI, 45)], SPY=[(MON, 200), (FRI, 210)])
    result = performance(held(("AAA", LONG), ("BBB", LONG)), data, "SPY", MON)
    assert result.start_date == MON and result.end_date == FRI
    assert result.ret == pytest.approx((0.10 + -0.10) / 2)
    assert result.benchmark_return == pytest.approx(0.05)
    assert result.excess == pytest.approx(0.0 - 0.05)


def test_a_short_earns_what_its_stock_loses():
    data = prices(AAA=[(MON, 100), (FRI, 80)], SPY=[(MON, 100), (FRI, 100)])
    result = performance(held(("AAA", SHORT)), data, "SPY", MON)
    assert result.ret == pytest.approx(0.20)
    assert result.legs[0].stock_return == pytest.approx(-0.20)


def test_long_and_short_mixed_are_equally_weighted_and_never_rebalanced():
    # AAA doubles, BBB halves; long AAA (+100%) and short BBB (+50%): (1.0 + 0.5) / 2.
    data = prices(AAA=[(MON, 10), (WED, 15), (FRI, 20)], BBB=[(MON, 10), (WED, 8), (FRI, 5)])
    result = performance(held(("AAA", LONG), ("BBB", SHORT)), data, "SPY", MON)
    assert result.ret == pytest.approx(0.75)
    # The chart's portfolio: mean of g (long) and 2 - g (short), x 100; it ends at 100 x (1 + R).
    days = trading_days(result, data)
    assert index_series(result, data, [days[0]])[0][0] == pytest.approx(100)
    assert index_series(result, data, [days[1]])[0][0] == pytest.approx(100 * (1.5 + (2 - 0.8)) / 2)
    assert index_series(result, data, [days[-1]])[0][0] == pytest.approx(175)


def test_a_thesis_opened_on_a_weekend_starts_on_the_next_trading_day():
    data = prices(AAA=[(FRI, 100), (NEXT_MON, 104), (D(2026, 1, 13), 110)], SPY=[(NEXT_MON, 50), (D(2026, 1, 13), 55)])
    result = performance(held(("AAA", LONG)), data, "SPY", D(2026, 1, 10))  # a Saturday
    assert result.start_date == NEXT_MON
    assert result.legs[0].bought_at == 104
    assert result.ret == pytest.approx(110 / 104 - 1)
    assert result.benchmark_return == pytest.approx(0.10)
    assert not result.starts_late


def test_a_company_with_no_price_on_the_start_day_is_bought_at_its_next_price_and_waits_in_cash_until_then():
    data = prices(AAA=[(MON, 100), (WED, 100), (FRI, 120)], BBB=[(WED, 20), (FRI, 30)])
    result = performance(held(("AAA", LONG), ("BBB", LONG)), data, "SPY", MON)
    assert result.start_date == MON
    bbb = next(leg for leg in result.legs if leg.holding.ticker == "BBB")
    assert bbb.bought_on == WED and bbb.bought_at == 20
    assert result.ret == pytest.approx((0.2 + 0.5) / 2)
    # On Monday and Tuesday BBB's half is still cash: the portfolio stays at 100.
    assert [p for p, _ in index_series(result, data, [MON.toordinal(), TUE.toordinal()])] == [100, 100]


def test_gaps_and_holidays_carry_the_last_close_forward():
    # AAA has no price on Wednesday (a holiday on its exchange); SPY has one.
    data = prices(AAA=[(MON, 100), (TUE, 110), (THU, 121)], SPY=[(MON, 10), (TUE, 10), (WED, 11), (THU, 12)])
    result = performance(held(("AAA", LONG)), data, "SPY", MON)
    days = trading_days(result, data)
    assert [D.fromordinal(d) for d in days] == [MON, TUE, WED, THU]
    wednesday = index_series(result, data, [WED.toordinal()])[0]
    assert wednesday[0] == pytest.approx(110)  # Tuesday's close carried forward
    assert wednesday[1] == pytest.approx(110)


def test_a_company_whose_prices_stop_early_counts_at_its_last_price():
    data = prices(AAA=[(MON, 100), (TUE, 90)], BBB=[(MON, 100), (FRI, 100)], SPY=[(MON, 1), (FRI, 1)])
    result = performance(held(("AAA", LONG), ("BBB", LONG)), data, "SPY", MON)
    assert result.end_date == FRI
    aaa = next(leg for leg in result.legs if leg.holding.ticker == "AAA")
    assert aaa.last_on == TUE
    assert result.ret == pytest.approx((-0.10 + 0.0) / 2)


def test_a_ticker_without_prices_and_a_company_without_a_ticker_are_left_out_and_said_so():
    data = prices(AAA=[(MON, 100), (FRI, 150)], OLD=[(D(2020, 1, 2), 5)])
    holdings = [*held(("AAA", LONG), ("ZZZ", LONG), ("OLD", LONG)), Holding("Private Co", "", LONG, company_id=9)]
    result = performance(holdings, data, "SPY", MON)
    assert result.ret == pytest.approx(0.5)
    assert [(h.name, why) for h, why in result.left_out] == [
        ("Company ZZZ", "no prices for ZZZ"), ("Company OLD", "no prices for OLD on or after 2026-01-05"),
        ("Private Co", "no ticker")]
    assert result.benchmark_return is None and result.excess is None
    assert result.benchmark_missing == "no prices for SPY"


def test_no_priced_company_means_no_return_at_all():
    result = performance(held(("ZZZ", LONG)), prices(SPY=[(MON, 1)]), "SPY", MON)
    assert result.as_row() == {"return": None, "benchmark": "SPY", "benchmark_return": None, "excess": None,
                               "start_date": None, "end_date": None}


def test_a_thesis_opened_before_the_first_price_starts_at_the_first_price():
    data = prices(AAA=[(D(2016, 1, 4), 10), (D(2026, 1, 5), 30)], SPY=[(D(2010, 1, 4), 1), (D(2016, 1, 4), 2),
                                                                      (D(2026, 1, 5), 4)])
    result = performance(held(("AAA", LONG)), data, "SPY", D(2012, 6, 1))
    assert result.start_date == D(2016, 1, 4)
    assert result.starts_late
    assert result.ret == pytest.approx(2.0)
    # The benchmark is bought on the same first day, not on the thesis's date.
    assert result.benchmark_return == pytest.approx(1.0)


def test_a_benchmark_without_prices_in_the_period_gives_no_excess():
    data = prices(AAA=[(MON, 1), (FRI, 2)], SPY=[(D(2020, 1, 2), 1)])
    result = performance(held(("AAA", LONG)), data, "SPY", MON)
    assert result.ret == pytest.approx(1.0)
    assert result.excess is None
    assert result.benchmark_missing.startswith("no prices for SPY between 2026-01-05 and 2026-01-09")
