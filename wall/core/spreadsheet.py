"""Exported cells stay what they are: text never turns into a formula in the spreadsheet of the
person who opens an export (CSV injection, OWASP). Every CSV and XLSX the wall writes goes
through here: the audit log, the ranking, the bulletin's workbook, a register's rejected rows.

In XLSX a cell's type is explicit, so a text starting with "=" is written as text (shown as
typed); CSV has no types, so a text that a spreadsheet would read as a formula gets the
leading apostrophe that spreadsheets themselves use to mean "this is text".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value safe in a CSV cell: text a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(head: Sequence, rows: Iterable[Sequence]) -> bytes:
    """A CSV file (UTF-8 with BOM, so Excel shows the Chinese) with every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in head])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def keep_text(book: Workbook) -> Workbook:
    """Every cell openpyxl took for a formula (a text starting with "=") written as text."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return book
