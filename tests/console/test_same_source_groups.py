"""Staff and same-source groups (同源诉求) in the console: a linked ticket shows its group; hotline
staff confirm, split and merge (audited; departments may not); one reply answers the whole group and
every linked citizen gets the notice. On SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.staff.models import AuditEntry
from bot.tickets.models import Ticket, TicketNotice
from bot.tickets.service import TicketDraft

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
HOUSING = "住房和城乡建设局"
REPORTS = [  # three citizens about one construction site's night work, and one about something else
    ("a", "幸福路12号工地每天晚上十一点以后还在打桩，吵得全楼睡不着", "幸福路12号工地"),
    ("b", "幸福路那个工地半夜施工，噪音太大，孩子被吵醒好几次", "幸福路12号"),
    ("c", "幸福路12号的建筑工地夜里还在干活，机器声音很响", "幸福路十二号工地"),
    ("d", "光明街菜市场门口垃圾堆了好几天没人清运", "光明街菜市场"),
]


@pytest.fixture
def console_database_url(database_url: str) -> str:
    return database_url


def _created(console) -> dict[str, object]:
    made = {}
    for n, (key, description, place) in enumerate(REPORTS):
        draft = TicketDraft(
            category="complaint",
            fields={"case_description": description, "case_location": place},
            channel="webchat",
            conversation_id=f"citizen-{key}",
            submission_key=key,
            phone="13812345678",
        )
        made[key] = console.ctx.desk.create(draft, now=NOW + timedelta(hours=n))
    return made


def _group(browser, who: str, number: str) -> dict | None:
    return browser(who).request("GET", f"/console/api/tickets/{number}").json()["group"]


def test_a_linked_ticket_shows_its_group_and_the_citizen_count(console, browser):
    made = _created(console)
    assert [made[k].same_source for k in "abcd"] == [0, 1, 2, 0]
    group = _group(browser, "agent1", made["c"].number)
    assert (group["size"], group["citizens"], group["confirmed"]) == (3, 3, False)
    assert [t["number"] for t in group["tickets"]] == [made[k].number for k in "abc"]
    assert [t["this"] for t in group["tickets"]] == [False, False, True]
    assert _group(browser, "agent1", made["d"].number) is None


def test_hotline_staff_confirm_split_and_merge_and_each_change_is_audited(console, browser):
    made = _created(console)
    agent = browser("agent1")
    path = f"/console/api/tickets/{made['b'].number}/group"
    confirmed = agent.request("POST", path, json={"action": "confirm"}).json()["group"]
    assert confirmed["confirmed"] and confirmed["confirmed_by"] == "staff:1024"
    split = agent.request("POST", path, json={"action": "split"})
    assert split.status_code == 200 and split.json()["group"] is None
    assert _group(browser, "agent1", made["a"].number)["size"] == 2
    merged = agent.request("POST", path, json={"action": "merge", "into": made["c"].number.lower()}).json()["group"]
    assert merged["size"] == 3
    refused = agent.request("POST", path, json={"action": "merge", "into": made["a"].number})
    assert refused.status_code == 409 and "已在同一组" in refused.json()["error"]
    unknown = agent.request("POST", path, json={"action": "merge", "into": "TS209901010001"})
    assert unknown.status_code == 409 and "没有找到" in unknown.json()["error"]
    with console.ctx.factory() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("ticket.group_%")).order_by(AuditEntry.id)
        ).all()
    assert actions == ["ticket.group_confirm", "ticket.group_split", "ticket.group_merge"]


def test_a_department_may_reply_to_the_group_but_not_change_it(console, browser):
    made = _created(console)
    dept = browser("dept")  # 住房和城乡建设局
    refused = dept.request("POST", f"/console/api/tickets/{made['a'].number}/group", json={"action": "split"})
    assert refused.status_code == 409 and "热线工作人员" in refused.json()["error"]


def test_one_reply_answers_the_whole_group_and_every_linked_citizen_is_told(console, browser):
    made = _created(console)
    supervisor = browser("supervisor")
    numbers = [made[k].number for k in "abc"]
    for number in numbers:
        ticket = supervisor.request("GET", f"/console/api/tickets/{number}").json()
        if ticket["status"] == "unassigned":
            assert (
                supervisor.request("POST", f"/console/api/tickets/{number}/assign", json={"department": HOUSING}).status_code
                == 200
            )
    assert supervisor.request("POST", f"/console/api/tickets/{numbers[0]}/start").status_code == 200
    reply = {"text": "已责令工地停止夜间施工，城管将每晚巡查。", "whole_group": True}
    assert supervisor.request("POST", f"/console/api/tickets/{numbers[0]}/reply", json=reply).status_code == 200
    with console.ctx.factory() as session:
        tickets = {t.number: t for t in session.scalars(select(Ticket))}
        notices = session.execute(
            select(Ticket.number, TicketNotice.kind)
            .join(Ticket, Ticket.id == TicketNotice.ticket_id)
            .where(TicketNotice.kind == "replied")
        ).all()
    assert all(tickets[n].status == "replied" and tickets[n].latest_reply == reply["text"] for n in numbers)
    assert tickets[made["d"].number].status != "replied"  # not in the group
    assert sorted(n for n, _ in notices) == sorted(numbers)
    alone = {"text": "已清运。"}  # without whole_group only that ticket is answered
    d = made["d"].number
    supervisor.request("POST", f"/console/api/tickets/{d}/assign", json={"department": "城市管理局"})
    supervisor.request("POST", f"/console/api/tickets/{d}/start")
    assert supervisor.request("POST", f"/console/api/tickets/{d}/reply", json=alone).json()["status"] == "replied"
