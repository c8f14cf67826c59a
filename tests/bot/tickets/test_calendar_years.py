"""A year's holiday schedule loaded by an admin: validated, read by every process's calendar without a
restart, and the deadlines estimated on weekends only recomputed, recorded and told to the citizen.

The 2027 schedule here is made up for the tests (the official one is copied from the State Council's
notice by an admin). Dates hand-counted:
- suggestion (15 working days) accepted Monday 2026-12-21 10:00: weekends only → 2027-01-11; with
  1 January off → 2027-01-12 (moved);
- complaint (3) accepted Wednesday 2026-12-30 10:00: Dec 31, Jan 1, Jan 4 → 2027-01-04; with 1 January
  off → 2027-01-05 (moved);
- report (10) accepted Monday 2027-01-18 10:00: → 2027-02-01 either way (the February days off come later).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.core.config import Deadlines
from bot.core.db import transaction
from bot.staff.audit import SYSTEM
from bot.staff.models import AuditEntry
from bot.tickets.calendar_years import (
    loaded_schedules,
    missing_years,
    recompute_deadlines,
    save_schedule,
    schedule_from_text,
    schedule_from_yaml,
)
from bot.tickets.models import Ticket, TicketEvent, TicketNotice
from bot.tickets.notice_outbox import claim_next, notice_being_sent
from bot.tickets.service import TicketDesk, TicketDraft
from bot.tickets.workdays import ScheduleError, WorkingCalendar

BEIJING_10AM = timedelta(hours=-8, minutes=0)  # 10:00 Beijing is 02:00 UTC
MADE_UP_2027 = {"year": 2027, "holidays": "2027-01-01\n2027-02-08..2027-02-12", "workdays": "2027-02-13"}


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc)


def _draft(category: str, key: str) -> TicketDraft:
    return TicketDraft(
        category=category,
        fields={"description": "小区门口路灯不亮", "location": "幸福路"},
        channel="webchat",
        conversation_id=f"conv-{key}",
        submission_key=key,
        phone="13812345678",
    )


def _calendar(factory, refresh_seconds: float = 0.0) -> WorkingCalendar:
    return WorkingCalendar(loaded=loaded_schedules(factory), refresh_seconds=refresh_seconds)


def test_a_typed_schedule_is_read_with_ranges_and_checked():
    schedule = schedule_from_text("2027", "2027-01-01\n2027-02-08 至 2027-02-12， 2027-10-01~2027-10-03", "2027-02-13")
    assert len(schedule.holidays) == 9 and schedule.workdays == {date(2027, 2, 13)}
    refusals = {
        "不在 2027 年": ("2027", "2026-12-31\n2027-01-01", ""),
        "本来就是工作日": ("2027", "2027-01-01", "2027-02-15"),  # a Monday cannot be a make-up day
        "既是放假日又是调休上班日": ("2027", "2027-02-13", "2027-02-13"),
        "没有任何放假日期": ("2027", "", "2027-02-13"),
        "无法识别的日期": ("2027", "2027-13-01", ""),
        "四位数字": ("二〇二七", "2027-01-01", ""),
    }
    for why, (year, holidays, workdays) in refusals.items():
        with pytest.raises(ScheduleError, match=why):
            schedule_from_text(year, holidays, workdays)


def test_an_uploaded_yaml_file_is_read_like_the_shipped_ones():
    text = "year: 2027\nholidays:\n  - 2027-01-01\n  - 2027-02-08..2027-02-12\nworkdays:\n  - 2027-02-13\n"
    assert schedule_from_yaml(text) == schedule_from_text(**MADE_UP_2027)
    for broken in ("year: [", "- just a list", "year: 2027\nholidays: [2028-01-01]"):
        with pytest.raises(ScheduleError):
            schedule_from_yaml(broken)


def test_admins_are_warned_from_november_about_next_year_and_always_about_this_one(factory):
    calendar = _calendar(factory)
    assert missing_years(calendar, date(2026, 10, 31)) == []  # 2026 is in the package, 2027 not yet asked
    assert missing_years(calendar, date(2026, 11, 1)) == [2027]
    assert missing_years(calendar, date(2027, 3, 1)) == [2027]  # already in it and still missing
    save_schedule(factory, SYSTEM, "admin", schedule_from_text(**MADE_UP_2027))
    assert missing_years(calendar, date(2026, 11, 1)) == []


def test_every_process_picks_up_a_loaded_year_without_a_restart(factory, caplog):
    other_process = _calendar(factory, refresh_seconds=3600)
    assert other_process.deadline(_at(date(2026, 12, 30)), 3).due == date(2027, 1, 4)  # read: nothing loaded
    this_process = _calendar(factory)
    assert save_schedule(factory, SYSTEM, "admin", schedule_from_text(**MADE_UP_2027)) is False
    deadline = this_process.deadline(_at(date(2026, 12, 30)), 3)
    assert (deadline.due, deadline.certain) == (date(2027, 1, 5), True)
    assert other_process.deadline(_at(date(2026, 12, 30)), 3).due == date(2027, 1, 4)  # not due to read again yet
    other_process.refresh()  # what its next refresh does
    assert other_process.deadline(_at(date(2026, 12, 30)), 3).due == date(2027, 1, 5)

    def database_gone():
        raise ConnectionError("database away")

    keeps = WorkingCalendar(loaded=loaded_schedules(factory), refresh_seconds=0)
    keeps.refresh()
    keeps._loaded = database_gone  # the database goes away: the calendar keeps what it read
    with caplog.at_level(logging.WARNING, logger="bot.tickets.workdays"):
        assert keeps.deadline(_at(date(2026, 12, 30)), 3).due == date(2027, 1, 5)
    assert "keeping the last ones" in caplog.text


def test_a_second_load_of_a_year_replaces_the_first_and_both_are_audited(factory):
    save_schedule(factory, SYSTEM, "admin", schedule_from_text("2027", "2027-01-01", ""), source="草稿")
    assert save_schedule(factory, SYSTEM, "admin", schedule_from_text(**MADE_UP_2027), source="国办发明电〔2026〕1号")
    assert _calendar(factory).is_workday(date(2027, 2, 13)) == (True, True)
    with factory() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.load")).all()
        assert [(e.target_id, e.detail["replaced"]) for e in entries] == [("2027", False), ("2027", True)]


def test_estimated_deadlines_are_recomputed_recorded_and_the_moved_ones_told_to_the_citizen(factory):
    calendar = _calendar(factory)
    desk = TicketDesk(factory, calendar, Deadlines())
    suggestion = desk.create(_draft("suggestion", "s"), now=_at(date(2026, 12, 21)))
    complaint = desk.create(_draft("complaint", "c"), now=_at(date(2026, 12, 30)))
    report = desk.create(_draft("report", "r"), now=_at(date(2027, 1, 18)))
    closed = desk.create(_draft("complaint", "x"), now=_at(date(2026, 12, 30)))
    certain = desk.create(_draft("complaint", "k"), now=_at(date(2026, 12, 1)))
    assert [(t.due, t.deadline_certain) for t in (suggestion, complaint, report, certain)] == [
        (date(2027, 1, 11), False),
        (date(2027, 1, 4), False),
        (date(2027, 2, 1), False),
        (date(2026, 12, 4), True),
    ]
    with transaction(factory) as session:
        session.execute(update(Ticket).where(Ticket.number == closed.number).values(status="closed"))

    with pytest.raises(ScheduleError, match="还没有载入"):
        recompute_deadlines(factory, calendar, 2027)
    save_schedule(factory, SYSTEM, "admin", schedule_from_text(**MADE_UP_2027))
    done = recompute_deadlines(factory, calendar, 2027)
    assert (done.checked, done.moved, done.still_estimated) == (3, 2, 0)

    with factory() as session:
        tickets = {t.number: t for t in session.scalars(select(Ticket))}
        assert [(tickets[t.number].deadline, tickets[t.number].deadline_certain) for t in (suggestion, complaint, report)] == [
            (date(2027, 1, 12), True),
            (date(2027, 1, 5), True),
            (date(2027, 2, 1), True),
        ]
        assert (tickets[closed.number].deadline, tickets[closed.number].deadline_certain) == (date(2027, 1, 4), False)
        events = session.execute(
            select(Ticket.number, TicketEvent.detail)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.kind == "deadline_recomputed")
        ).all()
        assert sorted((number, d["from"], d["to"]) for number, d in events) == sorted(
            [
                (suggestion.number, "2027-01-11", "2027-01-12"),
                (complaint.number, "2027-01-04", "2027-01-05"),
                (report.number, "2027-02-01", "2027-02-01"),
            ]
        )
        notices = session.execute(
            select(Ticket.number, TicketNotice.kind).join(Ticket, Ticket.id == TicketNotice.ticket_id)
        ).all()
        assert sorted(notices) == sorted([(suggestion.number, "rescheduled"), (complaint.number, "rescheduled")])

    said = []
    while (notice := claim_next(factory)) is not None:
        said.append(notice_being_sent(factory, notice.conversation_id))
        with transaction(factory) as session:
            session.execute(update(TicketNotice).where(TicketNotice.id == notice.id).values(status="sent"))
    assert {s.response for s in said} == {"utter_ticket_notice_rescheduled"}
    assert sorted(s.values["due_date"] for s in said) == ["2027年1月12日", "2027年1月5日"]
    assert all(s.values["year"] == 2027 for s in said)
    assert recompute_deadlines(factory, calendar, 2027).checked == 0  # nothing estimated is left
