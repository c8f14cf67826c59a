"""Admin routes for the working calendar: which years are covered, and loading a year's 放假安排."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import Refusal, json_body
from bot.console.security import require
from bot.core.clock import beijing_today
from bot.staff.roles import ADMIN
from bot.tickets.calendar_years import calendar_overview, missing_years, save_schedule, schedule_from_text, schedule_from_yaml
from bot.tickets.workdays import ScheduleError, WorkingCalendar

calendar_admin = Blueprint("console_calendar", url_prefix="/console/api")
MAX_YAML_CHARS = 20_000  # a year's schedule is a few hundred characters


def calendar_warnings(calendar: WorkingCalendar) -> list[str]:
    """What the console tells admins on every page while a year's schedule is missing."""
    return [
        f"{year} 年的法定节假日安排（国务院办公厅放假通知）尚未载入：跨入该年的答复期限只能按周末估算（显示为“预计”）。"
        f"请在“账号与部门”页的“工作日历”中载入。"
        for year in missing_years(calendar, beijing_today())
    ]


@calendar_admin.get("/calendar")
@require(*ADMIN)
async def overview(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    return response.json(
        await asyncio.to_thread(calendar_overview, ctx.factory, ctx.calendar, beijing_today()), ensure_ascii=False
    )


@calendar_admin.post("/calendar")
@require(*ADMIN)
async def load_year(request: Request) -> HTTPResponse:
    """``{"yaml": "<file text>"}`` (an uploaded file) or ``{"year", "holidays", "workdays"}`` (the form,
    dates or ranges one per line), with ``source`` naming the notice. Every process picks it up."""
    body = json_body(request)
    try:
        if body.get("yaml") is not None:
            text = str(body["yaml"])
            if len(text) > MAX_YAML_CHARS:
                raise ScheduleError("文件太大：一年的放假安排只有几十行")
            schedule = schedule_from_yaml(text)
        else:
            schedule = schedule_from_text(body.get("year"), str(body.get("holidays") or ""), str(body.get("workdays") or ""))
    except ScheduleError as exc:
        raise Refusal(400, str(exc)) from None
    ctx, member = request.app.ctx, request.ctx.member
    replaced = await asyncio.to_thread(
        save_schedule, ctx.factory, member.actor, member.username, schedule, str(body.get("source") or "")
    )
    ctx.calendar.refresh()  # this process at once; the others within bot.tickets.workdays.REFRESH_SECONDS
    return response.json(
        {"year": schedule.year, "holidays": len(schedule.holidays), "workdays": len(schedule.workdays), "replaced": replaced},
        status=200 if replaced else 201,
        ensure_ascii=False,
    )
