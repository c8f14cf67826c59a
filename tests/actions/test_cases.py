"""Complaint, report and suggestion actions and validators against tracker fixtures."""

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions import services
from actions.cases import ActionAskCaseConfirmed, ActionStartCase, ActionSubmitCase
from actions.forms.case import ValidateComplaintForm, ValidateReportForm
from tests.actions.conftest import load_tracker, run_action

COMPLAINT = {
    "case_category": "complaint",
    "case_description": "楼下饭店半夜噪音扰民",
    "case_location": "人民路12号",
    "case_time": "持续发生（每天半夜）",
    "case_party": "楼下饭店",
    "contact_name": "张先生",
    "contact_phone": "13812345678",
    "case_confirmed": "yes",
}


@pytest.fixture(autouse=True)
def fresh_desk(isolated_services):
    services.ticket_desk.cache_clear()
    yield
    services.ticket_desk.cache_clear()


def _said(text, intent="nlu_fallback", confidence=0.4, **changes):
    message = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "input_channel": "webchat", "parse_data": message},
        {"event": "active_loop", "name": "complaint_form", "timestamp": 1764300000.25},
    ]
    return load_tracker("consult_question", latest_message=message, events=events, **changes)


def _validate(validator, slot, text, **changes):
    dispatcher = CollectingDispatcher()
    method = getattr(validator, f"validate_{slot}")
    result = asyncio.run(method(text, dispatcher, _said(text, **changes), {}))
    return result, [m.get("response") or m.get("text") for m in dispatcher.messages]


def test_the_first_message_prefills_the_complaint():
    _, events = run_action(ActionStartCase(), _said("和平路的餐馆每天半夜噪音扰民", intent="complain", confidence=0.95))
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values["case_category"] == "complaint" and values["case_location"] == "和平路"
    assert values["case_description"] == "和平路的餐馆每天半夜噪音扰民" and values["case_time"].startswith("持续发生")
    assert values["case_party"] == "和平路的餐馆"  # named in the first message: not asked again
    assert "contact_phone" not in values  # nothing to clear, nothing said


def test_fields_are_validated_with_a_reason():
    form = ValidateComplaintForm()
    assert _validate(form, "case_time", "昨天下午3点")[0]["case_time"].endswith("15:00")
    assert _validate(form, "case_time", "不记得了")[0]["case_time"] == "不清楚"
    assert _validate(form, "case_time", "嗯嗯")[1] == ["utter_case_time_invalid"]
    assert _validate(form, "case_description", "😀😀")[1] == ["utter_case_description_invalid"]
    assert _validate(form, "contact_name", "13812345678")[1] == ["utter_contact_name_invalid"]
    assert _validate(form, "contact_phone", "138 1234 5678")[0]["contact_phone"] == "13812345678"


def test_a_question_in_the_middle_is_answered_and_the_field_asked_again():
    services.live_faq.cache_clear()
    from bot.faq.transfer import import_file
    from tests.bot.faq.conftest import SAMPLE

    import_file(services.session_factory(), SAMPLE, actor="test")
    result, said = _validate(
        ValidateComplaintForm(), "case_party", "请问异地就医备案怎么办理？", intent="consult", confidence=0.95
    )
    assert result == {"case_party": None}
    assert "国家医保服务平台" in said[0]
    services.live_faq.cache_clear()


def test_the_summary_masks_the_phone():
    messages, _ = run_action(ActionAskCaseConfirmed(), _said("", slots=COMPLAINT))
    summary = messages[0]["summary"]
    assert "联系电话：138****5678" in summary and "13812345678" not in summary and "地点：人民路12号" in summary
    assert messages[1]["response"] == "utter_ask_case_confirmed"


def test_a_correction_changes_only_that_field():
    form = ValidateComplaintForm()
    asked_again, _ = _validate(form, "case_confirmed", "电话写错了", slots=COMPLAINT)
    assert asked_again == {"contact_phone": None, "case_confirmed": None}
    changed, _ = _validate(form, "case_confirmed", "地址改成人民路8号", slots=COMPLAINT)
    assert changed == {"case_location": "人民路8号", "field_failures": 0, "case_confirmed": None}
    assert _validate(form, "case_confirmed", "确认提交", intent="affirm", confidence=0.9)[0] == {"case_confirmed": "yes"}


def test_anonymous_reports_ask_no_name_or_phone_and_get_a_code():
    form = ValidateReportForm()
    tracker = _said("匿名", slots={"case_anonymous": "是"})
    asked = asyncio.run(form.required_slots([], CollectingDispatcher(), tracker, {}))
    assert "contact_phone" not in asked and asked[-1] == "case_confirmed"
    report = {
        "case_category": "report",
        "case_party": "某化工厂",
        "case_description": "夜里偷排污水到河里",
        "case_location": "青山镇",
        "case_time": "不清楚",
        "case_evidence": "有视频",
        "case_anonymous": "是",
        "case_confirmed": "yes",
    }
    messages, _ = run_action(ActionSubmitCase(), _said("/affirm", slots=report))
    assert messages[0]["ticket_number"].startswith("JB") and messages[0]["working_days"] == 10
    assert messages[1]["response"] == "utter_lookup_code" and len(messages[1]["code"]) == 8


def test_submitting_twice_makes_one_ticket_and_a_failure_keeps_the_fields(monkeypatch):
    tracker = _said("/affirm", slots=COMPLAINT)
    first, events = run_action(ActionSubmitCase(), tracker)
    again, _ = run_action(ActionSubmitCase(), tracker)
    assert first[0]["ticket_number"] == again[0]["ticket_number"]
    assert SlotSet("contact_phone", None) in events

    def broken(draft):
        raise OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(services.ticket_desk(), "create", broken)
    messages, events = run_action(ActionSubmitCase(), _said("/affirm", slots=COMPLAINT))
    assert messages[0]["response"] == "utter_case_failed" and events == []


def test_a_major_complaint_gets_five_working_days():
    major = {**COMPLAINT, "case_description": "小区井盖丢了好几天，老人孩子掉下去有生命危险"}
    messages, _ = run_action(ActionSubmitCase(), _said("/affirm", slots=major))
    assert messages[0]["working_days"] == 5


def test_starting_a_case_says_nothing_about_fields_it_cleared():
    tracker = _said("/complain", intent="complain", confidence=1.0, slots=COMPLAINT)
    _, events = run_action(ActionStartCase(), tracker)
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {"contact_phone", "case_description"} <= cleared
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateComplaintForm().validate_contact_phone(None, dispatcher, tracker, {}))
    assert result == {"contact_phone": None} and dispatcher.messages == []


def test_after_two_failures_an_optional_field_offers_to_skip():
    from actions.forms.case import ValidateSuggestionForm

    form = ValidateSuggestionForm()
    result, said = _validate(form, "contact_phone", "12345", slots={"field_failures": 1})
    assert said == ["utter_phone_invalid", "utter_field_help_optional"] and result["field_failures"] == 2
    assert _validate(form, "contact_phone", "跳过")[0]["contact_phone"] == "未提供"
    assert _validate(ValidateComplaintForm(), "contact_phone", "12345", slots={"field_failures": 1})[1][-1] == "utter_field_help"
