"""Feedback to and from the citizen: notices written with each status change and delivered by the
notice job (sent, held for web chat, undelivered → call-back), the citizen's "还是没解决", and the
satisfaction rating that reopens a ticket when the citizen is not satisfied."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.console.notice_job import deliver_notices
from bot.core.db import transaction
from bot.messaging.undelivered import Undelivered, record_undelivered
from bot.messaging.webchat.mailbox import Mailbox
from bot.staff.models import AuditEntry
from bot.tickets.citizen_feedback import FeedbackRefused, add_rating_comment, attach_followup, rate
from bot.tickets.models import Ticket, TicketEvent, TicketNotice, TicketRating
from bot.tickets.notice_outbox import MAX_ATTEMPTS, follow_held, release_interrupted
from bot.tickets.service import TicketDraft

ACCEPTED = datetime(2026, 9, 28, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def console_database_url(database_url: str) -> str:
    """Notices, call-backs and ratings are checked on SQLite and on the real PostgreSQL."""
    return database_url


def _ticket(
    console,
    *,
    channel: str = "webchat",
    conversation: str = "c1",
    key: str = "k1",
    anonymous: bool = False,
    category: str = "complaint",
) -> str:
    fields = {
        "case_description": "楼下餐馆油烟扰民",
        "case_location": "幸福路12号",
        "case_time": "每天晚上",
        "case_party": "某餐馆",
    }
    draft = TicketDraft(
        category=category,
        fields=fields,
        channel=channel,
        conversation_id=conversation,
        submission_key=key,
        name=None if anonymous else "张三",
        phone=None if anonymous else "13812345678",
        anonymous=anonymous,
    )
    return console.ctx.desk.create(draft, now=ACCEPTED).number


def _through(browser, number: str, *steps: str) -> None:
    supervisor = browser("supervisor")
    bodies = {"assign": {"department": "住房和城乡建设局"}, "reply": {"text": "已约谈餐馆，限期整改。"}}
    for step in steps:
        answer = supervisor.request("POST", f"/console/api/tickets/{number}/{step}", json=bodies.get(step, {}))
        assert answer.status_code == 200, answer.text


def _notices(console, number: str) -> list[tuple[str, str]]:
    with console.ctx.factory() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        return [
            (n.kind, n.status)
            for n in session.scalars(select(TicketNotice).where(TicketNotice.ticket_id == ticket.id).order_by(TicketNotice.id))
        ]


def _deliver(console) -> int:
    return asyncio.run(deliver_notices(console.ctx.factory, console.ctx.rasa))


def test_accepting_replying_and_closing_each_send_one_notice_through_the_bot(console, browser):
    number = _ticket(console)
    _through(browser, number, "assign")
    assert _notices(console, number) == []  # assigning is internal; the department accepting is news
    _through(browser, number, "start", "reply", "close")
    assert _notices(console, number) == [("accepted", "pending"), ("replied", "pending"), ("closed", "pending")]
    assert _deliver(console) == 3
    assert console.ctx.rasa.calls == [("run_action", "c1", "action_ticket_notice")] * 3
    assert _notices(console, number) == [("accepted", "sent"), ("replied", "sent"), ("closed", "sent")]
    assert _deliver(console) == 0  # nothing is sent twice


def test_a_notice_waits_while_the_citizen_fills_in_a_form_or_talks_to_a_person_and_goes_out_after(console, browser):
    import time

    from bot.console.notice_job import FORM_IDLE_SECONDS
    from bot.console.rasa_api import ConversationState

    number = _ticket(console)
    other = _ticket(console, conversation="c2", key="k2")
    _through(browser, number, "assign", "start")
    _through(browser, other, "assign", "start")
    rasa = console.ctx.rasa
    rasa.states["c1"] = ConversationState(form="complaint_form", paused=False, latest_event_time=time.time())
    assert _deliver(console) == 2
    assert rasa.calls == [("run_action", "c2", "action_ticket_notice")]  # the other citizen is not held up
    assert _notices(console, number) == [("accepted", "pending")]
    with console.ctx.factory() as session:
        waiting = session.scalar(select(TicketNotice).where(TicketNotice.conversation_id == "c1"))
        assert waiting.attempts == 0 and "填写表单" in waiting.reason
        assert waiting.not_before is not None
    assert _deliver(console) == 0  # not before its time
    with transaction(console.ctx.factory) as session:
        session.get(TicketNotice, waiting.id).not_before = datetime.now(timezone.utc) - timedelta(seconds=1)
    rasa.states["c1"] = ConversationState(form=None, paused=True, latest_event_time=time.time())  # now with a person
    assert _deliver(console) == 1 and _notices(console, number) == [("accepted", "pending")]
    with console.ctx.factory() as session:
        assert "人工客服" in session.get(TicketNotice, waiting.id).reason
    for _ in range(MAX_ATTEMPTS + 2):  # however long it waits, it never turns into a call-back
        with transaction(console.ctx.factory) as session:
            session.get(TicketNotice, waiting.id).not_before = None
        _deliver(console)
    assert _notices(console, number) == [("accepted", "pending")]
    rasa.states["c1"] = ConversationState(form=None, paused=False, latest_event_time=time.time())  # the talk ended
    with transaction(console.ctx.factory) as session:
        session.get(TicketNotice, waiting.id).not_before = None
    assert _deliver(console) == 1
    assert rasa.calls[-1] == ("run_action", "c1", "action_ticket_notice")
    assert _notices(console, number) == [("accepted", "sent")]

    _through(browser, number, "reply")  # a form left untouched for long is over: the notice goes out
    rasa.states["c1"] = ConversationState(
        form="complaint_form", paused=False, latest_event_time=time.time() - FORM_IDLE_SECONDS - 1
    )
    assert _deliver(console) == 1 and _notices(console, number) == [("accepted", "sent"), ("replied", "sent")]


def test_a_notice_waits_while_rasa_is_down_and_is_marked_for_a_call_back_in_the_end(console, browser):
    number = _ticket(console)
    _through(browser, number, "assign", "start")
    console.ctx.rasa.down = True
    _deliver(console)
    assert _notices(console, number) == [("accepted", "pending")]
    for _ in range(MAX_ATTEMPTS):
        _deliver(console)
    assert _notices(console, number) == [("accepted", "undelivered")]
    call_backs = browser("agent1").request("GET", "/console/api/call-backs").json()["call_backs"]
    assert [(c["number"], c["phone"], c["reason"]) for c in call_backs] == [(number, "138****5678", "助手服务暂时不可用")]


def test_what_the_channel_could_not_deliver_is_marked_and_staff_call_back(console, browser):
    number = _ticket(console, channel="wechat", conversation="openid-1")
    rasa = console.ctx.rasa

    async def refused_by_wechat(conversation_id, action):  # the channel records what WeChat refused
        record_undelivered(
            console.ctx.factory, Undelivered("wechat", conversation_id, "您的投诉已由…受理", "errcode 45015: window closed")
        )

    rasa.run_action = refused_by_wechat
    _through(browser, number, "assign", "start")
    _deliver(console)
    assert _notices(console, number) == [("accepted", "undelivered")]
    agent = browser("agent1")
    [call_back] = agent.request("GET", "/console/api/call-backs").json()["call_backs"]
    assert call_back["reason"].startswith("errcode 45015") and call_back["phone"] == "138****5678"
    assert browser("editor").request("GET", "/console/api/call-backs").status_code == 403
    assert agent.request("POST", f"/console/api/call-backs/{call_back['id']}/phone").json()["phone"] == "13812345678"
    assert agent.request(
        "POST", f"/console/api/call-backs/{call_back['id']}/done", json={"outcome": "已电话告知，市民知悉"}
    ).json() == {"ok": True}
    assert agent.request("GET", "/console/api/call-backs").json()["call_backs"] == []
    assert agent.request("POST", f"/console/api/call-backs/{call_back['id']}/done", json={}).status_code == 404
    events = agent.request("GET", f"/console/api/tickets/{number}").json()["events"]
    assert events[-1]["kind"] == "called_back" and events[-1]["detail"]["outcome"] == "已电话告知，市民知悉"
    with console.ctx.factory() as session:
        reveals = session.scalars(select(AuditEntry).where(AuditEntry.action == "ticket.reveal_contact")).all()
    assert [(r.staff_no, r.detail.get("purpose")) for r in reveals] == [("1024", "call_back")]


def test_a_web_chat_notice_for_a_closed_page_is_held_and_a_rest_ticket_needs_a_call(console, browser):
    web = _ticket(console, conversation="web-1")
    rest = _ticket(console, channel="rest", conversation="api-1", key="k2")

    async def page_closed(conversation_id, action):  # the web chat channel keeps it in the mailbox
        Mailbox(console.ctx.factory).hold(conversation_id, {"text": "您的投诉…已受理"})

    console.ctx.rasa.run_action = page_closed
    _through(browser, web, "assign", "start")
    _through(browser, rest, "assign", "start")
    _deliver(console)
    assert _notices(console, web) == [("accepted", "held")]
    assert _notices(console, rest) == [("accepted", "undelivered")]
    assert Mailbox(console.ctx.factory).take("web-1") == [{"text": "您的投诉…已受理"}]
    assert Mailbox(console.ctx.factory).take("web-1") == []  # shown once
    assert follow_held(console.ctx.factory) == {"sent": 1, "undelivered": 0}
    assert _notices(console, web) == [("accepted", "sent")]


def test_a_web_chat_notice_nobody_comes_back_to_read_is_called_back_after_three_days(console, browser):
    number = _ticket(console, conversation="web-2")

    async def page_closed(conversation_id, action):
        Mailbox(console.ctx.factory).hold(conversation_id, {"text": "您的投诉…已受理"})

    console.ctx.rasa.run_action = page_closed
    _through(browser, number, "assign", "start")
    _deliver(console)
    later = datetime.now(timezone.utc) + timedelta(days=2)
    assert follow_held(console.ctx.factory, now=later) == {"sent": 0, "undelivered": 0}
    assert follow_held(console.ctx.factory, now=later + timedelta(days=1, minutes=1)) == {"sent": 0, "undelivered": 1}
    [row] = browser("agent1").request("GET", "/console/api/call-backs").json()["call_backs"]
    assert (row["number"], row["reason"]) == (number, "市民 3 天内没有再打开网页")


def test_a_notice_left_half_sent_by_a_stopped_console_is_sent_again(console, browser):
    number = _ticket(console)
    _through(browser, number, "assign", "start")
    with transaction(console.ctx.factory) as session:
        session.scalar(select(TicketNotice)).status = "sending"
    assert release_interrupted(console.ctx.factory) == 1
    _deliver(console)
    assert _notices(console, number) == [("accepted", "sent")]


def test_the_citizens_answer_is_attached_and_flags_the_ticket_until_staff_act(console, browser):
    number = _ticket(console)
    _through(browser, number, "assign", "start", "reply")
    attach_followup(console.ctx.factory, number, "c1", "还是没解决，晚上油烟还是很大，电话13812345678")
    with pytest.raises(FeedbackRefused):
        attach_followup(console.ctx.factory, number, "someone-else", "还是没解决")
    supervisor = browser("supervisor")
    flagged = supervisor.request("GET", "/console/api/tickets?attention=1").json()["tickets"]
    assert [(t["number"], t["attention_label"]) for t in flagged] == [(number, "市民反馈未解决")]
    detail = supervisor.request("GET", f"/console/api/tickets/{number}").json()
    assert detail["events"][-1]["kind"] == "citizen_followup"
    assert detail["events"][-1]["detail"]["text"] == "还是没解决，晚上油烟还是很大，电话138****5678"
    _through(browser, number, "close")
    assert supervisor.request("GET", "/console/api/tickets?attention=1").json()["tickets"] == []


def test_a_rating_is_taken_once_per_closing_and_dissatisfied_reopens_for_review(console, browser):
    number = _ticket(console)
    with pytest.raises(FeedbackRefused, match="not_closed"):
        rate(console.ctx.factory, number, "c1", "satisfied", "webchat")
    _through(browser, number, "assign", "start", "reply", "close")
    assert rate(console.ctx.factory, number, "c1", "dissatisfied", "webchat") == 1
    with pytest.raises(FeedbackRefused, match="not_closed"):  # reopened: nothing to rate now
        rate(console.ctx.factory, number, "c1", "satisfied", "webchat")
    add_rating_comment(console.ctx.factory, number, "c1", 1, "油烟还在，没人来看过")
    supervisor = browser("supervisor")
    detail = supervisor.request("GET", f"/console/api/tickets/{number}").json()
    assert (detail["status"], detail["attention"]) == ("review", "dissatisfied")
    assert detail["ratings"] == [
        {
            "round": 1,
            "rating": "dissatisfied",
            "rating_label": "不满意",
            "comment": "油烟还在，没人来看过",
            "at": detail["ratings"][0]["at"],
        }
    ]
    assert [t["number"] for t in supervisor.request("GET", "/console/api/tickets?status=review").json()["tickets"]] == [number]
    _through(browser, number, "assign", "start", "reply", "close")  # reviewed, handled again, closed again
    assert rate(console.ctx.factory, number, "c1", "basically_satisfied", "webchat") == 2
    with pytest.raises(FeedbackRefused, match="done"):
        rate(console.ctx.factory, number, "c1", "satisfied", "webchat")
    with console.ctx.factory() as session:
        assert [r.rating for r in session.scalars(select(TicketRating).order_by(TicketRating.round))] == [
            "dissatisfied",
            "basically_satisfied",
        ]
        kinds = [e.kind for e in session.scalars(select(TicketEvent).order_by(TicketEvent.id))]
    assert kinds.count("reopened") == 1 and kinds.count("rated") == 2


def test_a_review_can_also_confirm_the_closing(console, browser):
    number = _ticket(console)
    _through(browser, number, "assign", "start", "reply", "close")
    rate(console.ctx.factory, number, "c1", "dissatisfied", "webchat")
    assert browser("dept").request("POST", f"/console/api/tickets/{number}/close").status_code == 409  # hotline decides
    _through(browser, number, "close")
    assert _notices(console, number)[-1] == ("closed", "pending")  # the citizen is told and asked again


def test_one_call_covers_every_undelivered_notice_of_a_ticket(console, browser):
    number = _ticket(console, channel="rest", conversation="api-1")
    _through(browser, number, "assign", "start", "reply", "close")
    _deliver(console)
    assert _notices(console, number) == [("accepted", "undelivered"), ("replied", "undelivered"), ("closed", "undelivered")]
    agent = browser("agent1")
    [row] = agent.request("GET", "/console/api/call-backs").json()["call_backs"]
    assert (row["number"], row["kind_label"]) == (number, "办结通知")
    agent.request("POST", f"/console/api/call-backs/{row['id']}/done", json={"outcome": "已告知办理结果"})
    assert {status for _, status in _notices(console, number)} == {"called_back"}
    detail = agent.request("GET", f"/console/api/tickets/{number}").json()
    assert detail["field_labels"]["case_description"] == "事情经过"


def test_a_reporters_phone_in_the_call_back_list_is_for_supervisors_only(console, browser):
    number = _ticket(console, channel="rest", conversation="api-2", category="report")
    _through(browser, number, "assign", "start")
    _deliver(console)
    agent, supervisor = browser("agent1"), browser("supervisor")
    [seen_by_agent] = agent.request("GET", "/console/api/call-backs").json()["call_backs"]
    assert (seen_by_agent["protected"], seen_by_agent["phone"]) == (True, "")
    refused = agent.request("POST", f"/console/api/call-backs/{seen_by_agent['id']}/phone")
    assert refused.status_code == 403 and "举报人" in refused.json()["error"]
    [seen_by_supervisor] = supervisor.request("GET", "/console/api/call-backs").json()["call_backs"]
    assert (seen_by_supervisor["protected"], seen_by_supervisor["phone"]) == (False, "138****5678")
    assert (
        supervisor.request("POST", f"/console/api/call-backs/{seen_by_supervisor['id']}/phone").json()["phone"] == "13812345678"
    )
