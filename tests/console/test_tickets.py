"""Handling tickets in the console: the status flow and who may do what, masked identities and
audited reveals, deadline extensions and the due-soon/overdue marks across a holiday."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, update

from bot.core.db import transaction
from bot.handoff.transcript import ConversationEvent
from bot.staff.accounts import create_user
from bot.staff.models import AuditEntry
from bot.tickets.handling import mark_deadlines
from bot.tickets.models import Ticket, TicketNotice
from bot.tickets.notice_outbox import notice_being_sent
from bot.tickets.service import TicketDraft
from tests.console.conftest import PASSWORD

ACCEPTED = datetime(2026, 9, 28, 2, 0, tzinfo=timezone.utc)  # a Monday morning in Beijing


def _ticket(
    console, category: str = "complaint", anonymous: bool = False, key: str = "k1", description: str = "楼下餐馆油烟扰民"
) -> str:
    fields = {"case_description": description, "case_location": "幸福路12号", "case_time": "每天晚上", "case_party": "某餐馆"}
    draft = TicketDraft(
        category=category,
        fields=fields,
        channel="webchat",
        conversation_id="c1",
        submission_key=key,
        name=None if anonymous else "张三",
        phone=None if anonymous else "13812345678",
        anonymous=anonymous,
    )
    return console.ctx.desk.create(draft, now=ACCEPTED).number


@pytest.fixture
def department_user(console, browser):
    create_user(
        console.ctx.factory, username="env-staff", staff_no="5001", role="department", password=PASSWORD, department="生态环境局"
    )
    return browser("env-staff")


def test_the_status_flow_from_assignment_to_closing_with_roles(console, browser, department_user):
    number = _ticket(console)
    agent, supervisor = browser("agent1"), browser("supervisor")
    assert department_user.request("GET", f"/console/api/tickets/{number}").status_code == 404  # not theirs yet
    assert (
        department_user.request("POST", f"/console/api/tickets/{number}/assign", json={"department": "生态环境局"}).status_code
        == 404
    )
    assert (
        agent.request("POST", f"/console/api/tickets/{number}/assign", json={"department": "生态环境局"}).json()["status"]
        == "assigned"
    )
    assert [t["number"] for t in department_user.request("GET", "/console/api/tickets").json()["tickets"]] == [number]
    assert department_user.request("POST", f"/console/api/tickets/{number}/close").status_code == 409  # not replied yet
    assert department_user.request("POST", f"/console/api/tickets/{number}/start").json()["status"] == "in_progress"
    empty = department_user.request("POST", f"/console/api/tickets/{number}/reply", json={"text": " "})
    assert empty.status_code == 409 and "答复内容" in empty.json()["error"]
    department_user.request("POST", f"/console/api/tickets/{number}/reply", json={"text": "已责令餐馆安装油烟净化设备。"})
    assert department_user.request("POST", f"/console/api/tickets/{number}/close").status_code == 409  # hotline closes
    assert supervisor.request("POST", f"/console/api/tickets/{number}/close").json()["status"] == "closed"
    events = supervisor.request("GET", f"/console/api/tickets/{number}").json()["events"]
    assert [e["kind"] for e in events] == ["created", "assign", "start", "reply", "close"]
    assert events[3]["detail"]["reply"] == "已责令餐馆安装油烟净化设备。" and events[3]["actor"] == "staff:5001"


def test_editors_cannot_handle_tickets(browser, console):
    number = _ticket(console)
    assert browser("editor").request("GET", f"/console/api/tickets/{number}").status_code == 403


def test_identity_is_masked_and_revealing_it_is_for_supervisors_and_audited(console, browser):
    number = _ticket(console)
    agent, supervisor = browser("agent1"), browser("supervisor")
    masked = agent.request("GET", f"/console/api/tickets/{number}").json()["contact"]
    assert masked == {"anonymous": False, "name": "张*", "phone": "138****5678"}
    assert agent.request("POST", f"/console/api/tickets/{number}/reveal").status_code == 409
    assert "13812345678" not in supervisor.request("GET", f"/console/api/tickets/{number}?reveal=1").text  # GET never reveals
    clear = supervisor.request("POST", f"/console/api/tickets/{number}/reveal").json()["contact"]
    assert clear["phone"] == "13812345678"
    with console.ctx.factory() as session:
        reveals = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.reveal_contact")).all()
    assert [(r.staff_no, r.target_id) for r in reveals] == [("3001", number)]
    report = _ticket(console, "report", anonymous=True, key="k2")
    assert supervisor.request("POST", f"/console/api/tickets/{report}/reveal").json()["contact"]["name"] == "匿名"


def test_a_department_acts_on_a_report_without_learning_who_reported_it(console, browser, department_user):
    with transaction(console.ctx.factory) as session:
        for event in (
            {"event": "user", "text": "我叫张三，电话13812345678，举报某化工厂偷排"},
            {"event": "bot", "text": "请确认：姓名：张三；电话：138****5678"},
            {"event": "user", "text": "张三"},
        ):
            session.add(ConversationEvent(sender_id="c1", data=json.dumps({"timestamp": 1.0, **event}, ensure_ascii=False)))
    report = _ticket(console, "report", key="r1", description="张三家楼下的化工厂偷排，联系张三13812345678")
    supervisor = browser("supervisor")
    supervisor.request("POST", f"/console/api/tickets/{report}/assign", json={"department": "生态环境局"})

    seen = department_user.request("GET", f"/console/api/tickets/{report}").json()
    assert seen["contact"] == {"anonymous": True, "name": "举报人信息保密", "phone": ""}
    assert seen["transcript"] == [] and "conversation_id" not in seen
    assert seen["fields"]["case_description"] == "张*家楼下的化工厂偷排，联系张*138****5678"
    assert seen["fields"]["case_location"] == "幸福路12号"  # what the department needs to act stays

    staff_view = json.dumps(browser("agent1").request("GET", f"/console/api/tickets/{report}").json(), ensure_ascii=False)
    assert "张三" not in staff_view and "13812345678" not in staff_view and "姓名：张*" in staff_view


def test_an_extension_needs_a_reason_and_counts_working_days_over_the_holiday(console, browser):
    number = _ticket(console)
    supervisor = browser("supervisor")
    with console.ctx.factory() as session:
        assert session.scalar(select(Ticket.deadline).where(Ticket.number == number)) == date(2026, 10, 8)
    assert supervisor.request("POST", f"/console/api/tickets/{number}/extend", json={"working_days": 2}).status_code == 409
    assert (
        browser("agent1")
        .request("POST", f"/console/api/tickets/{number}/extend", json={"working_days": 2, "reason": "需现场核查"})
        .status_code
        == 409
    )
    extended = supervisor.request(
        "POST", f"/console/api/tickets/{number}/extend", json={"working_days": 2, "reason": "需现场核查"}
    )
    # 9 October, then Saturday 10 October: a make-up working day (调休) after the National Day holiday
    assert extended.json()["deadline"] == "2026-10-10"
    # the citizen was promised 8 October: they are told the new date and why
    with transaction(console.ctx.factory) as session:
        notice = session.scalar(select(TicketNotice).where(TicketNotice.kind == "extended"))
        assert notice.status == "pending"
        notice.status = "sending"  # as the console's notice job takes it
    said = notice_being_sent(console.ctx.factory, "c1")
    assert said.response == "utter_ticket_notice_extended"
    assert said.values["due_date"].endswith("10月10日") and said.values["reason"] == "需现场核查"


def test_deadline_marks_see_through_the_holiday_and_are_shown_in_the_list(console, browser):
    due_after_holiday = _ticket(console, key="a")
    late = _ticket(console, key="b")
    with transaction(console.ctx.factory) as session:
        session.execute(update(Ticket).where(Ticket.number == due_after_holiday).values(deadline=date(2026, 10, 8)))
        session.execute(update(Ticket).where(Ticket.number == late).values(deadline=date(2026, 9, 29)))
    counts = mark_deadlines(console.ctx.factory, console.ctx.desk.calendar, today=date(2026, 9, 30))
    assert counts == {"due_soon": 1, "overdue": 1}  # 8 October is the next working day after 30 September
    rows = {
        t["number"]: t["deadline_state"] for t in browser("supervisor").request("GET", "/console/api/tickets").json()["tickets"]
    }
    assert rows == {due_after_holiday: "due_soon", late: "overdue"}
    assert mark_deadlines(console.ctx.factory, console.ctx.desk.calendar, today=date(2026, 9, 25)) == {
        "due_soon": 0,
        "overdue": 0,
    }


def test_filters_by_status_department_and_due_within_working_days(console, browser):
    first, second = _ticket(console, key="a"), _ticket(console, key="b")
    agent = browser("agent1")
    agent.request("POST", f"/console/api/tickets/{first}/assign", json={"department": "住房和城乡建设局"})  # reassigned
    agent.request("POST", f"/console/api/tickets/{first}/start")
    listed = lambda query: [t["number"] for t in agent.request("GET", f"/console/api/tickets?{query}").json()["tickets"]]
    assert listed("status=in_progress") == [first] and listed("department=住房和城乡建设局") == [first]
    assert listed("overdue=1") == [first, second]  # due 8 October 2026, long past
    assert sorted(listed("due_within=30")) == sorted([first, second])


def test_only_active_departments_are_offered_and_assigned(console, browser):
    number = _ticket(console)
    admin, supervisor = browser("admin"), browser("supervisor")
    assert (
        admin.request(
            "POST", "/console/api/departments/%E7%94%9F%E6%80%81%E7%8E%AF%E5%A2%83%E5%B1%80/active", json={"active": False}
        ).status_code
        == 200
    )  # 生态环境局 deactivated
    offered = supervisor.request("GET", "/console/api/tickets").json()["departments"]
    assert "生态环境局" not in offered and "住房和城乡建设局" in offered
    refused = supervisor.request("POST", f"/console/api/tickets/{number}/assign", json={"department": "生态环境局"})
    assert refused.status_code == 409 and "已停用" in refused.json()["error"]
    assert (
        supervisor.request("POST", f"/console/api/tickets/{number}/assign", json={"department": "不存在的局"}).status_code == 409
    )


def test_staff_find_a_ticket_by_number_or_the_citizens_phone_and_see_only_the_actions_they_can_take(console, browser):
    number = _ticket(console)
    other = _ticket(console, key="k-other")
    agent, supervisor = browser("agent1"), browser("supervisor")
    found = lambda who, q: [t["number"] for t in who.request("GET", "/console/api/tickets", params={"q": q}).json()["tickets"]]
    assert found(agent, number.lower()) == [number] and set(found(agent, number[:10])) == {number, other}
    assert set(found(agent, "138 1234 5678")) == {number, other}  # the citizen on the phone gives their number
    assert found(agent, "13900000000") == []
    # "co": hotline staff choose co-handling departments (协办) until the ticket is closed
    assert agent.request("GET", f"/console/api/tickets/{number}").json()["actions"] == ["assign", "start", "co", "note"]
    assert supervisor.request("GET", f"/console/api/tickets/{number}").json()["actions"] == [
        "assign",
        "start",
        "co",
        "note",
        "extend",
    ]
    for action in ("start", "reply"):
        supervisor.request("POST", f"/console/api/tickets/{number}/{action}", json={"text": "已处理"})
    supervisor.request("POST", f"/console/api/tickets/{number}/close")
    assert supervisor.request("GET", f"/console/api/tickets/{number}").json()["actions"] == ["note"]  # 已办结
    events = supervisor.request("GET", f"/console/api/tickets/{number}").json()["events"]
    assert events[0]["actor_label"] == "市民" and events[-1]["actor_label"].startswith("工号 3001")  # 工号 and name
