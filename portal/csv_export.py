"""CSV downloads that spreadsheet programs open correctly and safely.

Semicolon-separated (Swedish Excel's default), UTF-8 with a byte-order mark, and every cell that
starts like a formula (=, +, -, @, tab, carriage return) prefixed with an apostrophe so that a value
typed by a user is never run as a formula.
"""

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

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
    # Headers can hold text a user typed (a call's numbered questions), so they are made safe like cells.
    writer.writerow([spreadsheet_cell(str(title)) for title in header])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
    return response


def swedish_row(row: Iterable) -> list:
    """A row for Swedish Excel's CSV: decimals with a comma, dates as YYYY-MM-DD, nothing as an empty cell."""
    from .amounts import format_decimal

    cells = []
    for value in row:
        if isinstance(value, Decimal | float):
            cells.append(format_decimal(value))
        elif value is None:
            cells.append("")
        elif isinstance(value, date):
            cells.append(value.isoformat())
        else:
            cells.append(value)
    return cells


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(*, filename: str, header: Iterable, rows: Iterable[Iterable], title: str = "") -> HttpResponse:
    """The same table as an .xlsx workbook (numbers stay numbers, dates dates); formula-like texts are written
    as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Export")
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.data_type = "s"
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                value = float(value)
            elif value is not None and not isinstance(value, int | float | date):
                value = str(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=SUM(...)" typed by a user stays text
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    safe_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "export.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "private, no-store"
    return response
