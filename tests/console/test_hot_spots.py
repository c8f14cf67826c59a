"""Hot spots (热点诉求) against a hand-computed set of tickets, on SQLite and PostgreSQL: which places
and same-source groups are above their usual level in the last 24 hours, the alert written to the
audit log once, the dashboard's route and the weekly report's list."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.core.db import transaction
from bot.staff.models import AuditEntry
from bot.supervision.hot_spots import alert_new_hot_spots, hot_spots
from bot.tickets.models import Ticket, TicketGroup

NOW = datetime(2026, 10, 8, 4, 0, tzinfo=timezone.utc)  # Thursday 8 October, 12:00 Beijing


@pytest.fixture
def console_database_url(database_url: str) -> str:
    return database_url


def _ticket(session, n: int, place: str, hours_ago: float, group: int | None = None) -> None:
    session.add(
        Ticket(
            number=f"TS2026100{n:05d}",
            category="complaint",
            status="assigned",
            fields={"case_description": "问题", "case_location": place},
            channel="webchat",
            conversation_id=f"c{n}",
            submission_key=f"k{n}",
            accepted_at=NOW - timedelta(hours=hours_ago),
            deadline=NOW.date(),
            deadline_certain=True,
            working_days=3,
            group_id=group,
        )
    )


@pytest.fixture
def records(console):
    with transaction(console.ctx.factory) as session:
        session.add(TicketGroup(id=7, created_at=NOW - timedelta(hours=5), place="幸福路12号工地"))
        session.flush()
        n = 0
        # 幸福路12号工地: 6 tickets in the last 24 h (5 of them in group 7), none before → alert (6 ≥ 5)
        for hours in (1, 2, 3, 4, 5):
            n += 1
            _ticket(session, n, "幸福路12号工地" if hours % 2 else "幸福路十二号工地 附近", hours, group=7)
        n += 1
        _ticket(session, n, "幸福路12号工地", 20)
        # 光明街菜市场: 4 in 24 h, 28 in the 28 days before (usual 1 a day) → hot (4 ≥ 3 and ≥ 3 × 1), no alert
        for hours in (1, 6, 12, 23):
            n += 1
            _ticket(session, n, "光明街菜市场", hours)
        for day in range(28):
            n += 1
            _ticket(session, n, "光明街菜市场", 24 + 12 + 24 * day)
        # 人民路88号: 3 in 24 h but 14 in the 28 days before (usual 0.5) → hot (3 ≥ 3 and ≥ 1.5)
        for hours in (2, 3, 4):
            n += 1
            _ticket(session, n, "人民路88号", hours)
        for day in range(14):
            n += 1
            _ticket(session, n, "人民路88号", 30 + 48 * day)
        # 文三路: 2 in 24 h → not hot (below 3); 解放路: 3 at 25–27 h ago → outside the window
        for hours in (1, 2):
            n += 1
            _ticket(session, n, "文三路", hours)
        for hours in (25, 26, 27):
            n += 1
            _ticket(session, n, "解放路", hours)
    return console.ctx.factory


def test_places_and_groups_above_their_usual_level_are_hot_and_the_biggest_alert(records):
    spots = [(s.kind, s.label, s.last_24h, s.usual_per_day, s.alert) for s in hot_spots(records, NOW)]
    assert spots == [
        ("place", "幸福路12号工地", 6, 0.0, True),  # both spellings are one place
        ("group", "幸福路12号工地", 5, 0.0, True),
        ("place", "光明街菜市场", 4, 1.0, False),
        ("place", "人民路88号", 3, 0.5, False),
    ]


def test_an_alert_is_audited_once_a_day_whichever_console_runs_the_job(records):
    first = alert_new_hot_spots(records, NOW)
    assert [(s.kind, s.last_24h) for s in first] == [("place", 6), ("group", 5)]
    assert alert_new_hot_spots(records, NOW + timedelta(minutes=5)) == []  # already alerted today
    with records() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "hotspot.alert")).all()
    assert sorted(e.target_id for e in entries) == ["group:7", "place:幸福路12号工地"]
    assert all(e.detail["label"] == "幸福路12号工地" for e in entries)


def test_supervisors_read_the_hot_spots_and_the_weekly_report_lists_the_weeks_alerts(records, browser, monkeypatch):
    from bot.supervision import hot_spots as module

    alert_new_hot_spots(records, NOW)
    real = module.hot_spots
    monkeypatch.setattr("bot.console.dashboard_routes.hot_spots", lambda factory: real(factory, NOW))
    data = browser("supervisor").request("GET", "/console/api/dashboard/hot-spots").json()
    assert data["alert"] is True and len(data["hot_spots"]) == 4
    assert browser("agent1").request("GET", "/console/api/dashboard/hot-spots").status_code == 403
    with records() as session:  # the alerts were written "now" by the job: date them in that week
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.action == "hotspot.alert")):
            entry.at = NOW
        session.commit()
    page = browser("supervisor").request("GET", "/console/reports/weekly?week=2026-10-08").text
    assert "本周热点诉求（2 次预警）" in page and "<td>幸福路12号工地</td><td>6</td>" in page
