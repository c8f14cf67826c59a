"""Import and export of the knowledge base as CSV or XLSX (what editors keep in spreadsheets).

Required columns: id, question, similar_questions (``|``-separated), answer, category, hotline.
Optional: department, source, effective_date and expires_on (YYYY-MM-DD), status. An optional column that a file
leaves out keeps the stored value; a new entry without ``status`` is published.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.core.spreadsheet_cells import append_row, read_cell, write_csv
from bot.faq.store import EntryData, InvalidEntry, check_entry, list_entries, save_entries
from bot.staff.audit import AuditNote

REQUIRED_COLUMNS = ("id", "question", "similar_questions", "answer", "category", "hotline")
OPTIONAL_COLUMNS = ("department", "source", "effective_date", "status", "expires_on")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
SEPARATOR = "|"
HOTLINE_ALIASES = {"": "all", "全部": "all", "所有": "all", "ALL": "all"}
MAX_QUESTION_CHARS = 200
MAX_ANSWER_CHARS = 4000


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported (format, encoding or missing columns)."""


@dataclass
class ImportReport:
    """What an import did; ``rejected`` holds (line number, reason) for every row left out."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {len(self.rejected)} rejected"


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for every data row of a CSV or XLSX file; headers are lower-cased."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path)
    else:
        raise UnreadableFile(f"{path.name}: use a .csv or .xlsx file")


def _check_header(header: list[str], name: str) -> list[str]:
    columns = [str(h or "").strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise UnreadableFile(f"{name}: missing column(s) {', '.join(missing)}")
    return columns


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = _check_header(next(reader, []), path.name)
            start = reader.line_num + 1
            for values in reader:
                if any(v.strip() for v in values):
                    cells = [read_cell(v) for v in values]
                    yield start, dict(zip(_columns_padded(header, cells), cells))
                start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path.name}: not UTF-8 text (save the CSV as UTF-8)") from exc


def _columns_padded(header: list[str], values: list[str]) -> list[str]:
    """Header names for ``values``; extra values beyond the header get placeholder names."""
    return header + [f"_extra{i}" for i in range(len(values) - len(header))]


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(f"{path.name}: not a readable XLSX file ({type(exc).__name__})") from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = _check_header(list(next(rows, ())), path.name)
        for number, values in enumerate(rows, start=2):
            cells = ["" if v is None else (v.isoformat()[:10] if isinstance(v, date) else str(v)) for v in values]
            if any(c.strip() for c in cells):
                yield number, dict(zip(_columns_padded(header, cells), cells))
    finally:
        workbook.close()


def parse_row(row: dict[str, str], existing: EntryData | None) -> EntryData:
    """An entry from one row; raises InvalidEntry with the reason."""
    value = {k: (row.get(k) or "").strip() for k in COLUMNS}
    similar = tuple(dict.fromkeys(q.strip() for q in value["similar_questions"].split(SEPARATOR) if q.strip()))
    if any(len(q) > MAX_QUESTION_CHARS for q in (value["question"], *similar)):
        raise InvalidEntry(f"问题不能超过 {MAX_QUESTION_CHARS} 个字")
    if len(value["answer"]) > MAX_ANSWER_CHARS:
        raise InvalidEntry(f"答案不能超过 {MAX_ANSWER_CHARS} 个字")
    stored = existing or EntryData(id="", question="", answer="", category="")  # defaults of a new entry
    entry = EntryData(
        id=value["id"],
        question=value["question"],
        answer=value["answer"].replace("\r\n", "\n"),
        category=value["category"],
        similar_questions=similar,
        hotline=HOTLINE_ALIASES.get(value["hotline"], value["hotline"]),
        department=value["department"] if "department" in row else stored.department,
        source=value["source"] if "source" in row else stored.source,
        effective_date=_parse_date(value["effective_date"]) if "effective_date" in row else stored.effective_date,
        status=(value["status"] or "published") if "status" in row else stored.status,
        expires_on=_parse_date(value["expires_on"]) if "expires_on" in row else stored.expires_on,
    )
    check_entry(entry)
    return entry


def _parse_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise InvalidEntry(f"“{text}”不是日期，应写作 2026-01-31") from exc


def import_file(factory: sessionmaker, path: Path, *, actor: str, audited: AuditNote | None = None) -> ImportReport:
    """Upsert every valid row by id; bad rows are reported by line number and the rest imported.
    ``audited`` is written with the import, counting created, updated and rejected rows."""
    report = ImportReport()
    stored = {entry.id: entry for entry in list_entries(factory)}
    accepted: dict[str, tuple[int, EntryData]] = {}
    for line, row in read_rows(path):
        entry_id = (row.get("id") or "").strip()
        if entry_id in accepted:
            report.rejected.append((line, f"编号 {entry_id} 已在第 {accepted[entry_id][0]} 行出现"))
            continue
        try:
            accepted[entry_id] = (line, parse_row(row, stored.get(entry_id)))
        except InvalidEntry as exc:
            report.rejected.append((line, str(exc)))
    if audited is not None:
        audited = replace(audited, detail={**audited.detail, "rejected": len(report.rejected)})
    outcomes = save_entries(factory, [entry for _, entry in accepted.values()], actor=actor, audited=audited)
    for outcome in outcomes:
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _export_values(entry: EntryData) -> list[str]:
    return [
        entry.id,
        entry.question,
        SEPARATOR.join(entry.similar_questions),
        entry.answer,
        entry.category,
        entry.hotline,
        entry.department,
        entry.source,
        entry.effective_date.isoformat() if entry.effective_date else "",
        entry.status,
        entry.expires_on.isoformat() if entry.expires_on else "",
    ]


def export_file(factory: sessionmaker, path: Path, *, status: str | None = None, entries: list[EntryData] | None = None) -> int:
    """Write ``entries`` (default: every entry, or those with ``status``) to CSV or XLSX; returns how many."""
    entries = entries if entries is not None else list_entries(factory, status=status)
    rows = [list(COLUMNS)] + [_export_values(e) for e in entries]
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:  # the BOM lets Excel read UTF-8
            write_csv(handle, rows)
    elif suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "faq"
        for values in rows:
            append_row(sheet, values)
        workbook.save(path)
    else:
        raise UnreadableFile(f"{path.name}: use a .csv or .xlsx file")
    return len(entries)
