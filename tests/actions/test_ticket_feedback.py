"""The citizen's answers to ticket notices, and "还是没解决" long after one: which ticket it goes on,
asking which when several are open, on a real (SQLite) ticket database."""

from __future__ import annotations

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy import select

from actions import services
from actions.ticket_feedback import ActionTicketFollowup, ActionTicketNotice
from bot.core.db import transaction
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.notice_outbox import claim_next, queue_notice
from bot.tickets.service import TicketDraft
from tests.actions.conftest import load_tracker, run_action

STILL = "还是没解决，昨晚又吵到两点"


@pytest.fixture(autouse=True)
def fresh_desk(isolated_services):
    services.ticket_desk.cache_clear()
    yield
    services.ticket_desk.cache_clear()


def _ticket(key: str, conversation: str = "c1", text: str = "楼下饭店半夜噪音扰民") -> str:
    return (
        services.ticket_desk()
        .create(
            TicketDraft(
                category="complaint",
                fields={"description": text},
                channel="webchat",
                conversation_id=conversation,
                submission_key=key,
                phone="13812345678",
            )
        )
        .number
    )


def _said(text: str, intent: str, *, entities=(), slots=None, sender: str = "c1"):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message, "input_channel": "webchat"},
    ]
    return load_tracker("consult_question", sender_id=sender, latest_message=message, events=events, slots=slots or {})


def _followups() -> dict[str, list[str]]:
    with services.session_factory()() as session:
        rows = session.execute(
            select(Ticket.number, TicketEvent.detail)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.kind == "citizen_followup")
        ).all()
    found: dict[str, list[str]] = {}
    for number, detail in rows:
        found.setdefault(number, []).append(detail["text"])
    return found


def test_the_notice_action_says_the_notice_and_remembers_its_ticket():
    number = _ticket("k1")
    with transaction(services.session_factory()) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        ticket.department, ticket.latest_reply = "公安局", "已约谈店主"
        queue_notice(session, ticket, "replied", ticket.accepted_at)
    claim_next(services.session_factory())
    messages, events = run_action(ActionTicketNotice(), _said("", "action_listen"))
    assert messages[0]["response"] == "utter_ticket_notice_replied" and messages[0]["reply"] == "已约谈店主"
    assert events == [SlotSet("notice_ticket", number), SlotSet("notice_kind", "replied")]


def test_right_after_a_notice_the_answer_goes_on_that_ticket():
    first, second = _ticket("k1"), _ticket("k2")
    messages, _ = run_action(ActionTicketFollowup(), _said(STILL, "deny", slots={"notice_ticket": first}))
    assert messages[0]["response"] == "utter_ticket_followup_attached" and messages[0]["ticket_number"] == first
    assert _followups() == {first: [STILL]} and second not in _followups()


def test_long_after_a_notice_it_goes_on_the_only_open_ticket():
    number = _ticket("k1")
    messages, _ = run_action(
        ActionTicketFollowup(), _said(STILL, "deny", entities=[{"entity": "still_unresolved", "value": "yes"}])
    )
    assert messages[0]["response"] == "utter_ticket_followup_attached" and messages[0]["ticket_number"] == number
    assert _followups() == {number: [STILL]}


def test_with_several_open_tickets_the_citizen_is_asked_which_and_their_words_go_on_the_one_they_pick():
    first, second = _ticket("k1"), _ticket("k2", text="小区电梯经常停运")
    _ticket("k3", conversation="someone-else")
    messages, events = run_action(ActionTicketFollowup(), _said(STILL, "complain"))
    assert messages[0]["response"] == "utter_ticket_followup_which" and events == []
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [
        f'/followup_ticket{{"ticket_number": "{second}"}}',
        f'/followup_ticket{{"ticket_number": "{first}"}}',
        "/complain",
    ]  # newest first, and "a new matter" last; nobody else's ticket
    assert _followups() == {}

    picked = _said(payloads[1], "followup_ticket", entities=[{"entity": "ticket_number", "value": first}])
    picked.events.insert(
        0, {"event": "user", "text": STILL, "parse_data": {"intent": {"name": "complain"}}, "input_channel": "webchat"}
    )
    messages, _ = run_action(ActionTicketFollowup(), picked)
    assert messages[0]["ticket_number"] == first and _followups() == {first: [STILL]}


def test_a_picked_number_that_is_not_the_citizens_is_not_used():
    mine, other = _ticket("k1"), _ticket("k2", conversation="someone-else")
    messages, _ = run_action(
        ActionTicketFollowup(),
        _said("/followup_ticket", "followup_ticket", entities=[{"entity": "ticket_number", "value": other}]),
    )
    assert messages[0]["ticket_number"] == mine and other not in _followups()


def test_without_any_ticket_here_a_complaint_is_taken_down_and_a_bare_no_is_answered():
    _, events = run_action(ActionTicketFollowup(), _said("路灯坏了半年至今未修复", "complain"))
    assert events == [FollowupAction("action_start_case")]
    messages, events = run_action(ActionTicketFollowup(), _said("还是没解决", "deny"))
    assert messages[0]["response"] == "utter_ticket_followup_none" and events == []
