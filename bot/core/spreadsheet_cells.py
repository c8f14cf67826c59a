"""Cells for spreadsheets we write (CSV and XLSX exports), safe from formula injection.

A citizen's or editor's text that starts with ``= + - @`` (or a tab or carriage return) would run as a
formula when staff open an export in Excel or WPS ("=HYPERLINK(…)" leaking data, "=cmd|…" on old
versions). CSV cells get a leading apostrophe, which spreadsheets hide; XLSX cells are stored as text.
``read_cell`` takes the apostrophe off again, so an exported FAQ imports back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_GUARD = "'"


def csv_cell(value: Any) -> Any:
    """``value`` for a CSV cell: text that a spreadsheet would run as a formula gets the guard."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return _GUARD + value
    return value


def write_csv(handle: IO[str], rows: Iterable[Iterable[Any]]) -> None:
    csv.writer(handle).writerows([csv_cell(value) for value in row] for row in rows)


def append_row(sheet, values: list[Any]) -> None:
    """Append ``values`` to an openpyxl sheet; text never becomes a formula."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def read_cell(text: str) -> str:
    """A CSV cell as we wrote it, without the formula guard."""
    if text.startswith(_GUARD) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
