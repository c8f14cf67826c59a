"""The NLU review in the console: who may label, one click per message, audited; and the router's
three likeliest departments on a ticket for the staff who assign it."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from bot.core.db import transaction
from bot.handoff.transcript import ConversationEvent
from bot.review.queue import collect, pending_and_labelled
from bot.staff.models import AuditEntry
from bot.tickets.service import TicketDraft


def _unsure_message(console, text: str) -> int:
    event = {
        "event": "user",
        "timestamp": 1796000000.0,
        "text": text,
        "parse_data": {
            "intent": {"name": "nlu_fallback", "confidence": 0.5},
            "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "complain", "confidence": 0.45}],
        },
    }
    with transaction(console.ctx.factory) as session:
        session.add(ConversationEvent(sender_id="c-review", data=json.dumps(event, ensure_ascii=False)))
    collect(console.ctx.factory)
    return next(i["id"] for i in console_items(console) if i["text"] == text)


def console_items(console):
    return pending_and_labelled(console.ctx.factory, labelled=False)


def test_editors_label_an_unsure_message_with_one_click_and_it_is_audited(console, browser):
    item = _unsure_message(console, "幸福路那边井盖没了好几天")
    editor = browser("editor")
    listing = editor.request("GET", "/console/api/review").json()
    [shown] = [i for i in listing["items"] if i["id"] == item]
    assert shown["predicted"] == "nlu_fallback" and shown["ranking"][0]["name"] == "complain"
    assert listing["names"]["complain"] == "投诉/求助"
    assert editor.request("POST", f"/console/api/review/{item}/label", json={"intent": "complain"}).status_code == 200
    assert all(i["id"] != item for i in editor.request("GET", "/console/api/review").json()["items"])
    [done] = editor.request("GET", "/console/api/review?labelled=1").json()["items"]
    assert done["label"] == "complain" and done["labelled_by"] == "2001"
    bad = editor.request("POST", f"/console/api/review/{item}/label", json={"intent": "drop_tables"})
    assert bad.status_code == 400 and "意图" in bad.json()["error"]
    assert editor.request("POST", "/console/api/review/999999/label", json={"intent": "complain"}).status_code == 404
    with console.ctx.factory() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "nlu.label")).detail == {"label": "complain"}


def test_agents_and_departments_cannot_open_the_review(console, browser):
    for username in ("agent1", "dept"):
        assert browser(username).request("GET", "/console/api/review").status_code == 403


def test_staff_assigning_a_ticket_see_the_three_likeliest_departments(console, browser):
    draft = TicketDraft(
        category="complaint",
        fields={"case_description": "公司拖欠我们三个月工资，老板跑路了", "case_location": "城东工业园"},
        channel="webchat",
        conversation_id="c1",
        submission_key="k-route",
        name="张三",
        phone="13812345678",
    )
    number = console.ctx.desk.create(draft, now=datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)).number
    detail = browser("agent1").request("GET", f"/console/api/tickets/{number}").json()
    assert [s["department"] for s in detail["suggestions"]][0] == "人力资源和社会保障局"
    assert len(detail["suggestions"]) == 3 and all(0 < s["confidence"] <= 1 for s in detail["suggestions"])
