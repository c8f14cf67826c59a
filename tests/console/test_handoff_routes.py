"""Taking a conversation over in the console: claim, reply, notes, tickets, hand back, the watcher."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from bot.console.watcher import check_queue
from bot.core.db import transaction
from bot.handoff.models import Handoff
from bot.handoff.queue import HandoffRequest
from bot.handoff.transcript import ConversationEvent
from bot.staff.models import AuditEntry
from bot.tickets.models import Ticket, TicketContact, TicketEvent

SUMMARY = {"intent": "complain", "intent_label": "我要投诉", "fields": [{"label": "联系电话", "value": "138****5678"}]}


def _queue(console, conversation: str = "web-1", reason: str = "citizen_asked") -> int:
    return console.ctx.queue.request(HandoffRequest(conversation, "webchat", reason, SUMMARY)).handoff_id


def _event(console, conversation: str, event: dict) -> None:
    with transaction(console.ctx.factory) as session:
        session.add(ConversationEvent(sender_id=conversation, data=json.dumps({"timestamp": 1.0, **event})))


def _actions(console) -> list[str]:
    with console.ctx.factory() as session:
        return [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_queue_lists_waiting_conversations_oldest_first_with_reason_and_summary(console, browser):
    first, second = _queue(console, "web-1"), _queue(console, "web-2", "misunderstood")
    queue = browser("agent1").request("GET", "/console/api/queue").json()
    assert [c["id"] for c in queue["waiting"]] == [first, second]
    assert queue["waiting"][1]["reason_label"] == "连续两次未能理解"
    assert queue["waiting"][0]["summary"]["intent_label"] == "我要投诉"
    assert queue["waiting"][0]["level"] == "ok"


def test_a_claimed_conversation_shows_how_long_it_has_been_going_and_its_channel_in_chinese(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    waiting = agent.request("GET", "/console/api/queue").json()["waiting"][0]
    assert waiting["talk_seconds"] is None and waiting["channel_label"] == "网页"
    agent.request("POST", f"/console/api/handoffs/{handoff}/claim")
    with transaction(console.ctx.factory) as session:
        session.execute(
            update(Handoff).where(Handoff.id == handoff).values(claimed_at=datetime.now(timezone.utc) - timedelta(seconds=90))
        )
    (claimed,) = agent.request("GET", "/console/api/queue").json()["claimed"]
    assert 90 <= claimed["talk_seconds"] < 100  # it runs on: the wait stopped at the claim, the talk did not


def test_two_agents_claiming_at_once_exactly_one_wins_and_the_citizen_hears_one_staff_number(console, browser):
    handoff = _queue(console)
    one, two = browser("agent1"), browser("agent2")

    async def both():
        return await asyncio.gather(
            one.client.post(f"/console/api/handoffs/{handoff}/claim", headers={"X-CSRF-Token": one.csrf}),
            two.client.post(f"/console/api/handoffs/{handoff}/claim", headers={"X-CSRF-Token": two.csrf}),
        )

    answers = asyncio.run(both())
    assert sorted(a.status_code for a in answers) == [200, 409]
    greetings = [c for c in console.ctx.rasa.calls if c[0] == "say"]
    assert len(greetings) == 1 and greetings[0][2] in ("您好，工号 1024 为您服务。", "您好，工号 1025 为您服务。")
    assert _actions(console).count("handoff.claim") == 1


def test_only_the_agent_holding_the_conversation_can_reply_and_the_reply_carries_the_staff_number(console, browser):
    handoff = _queue(console)
    holder, other = browser("agent1"), browser("agent2")
    assert other.request("POST", f"/console/api/handoffs/{handoff}/reply", json={"text": "抢答"}).status_code == 409
    holder.request("POST", f"/console/api/handoffs/{handoff}/claim")
    assert other.request("POST", f"/console/api/handoffs/{handoff}/reply", json={"text": "抢答"}).status_code == 409
    assert holder.request("POST", f"/console/api/handoffs/{handoff}/reply", json={"text": "请问具体地址？"}).status_code == 200
    assert console.ctx.rasa.calls[-1] == ("say", "web-1", "请问具体地址？", "1024")
    assert "handoff.reply" in _actions(console)


def test_a_reply_that_cannot_be_delivered_says_so_and_is_not_lost(console, browser):
    handoff = _queue(console)
    holder = browser("agent1")
    holder.request("POST", f"/console/api/handoffs/{handoff}/claim")
    console.ctx.rasa.down = True
    answer = holder.request("POST", f"/console/api/handoffs/{handoff}/reply", json={"text": "您好"})
    assert answer.status_code == 502 and "未送达" in answer.json()["error"]
    assert "handoff.reply" not in _actions(console)


def test_the_transcript_is_clear_for_the_holder_and_masked_for_anyone_else(console, browser):
    handoff = _queue(console)
    _event(console, "web-1", {"event": "user", "text": "我的电话是13812345678"})
    _event(console, "web-1", {"event": "bot", "text": "您好，工号 1024 为您服务。", "metadata": {"staff_no": "1024"}})
    holder, other = browser("agent1"), browser("supervisor")
    holder.request("POST", f"/console/api/handoffs/{handoff}/claim")
    clear = holder.request("GET", f"/console/api/handoffs/{handoff}/messages").json()["lines"]
    masked = other.request("GET", f"/console/api/handoffs/{handoff}/messages").json()["lines"]
    assert clear[0]["text"] == "我的电话是13812345678" and masked[0]["text"] == "我的电话是138****5678"
    assert clear[1]["who"] == "staff" and clear[1]["staff_no"] == "1024"
    later = holder.request("GET", f"/console/api/handoffs/{handoff}/messages?after={clear[0]['id']}").json()["lines"]
    assert [line["id"] for line in later] == [clear[1]["id"]]


def test_staff_read_button_presses_by_their_title_and_no_internal_codes(console, browser):
    handoff = _queue(console)
    _event(
        console,
        "web-1",
        {
            "event": "bot",
            "text": "要转人工吗？",
            "data": {"buttons": [{"title": "是的", "payload": "/affirm"}, {"title": "不用了", "payload": "/deny"}]},
        },
    )
    _event(console, "web-1", {"event": "user", "text": "/affirm"})
    _event(console, "web-1", {"event": "pause"})
    _event(console, "web-1", {"event": "user", "text": "EXTERNAL: handoff_returned"})
    lines = browser("agent1").request("GET", f"/console/api/handoffs/{handoff}/messages").json()["lines"]
    assert [(line["who"], line["text"]) for line in lines[1:]] == [("citizen", "（点击）是的"), ("system", "转人工")]
    assert "buttons" not in lines[0]


def test_private_notes_are_kept_for_staff_and_never_sent(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    agent.request("POST", f"/console/api/handoffs/{handoff}/notes", json={"text": "市民情绪激动，需回访"})
    detail = agent.request("GET", f"/console/api/handoffs/{handoff}").json()
    assert [n["text"] for n in detail["notes"]] == ["市民情绪激动，需回访"]
    assert console.ctx.rasa.calls == []


def test_staff_create_a_ticket_with_the_bots_rules_and_the_citizen_is_told_number_and_date(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    agent.request("POST", f"/console/api/handoffs/{handoff}/claim")
    console.ctx.rasa.slot_values = {"case_description": "楼下餐馆油烟很大", "contact_phone": "13812345678"}
    form = agent.request("GET", f"/console/api/handoffs/{handoff}/ticket-form?category=complaint").json()
    prefilled = {f["name"]: f["value"] for f in form["fields"]}
    assert prefilled["case_description"] == "楼下餐馆油烟很大"
    fields = {
        **prefilled,
        "case_location": "幸福路12号",
        "case_time": "每天晚上",
        "case_party": "某某餐馆",
        "contact_name": "张三",
    }
    body = {"category": "complaint", "fields": fields, "submission": "s-1"}
    created = agent.request("POST", f"/console/api/handoffs/{handoff}/tickets", json=body).json()
    again = agent.request("POST", f"/console/api/handoffs/{handoff}/tickets", json=body).json()
    assert created["number"].startswith("TS") and again["number"] == created["number"]  # a double click: one ticket
    with console.ctx.factory() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == created["number"]))
        contact = session.get(TicketContact, ticket.id)
        event = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))
    assert ticket.working_days == 3 and ticket.deadline.isoformat() == created["due"]
    assert contact.phone == "13812345678" and "contact_phone" not in ticket.fields
    assert event.actor == "staff:1024"
    notice = [c for c in console.ctx.rasa.calls if c[0] == "say"][-1]
    assert created["number"] in notice[2] and "3个工作日" in notice[2] and notice[3] == "1024"
    assert "ticket.create_for_citizen" in _actions(console)


def test_a_ticket_with_missing_fields_is_refused_with_their_names(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    agent.request("POST", f"/console/api/handoffs/{handoff}/claim")
    answer = agent.request(
        "POST", f"/console/api/handoffs/{handoff}/tickets", json={"category": "complaint", "fields": {"case_description": "油烟"}}
    )
    assert answer.status_code == 400 and "地点" in answer.json()["error"]


def test_handing_back_resumes_the_bot_which_tells_the_citizen(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    agent.request("POST", f"/console/api/handoffs/{handoff}/claim")
    assert agent.request("POST", f"/console/api/handoffs/{handoff}/hand-back").status_code == 200
    assert console.ctx.rasa.calls[-2:] == [("resume", "web-1"), ("trigger", "web-1", "handoff_returned")]
    assert console.ctx.queue.get(handoff).status == "returned"


def test_a_hand_back_rasa_did_not_take_leaves_the_conversation_with_the_agent(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    agent.request("POST", f"/console/api/handoffs/{handoff}/claim")
    console.ctx.rasa.down = True
    assert agent.request("POST", f"/console/api/handoffs/{handoff}/hand-back").status_code == 502
    assert console.ctx.queue.get(handoff).status == "claimed"


def test_nobody_claims_in_time_the_bot_takes_the_conversation_back_and_offers_a_message(console):
    handoff = _queue(console)
    later = datetime.now(timezone.utc) + timedelta(seconds=121)
    asyncio.run(check_queue(console.ctx.queue, console.ctx.rasa, now=later))
    assert console.ctx.rasa.calls == [("resume", "web-1"), ("trigger", "web-1", "handoff_unclaimed")]
    assert console.ctx.queue.get(handoff).end_reason == "timeout"
    asyncio.run(check_queue(console.ctx.queue, console.ctx.rasa, now=later))  # once only
    assert len(console.ctx.rasa.calls) == 2


def test_a_timeout_rasa_did_not_take_is_retried_on_the_next_round(console):
    handoff = _queue(console)
    later = datetime.now(timezone.utc) + timedelta(seconds=121)
    console.ctx.rasa.down = True
    asyncio.run(check_queue(console.ctx.queue, console.ctx.rasa, now=later))
    assert console.ctx.queue.get(handoff).status == "waiting"
    console.ctx.rasa.down = False
    asyncio.run(check_queue(console.ctx.queue, console.ctx.rasa, now=later))
    assert console.ctx.queue.get(handoff).status == "unclaimed"


def test_citizens_further_back_are_told_when_their_place_changes(console, browser):
    first, _second = _queue(console, "web-1"), _queue(console, "web-2")
    browser("agent1").request("POST", f"/console/api/handoffs/{first}/claim")
    asyncio.run(check_queue(console.ctx.queue, console.ctx.rasa))
    moved = [c for c in console.ctx.rasa.calls if c[1] == "web-2"]
    assert moved == [("say", "web-2", "您已排到第一位，工作人员马上为您服务。", None)]
    asyncio.run(check_queue(console.ctx.queue, console.ctx.rasa))  # told once
    assert len([c for c in console.ctx.rasa.calls if c[1] == "web-2"]) == 1


def test_empty_huge_and_sql_looking_replies_get_clear_answers(console, browser):
    handoff = _queue(console)
    agent = browser("agent1")
    agent.request("POST", f"/console/api/handoffs/{handoff}/claim")
    for text in ("", "   ", "长" * 2001):
        answer = agent.request("POST", f"/console/api/handoffs/{handoff}/reply", json={"text": text})
        assert answer.status_code == 400 and "2000" in answer.json()["error"]
    odd = "'; DROP TABLE handoffs; -- 😀"
    assert agent.request("POST", f"/console/api/handoffs/{handoff}/reply", json={"text": odd}).status_code == 200
    assert console.ctx.rasa.calls[-1][2] == odd and console.ctx.queue.get(handoff).status == "claimed"
    assert (
        agent.request(
            "POST", f"/console/api/handoffs/{handoff}/reply", content=b"not json", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )


def test_a_database_outage_gets_a_clear_answer_instead_of_a_crash(console, browser, monkeypatch):
    agent = browser("agent1")

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(console.ctx.queue, "waiting", broken)
    answer = agent.request("GET", "/console/api/queue")
    assert answer.status_code == 503 and "数据库暂时不可用" in answer.json()["error"]
