"""Co-handling (主办 / 协办) in the console, on SQLite and PostgreSQL: hotline staff set co-departments;
a co-department sees the ticket, accepts it and answers its part but not the citizen; the lead's reply
carries the parts; the citizen's notice names who handles it; every step audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.staff.accounts import create_user
from bot.staff.models import AuditEntry
from bot.tickets.notice_outbox import claim_next, notice_being_sent, settle
from bot.tickets.service import TicketDraft
from tests.console.conftest import PASSWORD

LEAD, CO = "住房和城乡建设局", "民政局"  # the dept fixture user belongs to the lead department


@pytest.fixture
def console_database_url(database_url: str) -> str:
    return database_url


@pytest.fixture
def ticket(console) -> str:
    create_user(console.ctx.factory, username="civil", staff_no="5100", role="department", password=PASSWORD, department=CO)
    draft = TicketDraft(
        category="complaint",
        fields={"case_description": "老旧小区加装电梯，楼里的孤寡老人补贴一直没落实"},
        channel="webchat",
        conversation_id="c1",
        submission_key="k1",
        phone="13812345678",
    )
    number = console.ctx.desk.create(draft).number
    return number


def _numbers(user) -> list[str]:
    return [t["number"] for t in user.request("GET", "/console/api/tickets").json()["tickets"]]


def test_a_co_department_sees_accepts_and_answers_its_part_and_the_lead_answers_the_citizen(console, browser, ticket):
    agent, lead, co = browser("agent1"), browser("dept"), browser("civil")
    assert agent.request("POST", f"/console/api/tickets/{ticket}/assign", json={"department": LEAD}).status_code == 200
    assert ticket not in _numbers(co)
    set_co = agent.request("POST", f"/console/api/tickets/{ticket}/co", json={"departments": [CO]})
    assert set_co.status_code == 200 and set_co.json()["co_departments"] == [CO]
    assert ticket in _numbers(co)
    seen = co.request("GET", f"/console/api/tickets/{ticket}").json()
    assert seen["actions"][:2] == ["co_accept", "co_reply"] and "start" not in seen["actions"] and not seen["lead"]
    refused = co.request("POST", f"/console/api/tickets/{ticket}/start")
    assert refused.status_code == 409 and "协办部门" in refused.json()["error"]
    assert co.request("POST", f"/console/api/tickets/{ticket}/co_accept").status_code == 200
    assert (
        co.request("POST", f"/console/api/tickets/{ticket}/co_reply", json={"text": "已核实，补贴本月发放。"}).status_code == 200
    )

    assert lead.request("POST", f"/console/api/tickets/{ticket}/start").status_code == 200
    assert lead.request("POST", f"/console/api/tickets/{ticket}/reply", json={"text": "电梯加装已立项。"}).status_code == 200
    detail = agent.request("GET", f"/console/api/tickets/{ticket}").json()
    assert detail["latest_reply"] == "电梯加装已立项。\n\n协办单位答复：\n民政局：已核实，补贴本月发放。"
    assert detail["co_departments"][0]["status_label"] == "已答复"
    too_late = co.request("POST", f"/console/api/tickets/{ticket}/co_reply", json={"text": "补充"})
    assert too_late.status_code == 409 and "主办部门已答复" in too_late.json()["error"]

    told = []
    while (notice := claim_next(console.ctx.factory)) is not None:
        told.append(notice_being_sent(console.ctx.factory, notice.conversation_id))
        settle(console.ctx.factory, notice.id, "sent")
    assert [t.values["department"] for t in told] == [f"{LEAD}（主办）会同{CO}（协办）"] * 2  # accepted, replied
    assert "民政局：已核实" in told[-1].values["reply"]
    with console.ctx.factory() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("ticket.co_%"))).all()
    assert sorted(actions) == ["ticket.co_accept", "ticket.co_departments", "ticket.co_reply"]


def test_only_hotline_staff_set_co_departments_and_the_lead_cannot_be_one(browser, ticket):
    agent = browser("agent1")
    agent.request("POST", f"/console/api/tickets/{ticket}/assign", json={"department": LEAD})
    for body, why in (
        ({"departments": [LEAD]}, "主办部门不能同时是协办部门"),
        ({"departments": ["不存在局"]}, "不能选择"),
        ({"departments": "民政局"}, "请选择协办部门"),
    ):
        refused = agent.request("POST", f"/console/api/tickets/{ticket}/co", json=body)
        assert refused.status_code in (400, 409) and why in refused.json()["error"], body
    assert browser("dept").request("POST", f"/console/api/tickets/{ticket}/co", json={"departments": [CO]}).status_code == 409
    assert agent.request("POST", f"/console/api/tickets/{ticket}/co", json={"departments": []}).json()["co_departments"] == []
