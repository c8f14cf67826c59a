"""The holiday schedules (放假安排) admins load in the console, and what changes once a year is loaded.

The State Council publishes next year's schedule each autumn; the ``chinesecalendar`` package only
knows the years up to its release. From 1 November the console warns admins while next year is not
covered. A loaded year is stored in ``calendar_years`` and every process's calendar reads it within
``bot.tickets.workdays.REFRESH_SECONDS``. Deadlines counted on weekends only (``deadline_certain`` false,
shown as 预计) are then recomputed by ``python -m bot tickets recompute-deadlines --year YYYY``: each
change is a ticket event, and citizens whose date moved get a notice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import as_utc, transaction
from bot.staff.audit import SYSTEM, Actor, audit
from bot.tickets.models import CalendarYear, Ticket, TicketEvent
from bot.tickets.notice_outbox import queue_notice
from bot.tickets.workdays import ScheduleError, WorkingCalendar, YearSchedule

WARN_FROM_MONTH = 11  # from 1 November, next year's schedule should be loaded
_RANGE_MARKS = re.compile(r"\s*(?:\.\.|~|～|至|—|–)\s*")
_SEPARATORS = re.compile(r"[\s,，、;；]+")


def loaded_schedules(factory: sessionmaker) -> Callable[[], list[YearSchedule]]:
    """What a process's calendar reads again and again: every year admins loaded."""

    def read() -> list[YearSchedule]:
        with factory() as session:
            return [_schedule(row) for row in session.scalars(select(CalendarYear))]

    return read


def _schedule(row: CalendarYear) -> YearSchedule:
    return YearSchedule(
        row.year, frozenset(map(date.fromisoformat, row.holidays)), frozenset(map(date.fromisoformat, row.workdays))
    )


def schedule_from_text(year: object, holidays: str, workdays: str) -> YearSchedule:
    """A schedule typed into the console form: dates or ranges ("2027-02-06..2027-02-12", "~" and "至"
    work too), one per line or separated by commas."""
    return YearSchedule.from_mapping({"year": year, "holidays": _items(holidays), "workdays": _items(workdays)})


def schedule_from_yaml(text: str) -> YearSchedule:
    """A schedule uploaded as the YAML file ``bot/tickets/calendars/README.md`` describes."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ScheduleError("文件不是有效的 YAML：请按 year、holidays、workdays 三项填写") from None
    return YearSchedule.from_mapping(raw)


def _items(text: str) -> list[str]:
    text = _RANGE_MARKS.sub("..", str(text or "").strip())
    return [item for item in _SEPARATORS.split(text) if item]


def save_schedule(factory: sessionmaker, actor: Actor, loaded_by: str, schedule: YearSchedule, source: str = "") -> bool:
    """Store ``schedule`` (replacing an earlier load of that year), audited; True if it replaced one."""
    with transaction(factory) as session:
        row = session.get(CalendarYear, schedule.year)
        replaced = row is not None
        if row is None:
            row = CalendarYear(year=schedule.year)
            session.add(row)
        mapping = schedule.as_mapping()
        row.holidays, row.workdays = mapping["holidays"], mapping["workdays"]
        row.source, row.loaded_by, row.loaded_at = source.strip()[:200] or None, loaded_by, utc_now()
        audit(
            session,
            actor,
            "calendar.load",
            target_type="calendar",
            target_id=schedule.year,
            holidays=len(schedule.holidays),
            workdays=len(schedule.workdays),
            replaced=replaced,
        )
        return replaced


def missing_years(calendar: WorkingCalendar, today: date) -> list[int]:
    """Years the console warns admins about: this year if uncovered, and next year from 1 November."""
    years = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    return [year for year in years if not calendar.covers(year)]


def calendar_overview(factory: sessionmaker, calendar: WorkingCalendar, today: date) -> dict[str, Any]:
    """For the admin page: the years loaded here, the years around today and what covers them."""
    with factory() as session:
        rows = {row.year: row for row in session.scalars(select(CalendarYear).order_by(CalendarYear.year))}
    years = []
    for year in sorted(set(rows) | {today.year - 1, today.year, today.year + 1}):
        row = rows.get(year)
        years.append(
            {
                "year": year,
                "covered": calendar.covers(year),
                "loaded": row is not None,
                "source": (row.source or "") if row else "",
                "loaded_by": row.loaded_by if row else "",
                "loaded_at": as_utc(row.loaded_at).isoformat() if row else None,
                "holidays": len(row.holidays) if row else None,
                "workdays": len(row.workdays) if row else None,
            }
        )
    return {"years": years, "missing": missing_years(calendar, today)}


@dataclass(frozen=True)
class Recomputed:
    """What ``recompute_deadlines`` did."""

    checked: int  # estimated deadlines that counted days of the year
    moved: int  # of which the date changed (the citizen is told)
    still_estimated: int  # still counting over a year nobody loaded


def recompute_deadlines(factory: sessionmaker, calendar: WorkingCalendar, year: int) -> Recomputed:
    """Recompute the estimated deadlines of open tickets whose count ran through ``year``, on the
    calendar as it is now; record each as a ticket event, notify citizens whose date moved."""
    if not calendar.covers(year):
        raise ScheduleError(f"{year} 年的节假日安排还没有载入：请先在工作台“账号与部门”页载入")
    checked = moved = still = 0
    now = utc_now()
    with transaction(factory) as session:
        query = select(Ticket).where(Ticket.deadline_certain.is_(False), Ticket.status != "closed").order_by(Ticket.id)
        for ticket in session.scalars(query):
            accepted = as_utc(ticket.accepted_at)
            if not accepted.year <= year <= ticket.deadline.year:
                continue
            deadline = calendar.deadline(accepted, ticket.working_days)
            checked += 1
            still += not deadline.certain
            before = ticket.deadline
            ticket.deadline, ticket.deadline_certain = deadline.due, deadline.certain
            detail = {"from": before.isoformat(), "to": deadline.due.isoformat(), "year": year, "certain": deadline.certain}
            session.add(TicketEvent(ticket_id=ticket.id, kind="deadline_recomputed", detail=detail, actor="system", at=now))
            if deadline.due != before:
                moved += 1
                ticket.deadline_state = None  # the deadline job marks it again
                queue_notice(session, ticket, "rescheduled", now)
        audit(
            session, SYSTEM, "ticket.deadlines_recomputed", target_type="calendar", target_id=year, checked=checked, moved=moved
        )
    return Recomputed(checked, moved, still)
