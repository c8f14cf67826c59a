"""``python -m bot tickets recompute-deadlines --year YYYY`` as an operator runs it, on a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select

from bot.core.config import Deadlines
from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.staff.audit import SYSTEM
from bot.tickets.calendar_years import loaded_schedules, save_schedule, schedule_from_text
from bot.tickets.models import Ticket, TicketNotice
from bot.tickets.service import TicketDesk, TicketDraft
from bot.tickets.workdays import WorkingCalendar

ROOT = Path(__file__).resolve().parents[3]


def _recompute(url: str, year: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": ""}
    return subprocess.run(
        [sys.executable, "-m", "bot", "tickets", "recompute-deadlines", "--year", year],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_refuses_an_unloaded_year_then_moves_the_estimated_deadline_and_queues_the_notice(sqlite_url):
    upgrade(sqlite_url)
    factory = make_session_factory(make_engine(sqlite_url))
    desk = TicketDesk(factory, WorkingCalendar(loaded=loaded_schedules(factory), refresh_seconds=0), Deadlines())
    draft = TicketDraft(
        category="complaint",
        fields={"description": "路灯不亮"},
        channel="webchat",
        conversation_id="c-1",
        submission_key="k-1",
        phone="13812345678",
    )
    created = desk.create(draft, now=datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc))
    assert (created.due, created.deadline_certain) == (date(2027, 1, 4), False)

    refused = _recompute(sqlite_url, "2027")
    assert refused.returncode == 2 and "No holiday schedule for 2027" in refused.stdout

    save_schedule(factory, SYSTEM, "admin", schedule_from_text("2027", "2027-01-01", ""))  # made up for the test
    done = _recompute(sqlite_url, "2027")
    assert done.returncode == 0, done.stderr
    assert "1 estimated deadlines counted days of 2027: 1 moved" in done.stdout
    with factory() as session:
        ticket = session.scalar(select(Ticket))
        assert (ticket.deadline, ticket.deadline_certain) == (date(2027, 1, 5), True)
        assert session.scalars(select(TicketNotice.kind)).all() == ["rescheduled"]
    assert "13812345678" not in done.stdout + done.stderr
