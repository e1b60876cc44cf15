"""Importing daily prices from CSV files: the command and the page keep the same rules."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tracker.models import Price

pytestmark = pytest.mark.django_db

STOOQ = (b"Date,Open,High,Low,Close,Volume\n"
         b"2026-01-05,10,11,9,10.5,1000\n"
         b"2026-01-06,10.5,12,10,11.5,1200\n"
         b"2026-01-07,11.5,12,11,11.0,900\n")
YAHOO = (b"Date,Open,High,Low,Close,Adj Close,Volume\n"
         b"2026-01-05,10,11,9,10.5,10.4,1000\n"
         b"2026-01-06,10.5,12,10,11.5,11.3,1200\n")
TICKERS = (b"Ticker,Date,Close\n"
           b"spy,2026-01-05,500\n"
           b"SPY,2026-01-06,505\n"
           b"GOOGL,2026-01-05,190\n")


def stored() -> list[tuple]:
    return list(Price.objects.order_by("ticker", "day").values_list("ticker", "day", "close", "adj_close"))


def run(tmp_path, content: bytes, *args: str, name: str = "prices.csv") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    call_command("import_prices", str(path), *args)
    return str(path)


def problems_of(tmp_path, content: bytes, *args: str, capsys) -> list[str]:
    with pytest.raises(CommandError, match="nothing was imported"):
        run(tmp_path, content, *args)
    return capsys.readouterr().err.strip().splitlines()


def test_a_stooq_file_is_stored_under_the_ticker_given(tmp_path, capsys):
    run(tmp_path, STOOQ, "--ticker", " googl ")
    assert stored() == [("GOOGL", date(2026, 1, 5), 10.5, None), ("GOOGL", date(2026, 1, 6), 11.5, None),
                        ("GOOGL", date(2026, 1, 7), 11.0, None)]
    assert "GOOGL: 3 new, 0 updated, 0 unchanged (2026-01-05 to 2026-01-07)" in capsys.readouterr().out


def test_a_yahoo_file_keeps_the_adjusted_close(tmp_path):
    run(tmp_path, YAHOO, "--ticker", "NVDA")
    assert stored() == [("NVDA", date(2026, 1, 5), 10.5, 10.4), ("NVDA", date(2026, 1, 6), 11.5, 11.3)]


def test_a_file_with_a_ticker_column_names_its_own_tickers(tmp_path):
    run(tmp_path, TICKERS)
    assert [(t, d.day) for t, d, *_ in stored()] == [("GOOGL", 5), ("SPY", 5), ("SPY", 6)]


def test_importing_the_same_file_again_changes_nothing(tmp_path, capsys):
    run(tmp_path, YAHOO, "--ticker", "NVDA")
    before = list(Price.objects.order_by("pk").values_list("pk", "ticker", "day", "close", "adj_close"))
    capsys.readouterr()
    run(tmp_path, YAHOO, "--ticker", "NVDA")
    assert "NVDA: 0 new, 0 updated, 2 unchanged" in capsys.readouterr().out
    assert list(Price.objects.order_by("pk").values_list("pk", "ticker", "day", "close", "adj_close")) == before


def test_an_overlapping_file_updates_the_days_it_shares_in_place_and_adds_the_rest(tmp_path, capsys):
    run(tmp_path, STOOQ, "--ticker", "AAA")
    ids = dict(Price.objects.values_list("day", "pk"))
    capsys.readouterr()
    run(tmp_path, b"Date,Close\n2026-01-07,12.25\n2026-01-08,13\n", "--ticker", "AAA")
    assert "AAA: 1 new, 1 updated, 0 unchanged" in capsys.readouterr().out
    assert [(d.day, c) for _, d, c, _ in stored()] == [(5, 10.5), (6, 11.5), (7, 12.25), (8, 13.0)]
    assert Price.objects.get(day=date(2026, 1, 7)).pk == ids[date(2026, 1, 7)]  # the same row, updated


def test_every_problem_is_located_by_line_and_column_and_nothing_is_written(tmp_path, capsys):
    run(tmp_path, b"Date,Close\n2026-01-02,1\n", "--ticker", "AAA")
    bad = (b"Date,Open,High,Low,Close,Volume\n"
           b"2026-01-05,10,11,9,10.5,1000\n"
           b"2026-01-06,10,11,9,N/D,1000\n"
           b"06/01/2026,10,11,9,10,1000\n"
           b"2026-01-07,10,11,9,0,1000\n"
           b"2026-01-05,10,11,9,10,1000\n"
           b"2026-01-08,10,11\n"
           b"2999-01-01,10,11,9,10,1000\n"
           b"2026-01-09,10,11,9,10,-5\n")
    assert problems_of(tmp_path, bad, "--ticker", "AAA", capsys=capsys) == [
        "line 3, column 5: Close 'N/D' is not a number",
        "line 4, column 1: Date '06/01/2026' is not a date (use YYYY-MM-DD)",
        "line 5, column 5: Close '0' must be greater than 0",
        "line 6: a second price for AAA on 2026-01-05 (line 2 has one)",
        "line 7: 3 fields, but the header has 6",
        "line 8, column 1: Date 2999-01-01 is in the future",
        "line 9, column 6: Volume '-5' must not be negative",
    ]
    assert [d for _, d, *_ in stored()] == [date(2026, 1, 2)]


def test_an_html_page_saved_as_csv_is_refused_with_a_clear_message(tmp_path, capsys):
    page = b"<!DOCTYPE html>\n<html><head><title>Error 404</title></head><body>Not found</body></html>\n"
    [problem] = problems_of(tmp_path, page, "--ticker", "AAA", capsys=capsys)
    assert problem.startswith("this is a web page (HTML), not a CSV file")
    assert not Price.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(tmp_path, capsys):
    [problem] = problems_of(tmp_path, b"Date,Close\n2026-01-05,1\n2026-01-06,\xff\n", "--ticker", "A",
                            capsys=capsys)
    assert problem == "line 3: the file is not UTF-8 text (byte 35); save it as UTF-8 CSV"


def test_a_file_over_the_size_limit_is_refused(tmp_path, capsys, settings):
    settings.PRICES_MAX_BYTES = 40
    [problem] = problems_of(tmp_path, STOOQ, "--ticker", "A", capsys=capsys)
    assert problem == "the file is larger than the limit of 40 bytes (PRICES_MAX_BYTES)"


@pytest.mark.parametrize(("content", "args", "expected"), [
    (b"Date,Price\n2026-01-05,1\n", ("--ticker", "A"),
     ["line 1, column 2: unknown column 'Price' (expected Date, Open, High, Low, Close, Volume (Stooq) or Date, "
      "Open, High, Low, Close, Adj Close, Volume (Yahoo), with an optional Ticker column)",
      "line 1: no Close column (expected Date, Open, High, Low, Close, Volume (Stooq) or Date, Open, High, Low, "
      "Close, Adj Close, Volume (Yahoo), with an optional Ticker column)"]),
    (STOOQ, (), ["the file has no Ticker column: say which ticker its prices are for"]),
    (TICKERS, ("--ticker", "SPY"),
     ["the file has a Ticker column, so it names its own tickers: give no ticker with it"]),
    (STOOQ, ("--ticker", "not a ticker"),
     ["the ticker 'NOT A TICKER' is not a ticker: use capital letters, digits and . - ^ = only"]),
    (b"Date,Close\n", ("--ticker", "A"), ["the file has a header but no prices"]),
    (b"", ("--ticker", "A"), ["the file is empty: expected a header line (Date, Open, High, Low, Close, Volume "
                              "(Stooq) or Date, Open, High, Low, Close, Adj Close, Volume (Yahoo), with an "
                              "optional Ticker column)"]),
    (b"Ticker,Date,Close\nA B,2026-01-05,1\n", (),
     ["line 2, column 1: the ticker 'A B' is not a ticker: use capital letters, digits and . - ^ = only"]),
])
def test_files_that_cannot_be_read_as_prices_say_why(tmp_path, capsys, content, args, expected):
    assert problems_of(tmp_path, content, *args, capsys=capsys) == expected
    assert not Price.objects.exists()


def test_a_byte_order_mark_and_a_trailing_blank_line_are_fine(tmp_path):
    run(tmp_path, b"\xef\xbb\xbfDate,Close\r\n2026-01-05,1.5\r\n\r\n", "--ticker", "A")
    assert stored() == [("A", date(2026, 1, 5), 1.5, None)]


# --- the page -------------------------------------------------------------------------------------------

def upload(client, content: bytes, ticker: str = "", name: str = "prices.csv"):
    return client.post(reverse("price_import"), {"file": SimpleUploadedFile(name, content, "text/csv"),
                                                 "ticker": ticker})


def test_an_editor_uploads_a_file_on_the_prices_page_and_sees_what_is_stored(editor_client):
    response = upload(editor_client, YAHOO, "nvda")
    assert response.status_code == 302
    page = editor_client.get(response.url)
    text = page.content.decode()
    assert "Imported prices.csv: NVDA: 2 new, 0 updated, 0 unchanged (2026-01-05 to 2026-01-06)." in text
    assert "<th scope=\"row\">NVDA</th><td class=\"num\">2</td>" in text
    assert stored()[0] == ("NVDA", date(2026, 1, 5), 10.5, 10.4)


def test_the_page_lists_every_problem_and_writes_nothing(editor_client):
    response = upload(editor_client, STOOQ.replace(b"11.5,1200", b"N/D,1200"), "AAA")
    assert response.status_code == 422
    text = response.content.decode()
    assert "1 problem found — nothing was imported" in text
    assert "line 3, column 5: Close &#x27;N/D&#x27; is not a number" in text
    assert not Price.objects.exists()


def test_the_page_refuses_an_html_page_and_a_file_over_the_limit(editor_client, settings):
    response = upload(editor_client, b"<html><body>Sign in</body></html>", "AAA")
    assert response.status_code == 422 and "this is a web page (HTML), not a CSV file" in response.content.decode()
    settings.PRICES_MAX_BYTES = 10
    response = upload(editor_client, STOOQ, "AAA")
    assert response.status_code == 422
    assert f"the file is {len(STOOQ):,} bytes; the limit is 10 bytes" in response.content.decode()
    assert not Price.objects.exists()


def test_members_cannot_import_prices(member_client):
    assert member_client.get(reverse("price_import")).status_code == 403
    assert upload(member_client, STOOQ, "AAA").status_code == 403
    assert not Price.objects.exists()


def test_the_prices_link_is_shown_to_editors_only(client, editor, member):
    client.force_login(editor)
    assert reverse("price_import") in client.get(reverse("dashboard")).content.decode()
    client.force_login(member)
    assert reverse("price_import") not in client.get(reverse("dashboard")).content.decode()
