"""Handoff through the running assistant (REST channel): triggers in the real NLU, the pause, the
time-out that brings the bot back with a 留言 offer, and two agents claiming at once on the console."""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from bot.console.rasa_api import RasaApi
from bot.console.watcher import check_queue
from bot.handoff.models import Handoff
from bot.handoff.queue import HandoffQueue
from bot.messaging.conversation_ids import conversation_id
from bot.tickets.models import Ticket
from tests.integration.conftest import STAFF_PASSWORD, say, stack_database, staff_account, texts, tracker

pytestmark = pytest.mark.stack


def _citizen() -> str:
    return f"citizen-{uuid.uuid4().hex[:8]}"


def _handoffs(stack, conversation: str) -> list[Handoff]:
    with stack_database(stack)() as session:
        return list(session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id("rest", conversation))))


def test_while_a_person_is_awaited_the_bot_stays_silent_and_the_citizens_words_are_kept(stack):
    citizen = _citizen()
    assert "已为您转接人工客服" in texts(say(stack, citizen, "帮我转人工客服"))
    assert say(stack, citizen, "还要等多久？") == []
    state = tracker(stack, citizen)
    assert state["paused"] and state["events"][-1]["text"] == "还要等多久？"
    (handoff,) = _handoffs(stack, citizen)
    assert handoff.status == "waiting" and handoff.reason == "citizen_asked"


def test_a_sensitive_topic_goes_straight_to_a_person(stack):
    citizen = _citizen()
    assert "已为您转接人工客服" in texts(say(stack, citizen, "我们小区几十户准备集体上访"))
    (handoff,) = _handoffs(stack, citizen)
    assert handoff.reason == "sensitive_topic" and handoff.summary["topic"] == "群体性事件"


def test_an_angry_citizen_gets_an_apology_first_and_a_person_the_second_time(stack):
    citizen = _citizen()
    assert "非常抱歉" in texts(say(stack, citizen, "什么破机器人"))
    assert _handoffs(stack, citizen) == []
    assert "已为您转接人工客服" in texts(say(stack, citizen, "垃圾机器人，听不懂人话"))
    assert _handoffs(stack, citizen)[0].reason == "anger"


def test_nobody_claims_in_time_the_bot_resumes_offers_a_message_and_the_callback_ticket_is_created(stack):
    citizen = _citizen()
    say(stack, citizen, "转人工")
    queue = HandoffQueue.from_settings(stack.settings, stack_database(stack))
    later = datetime.now(timezone.utc) + queue.claim_timeout + timedelta(seconds=1)
    asyncio.run(check_queue(queue, RasaApi(stack.rasa_url, stack.token), now=later))

    state = tracker(stack, citizen)
    offered = [e for e in state["events"] if e["event"] == "bot"][-1]
    assert not state["paused"] and "工作人员暂时都在忙" in offered["text"]
    assert [b["payload"] for b in offered["data"]["buttons"]] == ["/leave_message"]
    assert _handoffs(stack, citizen)[0].end_reason == "timeout"

    assert "请写下您想咨询的问题" in texts(say(stack, citizen, "/leave_message"))
    assert "联系电话" in texts(say(stack, citizen, "孩子转学需要准备哪些材料，想请工作人员回电"))
    notice = texts(say(stack, citizen, "13812345678"))
    number = re.search(r"ZX\d{12}", notice).group(0)
    with stack_database(stack)() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.category == "consultation" and ticket.conversation_id == conversation_id("rest", citizen)


def _signed_in(stack, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=stack.console_url.removesuffix("/console/"), timeout=30)
    page = client.get("/console/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert (
        client.post("/console/login", data={"csrf": token, "username": username, "password": STAFF_PASSWORD}).status_code == 303
    )
    return client, client.get("/console/api/me").json()["csrf"]


def test_two_agents_claiming_at_once_on_the_running_console_exactly_one_wins(stack):
    citizen = _citizen()
    say(stack, citizen, "转人工")
    (handoff,) = _handoffs(stack, citizen)
    agents = []
    for _ in range(2):
        agents.append(_signed_in(stack, staff_account(stack, "agent").username))
    start, codes = threading.Barrier(2), []

    def claim(client: httpx.Client, csrf: str) -> None:
        start.wait()
        codes.append(client.post(f"/console/api/handoffs/{handoff.id}/claim", headers={"X-CSRF-Token": csrf}).status_code)

    threads = [threading.Thread(target=claim, args=agent) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 409]
    staff_lines = [
        e for e in tracker(stack, citizen)["events"] if e["event"] == "bot" and (e.get("metadata") or {}).get("staff_no")
    ]
    assert len(staff_lines) == 1 and "为您服务" in staff_lines[0]["text"]
