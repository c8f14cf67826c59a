"""Handing over from the actions: the request, sensitive topics, anger, repeated failures, off duty."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions import services
from actions.faq import ActionRecordFaqFeedback
from actions.forms.case import ValidateComplaintForm
from actions.handoff import ActionHandOver
from bot.handoff.queue import MAX_HANDOFFS_PER_HOUR
from tests.actions.conftest import load_tracker, run_action


def _asked(text: str, escalation: dict | None = None, *, events_before: list | None = None, **changes):
    message = {"text": text, "intent": {"name": "request_human", "confidence": 1.0}, "entities": []}
    if escalation is not None:
        message["escalation"] = escalation
    events = [
        *(events_before or []),
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "input_channel": "webchat", "parse_data": message},
    ]
    return load_tracker("consult_question", sender_id="citizen-7", latest_message=message, events=events, **changes)


def _handoffs():
    return services.handoff_queue().waiting()


def test_asking_for_a_person_queues_the_conversation_tells_the_place_and_pauses_the_bot():
    messages, events = run_action(ActionHandOver(), _asked("转人工"))
    assert events[-1] == ConversationPaused()
    assert "您是下一位" in messages[0]["text"]
    (handoff,) = _handoffs()
    assert (handoff.conversation_id, handoff.channel, handoff.reason) == ("citizen-7", "webchat", "citizen_asked")
    assert [m["text"] for m in handoff.summary["last_messages"]] == ["转人工"]


def test_a_sensitive_topic_goes_to_a_person_at_once_with_the_topic_for_staff():
    _, events = run_action(
        ActionHandOver(), _asked("我们要去集体上访", {"topic": "群体性事件", "angry": False, "overrode": "complain"})
    )
    assert events[-1] == ConversationPaused()
    (handoff,) = _handoffs()
    assert handoff.reason == "sensitive_topic" and handoff.summary["topic"] == "群体性事件"


def test_the_first_angry_outburst_gets_an_apology_and_the_second_a_person():
    angry = {"topic": None, "angry": True, "overrode": "nlu_fallback"}
    messages, events = run_action(ActionHandOver(), _asked("什么破机器人", angry))
    assert events == [] and messages[0]["response"] == "utter_sorry_for_frustration" and _handoffs() == []
    before = [{"event": "user", "text": "什么破机器人", "parse_data": {"intent": {"name": "request_human"}, "escalation": angry}}]
    _, events = run_action(ActionHandOver(), _asked("垃圾机器人", angry, events_before=before))
    assert events[-1] == ConversationPaused() and _handoffs()[0].reason == "anger"


def test_off_duty_the_citizen_is_offered_a_message_instead_and_the_bot_keeps_answering(monkeypatch):
    monkeypatch.setenv("HANDOFF_STAFF_HOURS", "00:00-00:01")
    services.settings.cache_clear()
    services.handoff_queue.cache_clear()
    messages, events = run_action(ActionHandOver(), _asked("转人工"))
    assert ConversationPaused() not in events
    assert messages[0]["response"] == "utter_handoff_off_duty"
    assert messages[0]["response"] and _handoffs() == []


def test_a_database_outage_gets_a_clear_answer_and_no_pause(monkeypatch):
    def broken():
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(services.handoff_queue(), "request", lambda *_a, **_k: broken())
    messages, events = run_action(ActionHandOver(), _asked("转人工"))
    assert events == [] and messages[0]["response"] == "utter_handoff_unavailable"


def test_asking_again_and_again_within_the_hour_gets_the_hotline_number_not_the_queue():
    for _ in range(MAX_HANDOFFS_PER_HOUR):
        run_action(ActionHandOver(), _asked("转人工"))
        (handoff,) = _handoffs()
        services.handoff_queue().give_up(handoff.id, "timeout")
    messages, events = run_action(ActionHandOver(), _asked("转人工"))
    assert [m["response"] for m in messages] == ["utter_handoff_throttled"] and ConversationPaused() not in events
    assert _handoffs() == []


def test_the_second_unsolved_answer_brings_a_person():
    said_no = {"text": "没解决", "intent": {"name": "deny", "confidence": 0.9}, "entities": []}
    first = load_tracker("consult_question", latest_message=said_no, slots={"faq_entry_id": "SI-001"})
    messages, events = run_action(ActionRecordFaqFeedback(), first)
    assert messages[0]["response"] == "utter_faq_sorry" and SlotSet("faq_unsolved", 1) in events
    second = load_tracker("consult_question", latest_message=said_no, slots={"faq_entry_id": "SI-002", "faq_unsolved": 1})
    _, events = run_action(ActionRecordFaqFeedback(), second)
    assert events[-1] == ConversationPaused() and _handoffs()[0].reason == "dissatisfied"


FORM_DOMAIN = {
    "forms": {"complaint_form": {"required_slots": ["case_location"]}},
    "slots": {"case_location": {"type": "text", "mappings": [{"type": "from_text"}]}},
}


def _failing_location(failures: int):
    message = {"text": "啊", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    events = [
        {"event": "active_loop", "name": "complaint_form"},
        {"event": "user", "text": "啊", "input_channel": "webchat", "parse_data": message},
        {"event": "slot", "name": "case_location", "value": "啊"},
    ]
    return load_tracker(
        "consult_question",
        latest_message=message,
        events=events,
        active_loop={"name": "complaint_form"},
        slots={"requested_slot": "case_location", "field_failures": failures, "case_location": "啊"},
    )


@pytest.mark.filterwarnings("ignore:No method .extract_")
@pytest.mark.parametrize("failures_before, hands_over", [(2, False), (3, True)])
def test_a_field_that_keeps_failing_brings_a_person_on_the_fourth_try(failures_before, hands_over):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateComplaintForm().run(dispatcher, _failing_location(failures_before), FORM_DOMAIN))
    if not hands_over:
        assert ConversationPaused() not in events and _handoffs() == []
        return
    assert events[-1] == ActionExecutionRejected("complaint_form")  # the form does not ask again
    assert ConversationPaused() in events and ActiveLoop(None) in events
    (handoff,) = _handoffs()
    assert handoff.reason == "form_failing" and handoff.summary["form"] == "complaint_form"
