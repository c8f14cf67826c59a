"""The supervision figures against a small, hand-computed set of records, and the dashboard's routes:
roles, bad ranges, the exports (no personal data) and the weekly report.

The range is Tuesday 2026-09-29 to Monday 2026-10-12 (Beijing dates), "today" 2026-10-12. It crosses the
National Day holiday: 1–7 October off, Saturday 10 October a make-up working day, Sunday 11 October off.
Every time below is Beijing wall-clock time; the tables store the UTC instant.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.conversation.unanswered import UnansweredQuestion, question_key
from bot.core.db import make_engine, make_session_factory, transaction
from bot.faq.models import FaqEntry, FaqFeedback, FaqServe
from bot.handoff.models import Handoff
from bot.handoff.transcript import ConversationEvent
from bot.staff.models import AuditEntry
from bot.supervision.figures import compute_figures, ticket_rows, working_days_overdue
from bot.tickets.models import Ticket, TicketCoDepartment, TicketContact, TicketEvent, TicketRating
from bot.tickets.workdays import BEIJING, deployment_calendar

START, END, TODAY = date(2026, 9, 29), date(2026, 10, 12), date(2026, 10, 12)
PHONE, NAME = "13812345678", "张三"
SCRIPT_QUESTION = "<script>alert(1)</script>社保卡丢了 138****5678"
HOUSING, ENVIRONMENT, CIVIL = "住房和城乡建设局", "生态环境局", "民政局"


@pytest.fixture
def console_database_url(database_url: str) -> str:
    """The figures are checked on SQLite and on the real PostgreSQL."""
    return database_url


def bj(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A Beijing wall-clock time in 2026 as the UTC instant the tables store."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=BEIJING).astimezone(timezone.utc)


def _ticket(
    session,
    number,
    category,
    channel,
    department,
    accepted,
    deadline,
    status,
    *,
    replies=(),
    notes=(),
    ratings=(),
    routed=None,
    assigns=(),
    closes=(),
    co=(),
) -> None:
    ticket = Ticket(
        number=number,
        category=category,
        status=status,
        fields={"case_description": "楼下噪音"},
        channel=channel,
        conversation_id=f"conv-{number}",
        submission_key=number,
        department=department,
        accepted_at=accepted,
        deadline=deadline,
        deadline_certain=True,
        working_days=5,
        is_major=False,
    )
    session.add(ticket)
    session.flush()
    session.add(TicketContact(ticket_id=ticket.id, name=NAME, phone=PHONE, anonymous=False))
    session.add(TicketEvent(ticket_id=ticket.id, kind="created", detail={"department": routed}, actor="citizen", at=accepted))
    for at, to in assigns:
        session.add(TicketEvent(ticket_id=ticket.id, kind="assign", detail={"department": to}, actor="staff:3001", at=at))
    for at in closes:
        session.add(TicketEvent(ticket_id=ticket.id, kind="close", detail={}, actor="staff:3001", at=at))
    for department, replied in co:
        session.add(
            TicketCoDepartment(
                ticket_id=ticket.id,
                department=department,
                status="replied" if replied else "pending",
                reply="协办意见" if replied else None,
                added_at=accepted,
                replied_at=replied,
            )
        )
    for at in notes:
        session.add(TicketEvent(ticket_id=ticket.id, kind="note", detail={"text": "已电话联系"}, actor="staff:1024", at=at))
    for at in replies:
        session.add(TicketEvent(ticket_id=ticket.id, kind="reply", detail={"reply": "已处理"}, actor="staff:5000", at=at))
    for round_, rating, at in ratings:
        session.add(TicketRating(ticket_id=ticket.id, round=round_, rating=rating, channel=channel, rated_at=at))


def _tickets(session) -> None:
    # outside: accepted 28 Sep 23:30 Beijing (15:30 UTC on the 28th), the evening before the range
    # (routed to ENVIRONMENT and moved to HOUSING, and closed, all outside the range: no dispatch or closing counts)
    _ticket(
        session,
        "TS202609280001",
        "complaint",
        "webchat",
        HOUSING,
        bj(9, 28, 23, 30),
        date(2026, 10, 13),
        "assigned",
        routed=ENVIRONMENT,
        assigns=[(bj(9, 28, 23, 40), HOUSING)],
        closes=[bj(9, 28, 23, 45)],
    )
    # A inside: 29 Sep 00:30 Beijing is still 28 Sep in UTC; first reply 9 Oct = deadline → on time
    # routed to HOUSING and kept; closed once (9 Oct), rated 满意: not reopened
    _ticket(
        session,
        "TS202609290001",
        "complaint",
        "webchat",
        HOUSING,
        bj(9, 29, 0, 30),
        date(2026, 10, 9),
        "closed",
        replies=[bj(10, 9, 20)],
        ratings=[(1, "satisfied", bj(10, 10, 10))],
        routed=HOUSING,
        closes=[bj(10, 9, 21)],
        co=[(ENVIRONMENT, bj(10, 9, 19))],
    )  # co-handled by ENVIRONMENT, its part in on the due day
    # B: a note on 8 Oct does not count; the reply at 07:00 on 10 Oct (23:00 UTC on the 9th) is a day late
    # not routed; staff assigned ENVIRONMENT first: kept
    _ticket(
        session,
        "TS202609290002",
        "complaint",
        "wechat",
        ENVIRONMENT,
        bj(9, 29, 10),
        date(2026, 10, 9),
        "replied",
        replies=[bj(10, 10, 7)],
        notes=[bj(10, 8, 10)],
        assigns=[(bj(9, 30, 9), ENVIRONMENT)],
    )
    # C: not assigned, never answered, due 8 Oct → late unanswered and overdue
    _ticket(
        session, "JB202609300001", "report", "webchat", None, bj(9, 30, 16), date(2026, 10, 8), "unassigned", co=[(CIVIL, None)]
    )  # a co-department that never answered its part
    # D: due today, not answered yet → left out of the on-time rate, not overdue
    # routed to HOUSING, moved to ENVIRONMENT, then back to HOUSING: not kept (it was 改派 on the way)
    _ticket(
        session,
        "JY202610080001",
        "suggestion",
        "telegram",
        HOUSING,
        bj(10, 8, 9),
        date(2026, 10, 12),
        "in_progress",
        routed=HOUSING,
        assigns=[(bj(10, 8, 10), ENVIRONMENT), (bj(10, 8, 11), HOUSING)],
    )
    # E: first reply on 9 Oct (on time), a second one on 10 Oct; rated twice (closed twice)
    _ticket(
        session,
        "ZX202610080001",
        "consultation",
        "webchat",
        ENVIRONMENT,
        bj(10, 8, 8),
        date(2026, 10, 9),
        "closed",
        replies=[bj(10, 9, 9), bj(10, 10, 9)],
        ratings=[(1, "dissatisfied", bj(10, 9, 12)), (2, "basically_satisfied", bj(10, 11, 9))],
        routed=ENVIRONMENT,
        assigns=[(bj(10, 8, 9), ENVIRONMENT)],  # assigned again to the same one: kept
        closes=[bj(10, 9, 10), bj(10, 10, 10)],
    )  # round 1 rated 不满意 (reopened), round 2 基本满意
    # F: accepted 23:50 on the last day of the range (15:50 UTC) → inside; due after the range
    _ticket(
        session,
        "TS202610120001",
        "complaint",
        "wechat",
        HOUSING,
        bj(10, 12, 23, 50),
        date(2026, 10, 19),
        "assigned",
        routed=HOUSING,
    )
    # G: accepted before the range, due 30 Sep (inside), still open → late unanswered, overdue across the holiday
    _ticket(session, "TS202609150001", "complaint", "rest", ENVIRONMENT, bj(9, 15, 10), date(2026, 9, 30), "in_progress")
    # H: long before, answered and closed; its rating at 23:00 on 28 Sep is outside the range
    _ticket(
        session,
        "TS202609100001",
        "complaint",
        "webchat",
        ENVIRONMENT,
        bj(9, 10, 10),
        date(2026, 9, 24),
        "closed",
        replies=[bj(9, 23, 10)],
        ratings=[(1, "satisfied", bj(9, 28, 23))],
    )


def _handoffs(session) -> None:
    rows = [  # (requested, claimed, status)
        (bj(10, 8, 10), bj(10, 8, 10, 0, 30), "returned"),  # 30 s
        (bj(10, 8, 11), bj(10, 8, 11, 1, 30), "returned"),  # 90 s
        (bj(10, 9, 9), bj(10, 9, 9, 2), "claimed"),  # 120 s
        (bj(10, 9, 14), bj(10, 9, 14, 10), "returned"),  # 600 s
        (bj(10, 10, 10), None, "unclaimed"),
        (bj(10, 12, 10), None, "waiting"),
        (bj(9, 28, 10), bj(9, 28, 10, 16, 40), "returned"),  # outside the range (1000 s)
    ]
    for n, (requested, claimed, status) in enumerate(rows):
        session.add(
            Handoff(
                conversation_id=f"conv-{n}",
                channel="webchat",
                reason="citizen_asked",
                summary={},
                status=status,
                requested_at=requested,
                claimed_at=claimed,
            )
        )


def _events(session) -> None:
    def event(sender: str, kind: str, at: datetime, **data) -> None:
        session.add(ConversationEvent(sender_id=sender, data=json.dumps({"event": kind, "timestamp": at.timestamp(), **data})))

    event("conv-1", "user", bj(10, 8, 10), text="我要转人工")
    event("conv-1", "bot", bj(10, 8, 10, 0, 1), text="正在为您转接")
    event("conv-2", "user", bj(10, 9, 9), text="你好")
    event("conv-2", "user", bj(10, 9, 9, 5), text="还在吗")  # the same conversation twice: counted once
    event("conv-3", "user", bj(9, 29, 0, 10), text="你好")  # 28 Sep 16:10 UTC, 29 Sep in Beijing: inside
    event("conv-4", "user", bj(9, 28, 23, 50), text="你好")  # outside
    event("conv-4", "bot", bj(10, 8, 9), text="您好")  # only the bot inside the range: not counted
    for n in range(5, 10):
        event(f"conv-{n}", "user", bj(10, 10, 12), text="咨询社保")
    event("conv-10", "slot", bj(10, 10, 12), name="user", value="x")  # mentions "user", is not a message


def _faq(session) -> None:
    session.add(
        FaqEntry(
            id="SI-001",
            question="社保卡怎么补办",
            similar_questions=[],
            answer="携带身份证到网点补办。",
            category="社保",
            hotline="all",
            department="",
            source="",
            status="published",
            version=1,
            updated_at=bj(9, 1),
            updated_by="setup",
        )
    )
    session.flush()
    for at in (bj(10, 8, 9), bj(10, 8, 15), bj(10, 9, 9), bj(10, 9, 16), bj(10, 12, 23, 59), bj(9, 28, 23, 59)):
        session.add(FaqServe(entry_id="SI-001", entry_version=1, channel="webchat", served_at=at))
    for helpful, at in ((False, bj(10, 9, 9, 1)), (True, bj(10, 8, 9, 1)), (True, bj(10, 9, 16, 1)), (False, bj(10, 13, 0, 1))):
        session.add(FaqFeedback(entry_id="SI-001", entry_version=1, helpful=helpful, channel="webchat", created_at=at))


def _unanswered(session) -> None:
    def asked(text: str, reason: str, at: datetime) -> None:
        session.add(
            UnansweredQuestion(
                text=text,
                channel="webchat",
                reason=reason,
                question_key=question_key(text),
                conversation_id="conv-1",
                created_at=at,
            )
        )

    asked("怎么办理居住证", "faq_no_match", bj(10, 8, 10))
    asked("怎么办理居住证？", "faq_no_match", bj(10, 9, 10))  # the same key (punctuation dropped)
    asked("怎么办理居住证", "faq_no_match", bj(9, 20, 10))  # outside the range
    asked(SCRIPT_QUESTION, "faq_no_match", bj(10, 10, 10))
    asked("垃圾分类怎么罚款", "fallback", bj(10, 11, 10))
    asked("今天天气怎么样", "out_of_scope", bj(10, 8, 11))
    for n in range(1, 10):
        asked(f"问题{n:02d}", "fallback", bj(10, 1, 10))


@pytest.fixture
def records(console_settings):
    factory = make_session_factory(make_engine(console_settings.database_url))
    with transaction(factory) as session:
        for insert in (_tickets, _handoffs, _events, _faq, _unanswered):
            insert(session)
    return factory


@pytest.fixture
def figures(records):
    return compute_figures(records, START, END, today=TODAY, calendar=deployment_calendar(None))


def test_volumes_count_the_tickets_accepted_on_beijing_dates_in_the_range(figures):
    v = figures.volumes
    assert v.tickets == 6  # A, B, C, D, E, F; not the one of 28 Sep 23:30, nor G and H
    assert v.by_category == {"投诉": 3, "举报": 1, "建议": 1, "咨询留言": 1}  # A B F / C / D / E
    assert list(v.by_channel.items()) == [("网页", 3), ("微信", 2), ("Telegram", 1)]  # A C E / B F / D
    # lead A D F / B E + co A / none C, + co C; the ticket total counts each ticket once
    assert list(v.by_department.items()) == [(HOUSING, 3), (ENVIRONMENT, 3), ("待分派", 1), (CIVIL, 1)]
    assert len(v.by_day) == 14 and list(v.by_day)[0] == "2026-09-29" and list(v.by_day)[-1] == "2026-10-12"
    # 29 Sep: A B; 30 Sep: C; 8 Oct: D E; 12 Oct: F; the other ten days zero
    assert {day: n for day, n in v.by_day.items() if n} == {"2026-09-29": 2, "2026-09-30": 1, "2026-10-08": 2, "2026-10-12": 1}
    assert sum(v.by_day.values()) == 6


def test_conversations_are_distinct_senders_of_citizen_messages(figures):
    assert figures.conversations == 8  # conv-1, 2, 3, 5, 6, 7, 8, 9; not conv-4 (outside / bot only), not conv-10


def test_handoff_rate_and_waits(figures):
    h = figures.handoffs
    assert h.requested == 6  # the seven rows less the one of 28 Sep
    assert h.rate == 6 / 8  # 6 handoffs / 8 conversations = 0.75
    assert h.claimed == 4 and h.unclaimed == 1  # waits 30, 90, 120, 600 s; one "unclaimed" (the waiting one is neither)
    assert h.wait_mean_seconds == 210  # (30 + 90 + 120 + 600) / 4 = 840 / 4
    assert h.wait_median_seconds == 105  # (90 + 120) / 2
    assert h.wait_p90_seconds == 600  # nearest rank: ceil(0.9 × 4) = 4th smallest


def test_faq_self_service_rate(figures):
    s = figures.self_service
    assert s.served == 5  # five serves inside (one at 23:59 on 12 Oct), not the one of 28 Sep 23:59
    assert s.declined == 3  # faq_no_match: 居住证 ×2 and the <script> one; not 20 Sep; fallback/out_of_scope are not declines
    assert s.unhelpful == 1  # helpful=False on 9 Oct; the one at 00:01 on 13 Oct is outside; helpful=True not counted
    assert s.asked == 8  # 5 + 3
    assert s.self_served == 4  # 5 − 1
    assert s.rate == 0.5  # 4 / 8


def test_on_time_rate_counts_first_replies_by_beijing_date(figures):
    t = figures.timeliness
    # due in range: A (9 Oct), B (9 Oct), C (8 Oct), D (12 Oct), E (9 Oct), G (30 Sep)
    assert t.answered == 3  # A, B, E
    assert t.on_time == 2  # A (9 Oct ≤ 9 Oct), E (first reply 9 Oct); B replied 10 Oct Beijing time
    assert t.late_unanswered == 2  # C (8 Oct < 12 Oct), G (30 Sep < 12 Oct)
    assert t.not_yet_due == 1  # D: due today
    assert t.rate == 0.4  # 2 / (3 + 2)


def test_connect_rate_leaves_out_the_requests_still_waiting(figures):
    h = figures.handoffs
    assert (h.claimed, h.waiting) == (4, 1)
    assert h.connect_rate == 0.8  # 4 taken / (6 requested − 1 still waiting)


def test_dispatch_accuracy_counts_tickets_that_stayed_with_their_first_department(figures):
    d = figures.dispatch
    # accepted in range: A (routed, kept), B (staff's first, kept), C (never sent: left out),
    # D (routed, moved and moved back: not kept), E (assigned again to the same: kept), F (routed, kept)
    assert (d.dispatched, d.kept) == (5, 4)
    assert d.rate == 0.8


def test_reopen_rate_counts_closings_rated_dissatisfied(figures):
    o = figures.reopens
    assert o.closed == 3  # A's, E's two; the 28 Sep ticket's closing is outside
    assert o.reopened == 1  # E's first round (不满意); A 满意, E's second round 基本满意
    assert o.rate == 1 / 3


def test_on_time_per_department_judges_each_department_by_its_own_answer(figures):
    t = figures.timeliness_by_department
    # HOUSING leads A (first reply on the due day: on time) and D (due today, unanswered: left out)
    assert (t[HOUSING].answered, t[HOUSING].on_time, t[HOUSING].late_unanswered, t[HOUSING].not_yet_due) == (1, 1, 0, 1)
    # ENVIRONMENT leads B (late), E (on time), G (late, unanswered) and co-handles A (its part on the due day)
    assert (t[ENVIRONMENT].answered, t[ENVIRONMENT].on_time, t[ENVIRONMENT].late_unanswered) == (3, 2, 1)
    assert t[ENVIRONMENT].rate == 0.5
    assert (t[CIVIL].late_unanswered, t[CIVIL].rate) == (1, 0.0)  # C's part never came; C itself has no lead
    assert figures.timeliness.rate == 0.4  # the totals count each ticket once, as before


def test_satisfaction_rate(figures):
    r = figures.satisfaction
    assert r.rated == 3  # A 满意 (10 Oct), E 不满意 (9 Oct), E 基本满意 (11 Oct); H's of 28 Sep 23:00 is outside
    assert r.by_rating == {"满意": 1, "基本满意": 1, "不满意": 1}
    assert r.rate == 2 / 3  # (1 + 1) / 3


def test_overdue_tickets_count_working_days_across_the_national_day_holiday(figures):
    overdue = [(o.number, o.category, o.department, o.deadline.isoformat(), o.working_days_overdue) for o in figures.overdue]
    assert overdue == [
        # due 30 Sep: 1–7 Oct off; 8, 9, 10 (make-up Saturday) and 12 Oct are working days; 11 Oct is Sunday
        ("TS202609150001", "投诉", ENVIRONMENT, "2026-09-30", 4),
        ("JB202609300001", "举报", "待分派", "2026-10-08", 3),  # 9, 10, 12 Oct
        ("TS202609290002", "投诉", ENVIRONMENT, "2026-10-09", 2),  # replied but not closed: 10, 12 Oct
    ]  # A, E, H closed; D due today; F and the 28 Sep ticket due later


def test_working_days_overdue_on_the_holiday_calendar():
    calendar = deployment_calendar(None)
    due = date(2026, 9, 30)
    assert working_days_overdue(calendar, due, date(2026, 10, 7)) == 0  # the whole holiday
    assert working_days_overdue(calendar, due, date(2026, 10, 8)) == 1
    assert working_days_overdue(calendar, due, date(2026, 10, 10)) == 3  # 8, 9 and the make-up Saturday
    assert working_days_overdue(calendar, due, date(2026, 10, 11)) == 3  # Sunday is off
    assert working_days_overdue(calendar, due, date(2026, 10, 12)) == 4


def test_top_unanswered_questions(figures):
    top = [(q.text, q.count, q.last_date.isoformat()) for q in figures.top_unanswered]
    assert len(top) == 10  # 13 groups in the range, the first ten
    assert top[:4] == [
        ("怎么办理居住证", 2, "2026-10-09"),  # two in the range (the 20 Sep one is not counted)
        ("垃圾分类怎么罚款", 1, "2026-10-11"),  # then by the latest first
        (SCRIPT_QUESTION, 1, "2026-10-10"),
        ("今天天气怎么样", 1, "2026-10-08"),
    ]
    assert [text for text, _, _ in top[4:]] == ["问题01", "问题02", "问题03", "问题04", "问题05", "问题06"]


def test_ticket_rows_of_the_range(records):
    rows = ticket_rows(records, START, END, today=TODAY)
    assert [
        (r.number, r.department, r.channel, r.accepted.strftime("%m-%d %H:%M"), r.first_reply, r.on_time, r.rating) for r in rows
    ] == [
        ("TS202609290001", HOUSING, "网页", "09-29 00:30", date(2026, 10, 9), True, "满意"),
        ("TS202609290002", ENVIRONMENT, "微信", "09-29 10:00", date(2026, 10, 10), False, None),
        ("JB202609300001", "待分派", "网页", "09-30 16:00", None, False, None),  # late, unanswered
        ("ZX202610080001", ENVIRONMENT, "网页", "10-08 08:00", date(2026, 10, 9), True, "基本满意"),  # round 2
        ("JY202610080001", HOUSING, "Telegram", "10-08 09:00", None, None, None),  # not yet due
        ("TS202610120001", HOUSING, "微信", "10-12 23:50", None, None, None),
    ]
    assert rows[0].category == "投诉" and rows[0].status == "已办结"


def test_rates_are_none_when_there_is_nothing_to_divide_by(records):
    empty = compute_figures(records, date(2025, 1, 6), date(2025, 1, 12), today=TODAY)
    assert (empty.volumes.tickets, empty.conversations) == (0, 0)
    assert empty.self_service.rate is empty.handoffs.rate is empty.timeliness.rate is empty.satisfaction.rate is None
    assert empty.handoffs.wait_median_seconds is None and empty.top_unanswered == []
    assert list(empty.volumes.by_day.values()) == [0] * 7
    assert len(empty.overdue) == 3  # the overdue list does not depend on the range


def test_figures_as_a_dict_are_json(figures):
    data = json.loads(json.dumps(figures.as_dict()))
    assert data["start"] == "2026-09-29" and data["volumes"]["tickets"] == 6
    assert data["overdue"][0]["deadline"] == "2026-09-30" and data["timeliness"]["rate"] == 0.4


# --- routes ---------------------------------------------------------------------------------------

RANGE = f"start={START}&end={END}"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The routes' "today" (Beijing) is the fixture's, so late and overdue are as computed above."""
    monkeypatch.setattr("bot.console.dashboard_routes.beijing_today", lambda: TODAY)


def test_a_supervisor_gets_the_figures_as_json(records, browser):
    answer = browser("supervisor").request("GET", f"/console/api/dashboard?{RANGE}")
    assert answer.status_code == 200
    data = answer.json()
    assert data["volumes"]["tickets"] == 6 and data["conversations"] == 8 and data["handoffs"]["rate"] == 0.75
    assert data["volumes"]["by_category"] == {"投诉": 3, "举报": 1, "建议": 1, "咨询留言": 1}
    assert browser("admin").request("GET", f"/console/api/dashboard?{RANGE}").status_code == 200


def test_the_default_range_is_the_last_seven_days_up_to_today(browser):
    data = browser("supervisor").request("GET", "/console/api/dashboard").json()
    assert (data["start"], data["end"]) == ("2026-10-06", "2026-10-12") and len(data["volumes"]["by_day"]) == 7


@pytest.mark.parametrize("username", ["agent1", "editor", "dept"])
def test_other_roles_are_refused(browser, username):
    staff = browser(username)
    for path in (
        "/console/dashboard",
        "/console/api/dashboard",
        "/console/api/dashboard/export.xlsx",
        "/console/api/dashboard/figures.csv",
        "/console/api/dashboard/tickets.csv",
        "/console/reports/weekly",
    ):
        assert staff.request("GET", path).status_code == 403, path


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2026-13-01&end=2026-10-12", "YYYY-MM-DD"),
        ("start=yesterday", "YYYY-MM-DD"),
        ("start=2026-10-12&end=2026-10-01", "开始日期不能晚于结束日期"),
        ("start=2025-10-11&end=2026-10-12", "最长 366 天"),  # 367 days
        ("start=0001-01-01&end=0001-01-02", "2000 年至 2099 年"),
    ],
)
def test_a_bad_range_is_refused_in_chinese(browser, query, message):
    supervisor = browser("supervisor")
    for path in ("/console/api/dashboard", "/console/api/dashboard/export.xlsx", "/console/api/dashboard/tickets.csv"):
        answer = supervisor.request("GET", f"{path}?{query}")
        assert answer.status_code == 400 and message in answer.json()["error"], path
    for week in ("2026-02-30", "0001-01-01"):
        assert supervisor.request("GET", f"/console/reports/weekly?week={week}").status_code == 400


def test_a_whole_year_is_allowed(browser):
    assert browser("supervisor").request("GET", "/console/api/dashboard?start=2025-10-12&end=2026-10-12").status_code == 200


def test_the_workbook_has_the_sheets_and_tickets_and_no_personal_data(records, browser, console):
    from openpyxl import load_workbook

    answer = browser("supervisor").request("GET", f"/console/api/dashboard/export.xlsx?{RANGE}")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["指标", "每日", "分类", "渠道", "部门", "部门及时率", "工单"]
    by_department = {row[0]: row for row in book["部门及时率"].iter_rows(values_only=True)}
    assert by_department[ENVIRONMENT] == (ENVIRONMENT, 3, 2, 1, 0, "50.0%")
    tickets = list(book["工单"].iter_rows(values_only=True))
    assert tickets[0][:3] == ("工单号", "类别", "状态") and len(tickets) == 7
    assert {row[0] for row in tickets[1:]} == {
        "TS202609290001",
        "TS202609290002",
        "JB202609300001",
        "ZX202610080001",
        "JY202610080001",
        "TS202610120001",
    }
    figures = dict(book["指标"].iter_rows(values_only=True))
    assert figures["受理工单"] == 6 and figures["转人工率"] == 0.75 and figures["咨询自助解决率"] == 0.5
    assert dict(book["分类"].iter_rows(min_row=2, values_only=True)) == {"投诉": 3, "举报": 1, "建议": 1, "咨询留言": 1}
    assert len(list(book["每日"].iter_rows(min_row=2))) == 14
    cells = " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    assert PHONE not in cells and "5678" not in cells and NAME not in cells
    with console.ctx.factory() as session:
        audits = session.scalars(select(AuditEntry).where(AuditEntry.action == "dashboard.export")).all()
    assert [(a.staff_no, a.target_id, a.detail) for a in audits] == [
        ("3001", "2026-09-29..2026-10-12", {"format": "xlsx", "tickets": 6})
    ]


def test_the_csv_files_start_with_a_bom_and_parse(records, browser):
    supervisor = browser("supervisor")
    figures = supervisor.request("GET", f"/console/api/dashboard/figures.csv?{RANGE}")
    tickets = supervisor.request("GET", f"/console/api/dashboard/tickets.csv?{RANGE}")
    for answer in (figures, tickets):
        assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
        assert "attachment" in answer.headers["content-disposition"]
    figure_rows = list(csv.reader(io.StringIO(figures.content.decode("utf-8-sig"))))
    assert figure_rows[0] == ["分组", "项目", "数值"]
    assert ["指标", "及时率", "40.0%"] in figure_rows and ["指标", "满意率", "66.7%"] in figure_rows
    assert ["指标", "派单准确率", "80.0%"] in figure_rows and ["指标", "重新打开率", "33.3%"] in figure_rows
    assert ["指标", "接通率", "80.0%"] in figure_rows
    assert ["部门", "待分派", "1"] in figure_rows and ["每日", "2026-10-08", "2"] in figure_rows
    ticket_rows_ = list(csv.reader(io.StringIO(tickets.content.decode("utf-8-sig"))))
    assert ticket_rows_[0][0] == "工单号" and len(ticket_rows_) == 7
    assert ticket_rows_[1] == [
        "TS202609290001",
        "投诉",
        "已办结",
        HOUSING,
        "网页",
        "2026-09-29 00:30",
        "2026-10-09",
        "2026-10-09",
        "是",
        "满意",
    ]
    assert PHONE not in tickets.content.decode("utf-8-sig")


def test_the_weekly_report_shows_the_week_against_the_previous_and_escapes_text(records, browser):
    answer = browser("supervisor").request("GET", "/console/reports/weekly?week=2026-10-08")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    assert "2026-10-05 至 2026-10-11" in page  # Monday to Sunday of the week of 8 Oct
    # this week D, E accepted (8 Oct); last week (28 Sep–4 Oct) the 28 Sep 23:30 one, A, B, C
    assert "<tr><td>受理工单</td><td>2</td><td>4</td><td>-2</td></tr>" in page
    # this week: serves 8 Oct ×2, 9 Oct ×2; declines 居住证 ×2 and <script>; 1 not helpful → (4 − 1) / (4 + 3)
    assert "<tr><td>咨询自助解决率</td><td>42.9%</td>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;社保卡丢了" in page and "<script" not in page
    assert "<style" not in page and 'href="/console/static/report.css"' in page
    assert "style-src 'self'" in answer.headers["content-security-policy"]  # why the styles are a linked file
    # dispatch: this week D (moved: not kept), E (kept); last week the 28 Sep one (moved), A, B (kept), C (never sent)
    assert "<tr><td>派单准确率</td><td>50.0%</td><td>66.7%</td><td>-16.7 个百分点</td></tr>" in page
    assert "<tr><td>接通率</td><td>80.0%</td>" in page  # 4 taken of 5 requests (8–10 Oct)
    assert "<tr><td>重新打开率</td><td>33.3%</td>" in page  # A's and E's two closings, E's first reopened
    assert "指标口径" in page and "<dt>派单准确率</dt>" in page
    assert "各部门及时率" in page


def test_the_page_and_its_assets_are_served_from_the_list(browser):
    supervisor = browser("supervisor")
    assert supervisor.request("GET", "/console/static/dashboard.js").status_code == 200
    assert supervisor.request("GET", "/console/static/report.css").headers["content-type"].startswith("text/css")
    assert supervisor.request("GET", "/console/static/app.py").status_code == 404
    page = supervisor.request("GET", "/console/dashboard")
    assert page.status_code == 200 and re.search(r'id="f-tickets"', page.text)
