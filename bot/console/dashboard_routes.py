"""The supervision dashboard (督办看板, roles supervisor and admin): the page, the figures
of a date range as JSON, their exports (each audited, without personal data) and the weekly report."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import Refusal, html_page
from bot.console.security import require
from bot.core.clock import beijing_today
from bot.core.db import transaction
from bot.staff.audit import audit
from bot.staff.roles import SUPERVISION
from bot.supervision.export import CSV_TYPE, XLSX_TYPE, figures_csv, tickets_csv, workbook_bytes
from bot.supervision.figures import Figures, TicketRow, compute_figures, ticket_rows
from bot.supervision.hot_spots import hot_spots
from bot.supervision.report import week_of, weekly_report

MAX_DAYS = 366
DEFAULT_DAYS = 7
YEARS = (2000, 2099)  # keeps date arithmetic (weeks, day bounds) far from date's limits

dashboard = Blueprint("console_dashboard", url_prefix="/console")


def _date(text: str | None, default: date) -> date:
    text = (text or "").strip()
    try:
        day = date.fromisoformat(text) if text else default
    except ValueError:
        raise Refusal(400, f"日期“{text[:20]}”无效，请使用 YYYY-MM-DD 格式，例如 2026-10-01") from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise Refusal(400, f"日期须在 {YEARS[0]} 年至 {YEARS[1]} 年之间")
    return day


def _range(request: Request) -> tuple[date, date]:
    """start/end from the query (default: the last 7 days up to today, Beijing time)."""
    end = _date(request.args.get("end"), beijing_today())
    start = _date(request.args.get("start"), end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise Refusal(400, "开始日期不能晚于结束日期")
    if (end - start).days + 1 > MAX_DAYS:
        raise Refusal(400, f"统计区间最长 {MAX_DAYS} 天，请缩短区间")
    return start, end


# The figures are computed in a worker thread: a long range reads many rows, and the console's queue
# (same event loop) must stay live meanwhile.
async def _figures(request: Request, start: date, end: date) -> Figures:
    ctx = request.app.ctx
    return await asyncio.to_thread(
        compute_figures, ctx.factory, start, end, today=beijing_today(), calendar=ctx.handling.calendar
    )


async def _ticket_rows(request: Request, start: date, end: date) -> list[TicketRow]:
    return await asyncio.to_thread(ticket_rows, request.app.ctx.factory, start, end, today=beijing_today())


def _audited(request: Request, action: str, target: str, **detail: Any) -> None:
    with transaction(request.app.ctx.factory) as session:
        audit(session, request.ctx.member.actor, action, target_type="dashboard", target_id=target, **detail)


def _attachment(data: bytes, content_type: str, filename: str) -> HTTPResponse:
    return response.raw(data, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@dashboard.get("/dashboard")
@require(*SUPERVISION)
async def page(_: Request) -> HTTPResponse:
    return await html_page("dashboard.html")


@dashboard.get("/api/dashboard")
@require(*SUPERVISION)
async def figures(request: Request) -> HTTPResponse:
    start, end = _range(request)
    return response.json((await _figures(request, start, end)).as_dict(), ensure_ascii=False)


@dashboard.get("/api/dashboard/hot-spots")
@require(*SUPERVISION)
async def hot_spot_list(request: Request) -> HTTPResponse:
    """热点诉求 now (the last 24 hours against the usual level); ``alert`` when one is above the alert threshold."""
    spots = await asyncio.to_thread(hot_spots, request.app.ctx.factory)
    return response.json({"hot_spots": [s.as_dict() for s in spots], "alert": any(s.alert for s in spots)}, ensure_ascii=False)


@dashboard.get("/api/dashboard/export.xlsx")
@require(*SUPERVISION)
async def export_xlsx(request: Request) -> HTTPResponse:
    start, end = _range(request)
    rows = await _ticket_rows(request, start, end)
    data = await asyncio.to_thread(workbook_bytes, await _figures(request, start, end), rows)
    _audited(request, "dashboard.export", f"{start}..{end}", format="xlsx", tickets=len(rows))
    return _attachment(data, XLSX_TYPE, f"dashboard-{start}-{end}.xlsx")


@dashboard.get("/api/dashboard/figures.csv")
@require(*SUPERVISION)
async def export_figures_csv(request: Request) -> HTTPResponse:
    start, end = _range(request)
    data = figures_csv(await _figures(request, start, end))
    _audited(request, "dashboard.export", f"{start}..{end}", format="figures.csv")
    return _attachment(data, CSV_TYPE, f"figures-{start}-{end}.csv")


@dashboard.get("/api/dashboard/tickets.csv")
@require(*SUPERVISION)
async def export_tickets_csv(request: Request) -> HTTPResponse:
    start, end = _range(request)
    rows = await _ticket_rows(request, start, end)
    _audited(request, "dashboard.export", f"{start}..{end}", format="tickets.csv", tickets=len(rows))
    return _attachment(tickets_csv(rows), CSV_TYPE, f"tickets-{start}-{end}.csv")


@dashboard.get("/reports/weekly")
@require(*SUPERVISION)
async def weekly(request: Request) -> HTTPResponse:
    """The week of ?week=YYYY-MM-DD (any day in it); by default last week."""
    today = beijing_today()
    day = _date(request.args.get("week"), today - timedelta(days=7))
    document = await asyncio.to_thread(
        weekly_report, request.app.ctx.factory, day, today=today, calendar=request.app.ctx.handling.calendar
    )
    monday, sunday = week_of(day)
    _audited(request, "dashboard.weekly_report", f"{monday}..{sunday}")
    return response.html(document)
