"""The ticket look-up and 留言 forms: what they accept, how they refuse, and when a failing field brings a person.

tests/actions/test_tickets.py covers numbers typed with spaces, phones in a sentence, the 8-character code,
help after two failures and the reset on success; tests/actions/test_handoff.py the hand-over of the
complaint form on duty. These tests cover the rest.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from rasa_sdk.events import ActionExecutionRejected, ConversationPaused
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.forms.lookup import ValidateTicketLookupForm, lookup_check
from actions.forms.message import MAX_QUESTION_CHARS, ValidateLeaveMessageForm
from bot.core.clock import BEIJING, utc_now
from tests.actions.conftest import load_tracker


def _validate(validator, slot, value, failures=0):
    """Validate one value as the form would; returns (slot changes, responses the citizen gets)."""
    tracker = load_tracker("consult_question", slots={"field_failures": failures, "requested_slot": slot})
    dispatcher = CollectingDispatcher()
    result = getattr(validator, f"validate_{slot}")(value, dispatcher, tracker, {})
    return result, [m["response"] for m in dispatcher.messages]


# Ticket look-up: the number


@pytest.mark.parametrize("typed", ["123456", "TS2026112800", "13812345678", "我忘了工单号", "XX202611280007", ""])
def test_a_malformed_ticket_number_is_refused_with_the_format_explained(typed):
    """The citizen is told what a ticket number looks like and asked again; the failure counts towards help."""
    result, said = _validate(ValidateTicketLookupForm(), "lookup_number", typed)
    assert result == {"lookup_number": None, "field_failures": 1}
    assert said == ["utter_lookup_number_invalid"]


@pytest.mark.parametrize(
    "typed, number",
    [
        ("JB-2026-1128-0007", "JB202611280007"),
        ("zx202611280007", "ZX202611280007"),
        ("我想查一下工单JY202611280123的进度", "JY202611280123"),
        ("TS2026112812345", "TS2026112812345"),  # a busy day: a five-digit sequence
    ],
)
def test_ticket_numbers_are_read_in_the_forms_citizens_type_them(typed, number):
    result, said = _validate(ValidateTicketLookupForm(), "lookup_number", typed)
    assert result == {"lookup_number": number, "field_failures": 0} and said == []


def test_a_spaced_number_followed_by_the_phone_keeps_the_right_ticket_number():
    """A citizen who answers with the number and the phone at once must not be looked up under another number."""
    result, _ = _validate(ValidateTicketLookupForm(), "lookup_number", "ts2026 1128 0007 13812345678")
    assert result["lookup_number"] == "TS202611280007"
    result, _ = _validate(ValidateTicketLookupForm(), "lookup_number", "TS2026-1128-0007 12月提交的")
    assert result["lookup_number"] == "TS202611280007"
    result, _ = _validate(ValidateTicketLookupForm(), "lookup_number", "ＴＳ２０２６１１２８０００７")  # full width
    assert result["lookup_number"] == "TS202611280007"


# Ticket look-up: the phone number or code that proves it is the citizen's ticket


@pytest.mark.parametrize(
    "typed, check",
    [
        ("+86 138 1234 5678", "13812345678"),
        ("0755-2345 6789", "0755-23456789"),
        ("我的座机是(010)87654321", "010-87654321"),
        ("abcd-2345", "ABCD2345"),
        ("ＡＢＣＤ２３４５", "ABCD2345"),  # typed with a full-width input method
        ("23456789", "23456789"),  # eight characters from the code alphabet: a code, never a phone number
    ],
)
def test_a_whole_phone_number_or_an_anonymous_code_is_accepted(typed, check):
    result, said = _validate(ValidateTicketLookupForm(), "lookup_check", typed)
    assert result == {"lookup_check": check, "field_failures": 0} and said == []


@pytest.mark.parametrize("typed", ["手机尾号5678", "138 1234", "87654321", "ABCD1234", "ABCDO234", "我不记得了"])
def test_a_partial_phone_or_a_code_with_characters_codes_never_use_is_refused(typed):
    """Only the whole number (landlines with area code) or a real code opens a ticket; codes have no 0/O/1/I."""
    assert lookup_check(typed) is None
    result, said = _validate(ValidateTicketLookupForm(), "lookup_check", typed, failures=1)
    assert result == {"lookup_check": None, "field_failures": 2}
    assert said == ["utter_lookup_check_invalid", "utter_field_help"]


@pytest.mark.parametrize("slot", ["lookup_number", "lookup_check"])
def test_a_cleared_look_up_field_is_not_judged(slot):
    """A new look-up clears the fields: that says nothing to the citizen and counts no failure."""
    result, said = _validate(ValidateTicketLookupForm(), slot, None, failures=2)
    assert result == {slot: None} and said == []


# 留言: the question and the phone number


@pytest.mark.parametrize("typed", ["？？", "😀😀😀😀😀", "办证", "嗯嗯。", "字" * 3 + " " * 10, "问" * (MAX_QUESTION_CHARS + 1)])
def test_a_question_too_thin_or_too_long_is_refused_with_an_example(typed):
    result, said = _validate(ValidateLeaveMessageForm(), "message_question", typed)
    assert result == {"message_question": None, "field_failures": 1}
    assert said == ["utter_message_question_invalid"]


def test_a_real_question_is_kept_as_typed_without_the_surrounding_spaces():
    typed = "  外地户口的孩子在本区上小学需要什么材料？\n"
    result, said = _validate(ValidateLeaveMessageForm(), "message_question", typed, failures=1)
    assert result == {"message_question": "外地户口的孩子在本区上小学需要什么材料？", "field_failures": 0} and said == []


@pytest.mark.parametrize(
    "typed, phone",
    [("+86 138-1234-5678", "13812345678"), ("１３８１２３４５６７８", "13812345678"), ("（021）5555 6666", "021-55556666")],
)
def test_the_phone_for_a_call_back_is_stored_in_one_form(typed, phone):
    """Staff call back on a normalised number, whatever spaces, country code or full-width digits were typed."""
    result, said = _validate(ValidateLeaveMessageForm(), "message_phone", typed)
    assert result == {"message_phone": phone, "field_failures": 0} and said == []


@pytest.mark.parametrize("typed", ["87654321", "1381234567", "23812345678", "不想留"])
def test_a_number_staff_could_not_call_back_is_refused(typed):
    result, said = _validate(ValidateLeaveMessageForm(), "message_phone", typed)
    assert result == {"message_phone": None, "field_failures": 1} and said == ["utter_phone_invalid"]


# A field that keeps failing


MESSAGE_FORM_DOMAIN = {
    "forms": {"leave_message_form": {"required_slots": ["message_question", "message_phone"]}},
    "slots": {
        "message_question": {"type": "text", "mappings": [{"type": "from_text"}]},
        "message_phone": {"type": "text", "mappings": [{"type": "from_text"}]},
    },
}


def _failing_phone(failures_before: int):
    message = {"text": "12345", "intent": {"name": "nlu_fallback", "confidence": 0.3}, "entities": []}
    events = [
        {"event": "active_loop", "name": "leave_message_form"},
        {"event": "user", "text": "12345", "input_channel": "webchat", "parse_data": message},
        {"event": "slot", "name": "message_phone", "value": "12345"},
    ]
    slots = {
        "requested_slot": "message_phone",
        "field_failures": failures_before,
        "message_question": "外地户口孩子上小学要什么材料",
        "message_phone": "12345",
    }
    return load_tracker(
        "consult_question", latest_message=message, events=events, active_loop={"name": "leave_message_form"}, slots=slots
    )


def _hours_excluding_now() -> str:
    """One hour of staff time that starts six hours from now (Beijing), so staff are off duty now."""
    start = (utc_now().astimezone(BEIJING) + timedelta(hours=6)).hour
    return f"{start:02d}:00-{start + 1:02d}:00" if start < 23 else "23:00-24:00"


@pytest.mark.filterwarnings("ignore:No method .extract_")
def test_off_duty_a_field_that_keeps_failing_is_asked_again_instead_of_a_dead_end_handoff(monkeypatch):
    """With no staff to take over, the fourth failure still explains and offers help; the form goes on."""
    monkeypatch.setenv("HANDOFF_STAFF_HOURS", _hours_excluding_now())
    services.settings.cache_clear()
    services.handoff_queue.cache_clear()
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateLeaveMessageForm().run(dispatcher, _failing_phone(3), MESSAGE_FORM_DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["message_phone"] is None and slots["field_failures"] == 4
    assert [m.get("response") for m in dispatcher.messages] == ["utter_phone_invalid", "utter_field_help"]
    assert ActionExecutionRejected("leave_message_form") not in events and ConversationPaused() not in events
    assert services.handoff_queue().waiting() == []


@pytest.mark.filterwarnings("ignore:No method .extract_")
def test_on_duty_the_fourth_failure_hands_the_message_form_to_a_person_who_sees_which_form(monkeypatch):
    monkeypatch.setenv("HANDOFF_STAFF_HOURS", "00:00-24:00")
    services.settings.cache_clear()
    services.handoff_queue.cache_clear()
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateLeaveMessageForm().run(dispatcher, _failing_phone(3), MESSAGE_FORM_DOMAIN))
    assert events[-1] == ActionExecutionRejected("leave_message_form") and ConversationPaused() in events
    (handoff,) = services.handoff_queue().waiting()
    assert handoff.reason == "form_failing" and handoff.summary["form"] == "leave_message_form"
