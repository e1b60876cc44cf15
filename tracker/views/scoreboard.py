"""The scoreboard page, its htmx partials (one table, the whole board) and its CSV and JSON downloads."""

import json
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tracker.cache import cached_page, cached_scoreboard
from tracker.charts import calibration_chart, over_time_chart
from tracker.models import Prediction, attach_forecast_views
from tracker.scoring import COLUMNS, csv_rows, table_csv_rows
from tracker.spreadsheet import csv_text
from tracker.summary import summary_of
from tracker.views.dashboard import DUE_ON_DASHBOARD

SMALL_SAMPLE = 5  # groups with fewer resolved predictions carry a warning
TOP_ROWS = 15  # a group table shows its first rows until asked for all of them
FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True)
class Table:
    title: str
    label: str  # the column naming the row
    filter: str  # the predictions-list filter that shows the rows' predictions
    columns: dict[str, str]
    default_sort: str
    shortened: bool = True  # False: always every row (forecasters: a reader looks for their own)


GROUP_COLUMNS = {"resolved": "Resolved", "correct": "Came true", "accuracy": "Accuracy (95% interval)"}
TABLES = {
    "forecasters": Table("Forecasters", "username", "", {
        "username": "Forecaster", "scored": "Scored", "brier": "Brier", "time_brier": "Time-averaged Brier",
        "log_score": "Log score", "relative_brier": "Relative Brier"}, "brier", shortened=False),
    "speakers": Table("Speakers", "name", "speaker", {"name": "Speaker", **GROUP_COLUMNS,
                                                      "stated_brier": "Brier of stated odds"}, "-resolved"),
    "sources": Table("Sources", "title", "source", {"title": "Source", **GROUP_COLUMNS}, "-resolved"),
    "theses": Table("Theses", "title", "thesis", {"title": "Thesis", **GROUP_COLUMNS,
                                                  "signals_for": "Signals for", "signals_against": "Against",
                                                  "return": "Return since opened", "excess": "vs benchmark"},
                    "-resolved"),
    "companies": Table("Companies", "name", "company", {"name": "Company", **GROUP_COLUMNS}, "-resolved"),
    "tags": Table("Tags", "tag", "tag", {"tag": "Tag", **GROUP_COLUMNS}, "-resolved"),
}


@require_GET
@cached_page
def scoreboard(request: HttpRequest) -> HttpResponse:
    if request.GET.get("format") in FORMATS:  # downloads used to share this URL: keep old bookmarks working
        return HttpResponsePermanentRedirect(f"{reverse('scoreboard_download')}?{request.GET.urlencode()}")
    board = cached_scoreboard(request.user, live_only=request.GET.get("forecasts") == "live")
    table, order, show_all = request.GET.get("table"), request.GET.get("sort", ""), "all" in request.GET
    if request.htmx and table in TABLES:
        return render(request, "scoreboard/_table.html", {"t": table_context(board, table, order, show_all)})
    context = {
        "board": board,
        "tables": [table_context(board, name, order, show_all) if name == table else table_context(board, name)
                   for name in TABLES],
        "calibration_chart": calibration_chart(board["calibration"]),
        "my_calibration_chart": calibration_chart(board["my_calibration"] or []),
        "over_time_chart": over_time_chart(board["by_month"]),
        "small_sample": SMALL_SAMPLE,
    }
    if request.htmx and request.GET.get("part") == "board":
        return render(request, "scoreboard.html#board", context)
    due = list(Prediction.objects.due().with_relations().order_by("resolve_by", "id")[:DUE_ON_DASHBOARD])
    attach_forecast_views(due, request.user)
    return render(request, "scoreboard.html", {**context, "due": due, **summary_of(board["totals"])})


def table_context(board: dict, name: str, order: str = "", show_all: bool = False) -> dict:
    """One table, sorted by `order` ("column" or "-column"; the table's default when unknown) and cut to its
    top rows unless `show_all`."""
    spec = TABLES[name]
    column = order.lstrip("-")
    if column not in spec.columns:
        order, column = spec.default_sort, spec.default_sort.lstrip("-")
    descending = order.startswith("-")
    rows = sort_rows(board[name], column, descending)
    shortened = spec.shortened and not show_all and len(rows) > TOP_ROWS
    return {"name": name, "spec": spec, "rows": rows[:TOP_ROWS] if shortened else rows, "total": len(rows),
            "shortened": shortened, "show_all": show_all and len(rows) > TOP_ROWS, "order": order,
            "order_label": f"{spec.columns[column]}, {'highest' if descending else 'lowest'} first",
            "top_rows": TOP_ROWS, "small_sample": SMALL_SAMPLE,
            "also": "&forecasts=live" if board["live_only"] else ""}  # links keep the board's filter


def sort_rows(rows: list[dict], column: str, descending: bool) -> list[dict]:
    """Sorted by one column; rows without a figure always last."""
    present = [row for row in rows if row.get(column) is not None]
    missing = [row for row in rows if row.get(column) is None]
    return sorted(present, key=lambda row: row[column], reverse=descending) + missing


@require_GET
def scoreboard_download(request: HttpRequest) -> HttpResponse:
    """The whole board as JSON or as one CSV (`format`); with `table`, that table alone in its own columns."""
    download = request.GET.get("format")
    if download not in FORMATS:
        return HttpResponse(f"Ask for format={' or format='.join(FORMATS)}.", status=400,
                            content_type="text/plain; charset=utf-8")
    table = request.GET.get("table")
    table = table if table in COLUMNS else None
    board = cached_scoreboard(request.user, live_only=request.GET.get("forecasts") == "live")
    name = f"scoreboard-{table + '-' if table else ''}{timezone.localdate():%Y-%m-%d}.{download}"
    if download == "json":
        content = json.dumps(board[table] if table else board, indent=2)
    else:
        content = csv_text(table_csv_rows(board, table) if table else csv_rows(board))
    response = HttpResponse(content, content_type=FORMATS[download])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

