"""CSV downloads that spreadsheet programs open correctly and safely.

Semicolon-separated (Swedish Excel's default), UTF-8 with a byte-order mark, and every cell that
starts like a formula (=, +, -, @, tab, carriage return) prefixed with an apostrophe so that a value
typed by a user is never run as a formula.
"""

import csv
import re
from collections.abc import Iterable

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_response(*, filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse:
    """A private (not cached) CSV attachment with the given header and rows."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "export.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([str(title) for title in header])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response
