"""The figures and the range's tickets as an Excel workbook or two CSV files (UTF-8 with a BOM, so
that Excel reads the Chinese). Nothing here names or reaches a citizen: no name, phone or content."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from bot.core.spreadsheet_cells import append_row, write_csv
from bot.supervision.figures import Figures, TicketRow

TICKET_COLUMNS = ("工单号", "类别", "状态", "承办部门", "渠道", "受理时间", "答复期限", "首次答复日期", "是否按期", "最新评价")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Line:
    """One headline figure; ``kind`` says how to show it: count, rate (0–1), seconds."""

    label: str
    value: float | int | None
    kind: str = "count"


def headline(f: Figures) -> list[Line]:
    """The figures of the range a supervisor reads first, in order."""
    s, h, t, r, d, o = f.self_service, f.handoffs, f.timeliness, f.satisfaction, f.dispatch, f.reopens
    return [
        Line("受理工单", f.volumes.tickets),
        Line("会话数", f.conversations),
        Line("咨询数（知识库答复 + 未能答复）", s.asked),
        Line("知识库答复", s.served),
        Line("知识库未能答复", s.declined),
        Line("答复后表示没解决", s.unhelpful),
        Line("自助解决", s.self_served),
        Line("咨询自助解决率", s.rate, "rate"),
        Line("转人工", h.requested),
        Line("转人工率", h.rate, "rate"),
        Line("已接入", h.claimed),
        Line("未接入", h.unclaimed),
        Line("接通率", h.connect_rate, "rate"),
        Line("平均等待（秒）", h.wait_mean_seconds, "seconds"),
        Line("等待中位数（秒）", h.wait_median_seconds, "seconds"),
        Line("等待 90 分位（秒）", h.wait_p90_seconds, "seconds"),
        Line("到期工单已答复", t.answered),
        Line("按期答复", t.on_time),
        Line("逾期未答复", t.late_unanswered),
        Line("未到期未答复（不计入及时率）", t.not_yet_due),
        Line("及时率", t.rate, "rate"),
        Line("评价数", r.rated),
        *(Line(name, count) for name, count in r.by_rating.items()),
        Line("满意率", r.rate, "rate"),
        Line("已派单工单", d.dispatched),
        Line("未改派", d.kept),
        Line("派单准确率", d.rate, "rate"),
        Line("办结次数", o.closed),
        Line("不满意重新打开", o.reopened),
        Line("重新打开率", o.rate, "rate"),
    ]


def export_lines(f: Figures) -> list[Line]:
    """The headline and the overdue count (which is as of the statistics day, whatever the range)."""
    return [*headline(f), Line("超期未办结（截至统计日）", len(f.overdue))]


def shown(line: Line) -> str:
    """The value as people read it: 92.3%, 65, or — when there is nothing to divide by."""
    if line.value is None:
        return "—"
    if line.kind == "rate":
        return f"{line.value * 100:.1f}%"
    if line.kind == "seconds":
        return f"{line.value:.0f}"
    return str(line.value)


def period_lines(f: Figures) -> list[tuple[str, str]]:
    return [("统计开始日期", f.start.isoformat()), ("统计结束日期", f.end.isoformat()), ("统计日", f.today.isoformat())]


def breakdowns(f: Figures) -> list[tuple[str, str, dict[str, int]]]:
    """(sheet name, first column, counts) of the volumes."""
    v = f.volumes
    return [
        ("每日", "日期", v.by_day),
        ("分类", "类别", v.by_category),
        ("渠道", "渠道", v.by_channel),
        ("部门", "承办部门", v.by_department),
    ]


DEPARTMENT_TIMELINESS_COLUMNS = ("承办部门（主办或协办）", "已答复", "按期答复", "逾期未答复", "未到期未答复", "及时率")


def department_timeliness_rows(f: Figures) -> list[list[Any]]:
    """One row per department: its own answers (the lead's first reply, a co-department's part)."""
    return [
        [name, t.answered, t.on_time, t.late_unanswered, t.not_yet_due, shown(Line("", t.rate, "rate"))]
        for name, t in f.timeliness_by_department.items()
    ]


def on_time_text(value: bool | None) -> str:
    return "—" if value is None else "是" if value else "否"


def ticket_values(row: TicketRow) -> list[Any]:
    return [
        row.number,
        row.category,
        row.status,
        row.department,
        row.channel,
        row.accepted.strftime("%Y-%m-%d %H:%M"),
        row.deadline.isoformat() + ("" if row.deadline_certain else "（预计）"),
        row.first_reply.isoformat() if row.first_reply else "",
        on_time_text(row.on_time),
        row.rating or "",
    ]


def figures_csv(f: Figures) -> bytes:
    """分组, 项目, 数值: the period, the headline figures, then every breakdown."""
    rows: list[list[Any]] = [["分组", "项目", "数值"]]
    rows += [["统计区间", label, value] for label, value in period_lines(f)]
    rows += [["指标", line.label, shown(line)] for line in export_lines(f)]
    for name, _, counts in breakdowns(f):
        rows += [[name, key, count] for key, count in counts.items()]
    rows += [["部门及时率", row[0], row[-1]] for row in department_timeliness_rows(f)]
    return _csv(rows)


def tickets_csv(rows: list[TicketRow]) -> bytes:
    return _csv([list(TICKET_COLUMNS), *(ticket_values(row) for row in rows)])


def workbook_bytes(f: Figures, rows: list[TicketRow]) -> bytes:
    """Sheets 指标, 每日, 分类, 渠道, 部门, 部门及时率, 工单."""
    from openpyxl import Workbook  # a heavy import, only when a workbook is asked for

    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    append_row(sheet, ["项目", "数值"])
    for label, value in period_lines(f):
        append_row(sheet, [label, value])
    for line in export_lines(f):
        append_row(sheet, [line.label, _cell_value(line)])
        if line.kind == "rate" and line.value is not None:
            sheet.cell(sheet.max_row, 2).number_format = "0.0%"
    for name, first, counts in breakdowns(f):
        part = book.create_sheet(name)
        append_row(part, [first, "受理工单"])
        for key, count in counts.items():
            append_row(part, [key, count])
    timeliness = book.create_sheet("部门及时率")
    append_row(timeliness, list(DEPARTMENT_TIMELINESS_COLUMNS))
    for values in department_timeliness_rows(f):
        append_row(timeliness, values)
    tickets = book.create_sheet("工单")
    append_row(tickets, list(TICKET_COLUMNS))
    for row in rows:
        append_row(tickets, ticket_values(row))
    for part in book.worksheets:
        part.freeze_panes = "A2"
        part.column_dimensions["A"].width = 30 if part.title == "指标" else 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(line: Line) -> Any:
    if line.value is None:
        return "—"
    return round(line.value, 1) if line.kind == "seconds" else line.value


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    write_csv(out, rows)
    return out.getvalue().encode("utf-8-sig")
