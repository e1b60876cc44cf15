"""CSV that a spreadsheet opens as data: no text cell is read as a formula (OWASP, "CSV Injection")."""

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, behind a quote mark; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return f"'{cell}"
    return cell


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([neutralised(cell) for cell in row] for row in rows)
    return out.getvalue()
