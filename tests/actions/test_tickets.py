"""Look-up, my tickets and 留言 against tracker fixtures, on a real (SQLite) ticket database."""

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions import services
from actions.forms.lookup import ValidateTicketLookupForm
from actions.forms.message import ValidateLeaveMessageForm
from actions.tickets import ActionLookUpTicket, ActionMyTickets, ActionSubmitMessage
from bot.tickets.service import TicketDraft, TicketLimitReached
from tests.actions.conftest import load_tracker, run_action


@pytest.fixture(autouse=True)
def fresh_desk(isolated_services):
    services.ticket_desk.cache_clear()
    yield
    services.ticket_desk.cache_clear()


def _tracker(**slots):
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "我要留言", "parse_data": {"intent": {"name": "leave_message"}}},
        {"event": "active_loop", "name": "leave_message_form", "timestamp": 1764300000.5},
    ]
    return load_tracker("consult_question", slots=slots, events=events)


def _complaint():
    return services.ticket_desk().create(
        TicketDraft(
            category="complaint",
            fields={"description": "楼下饭店半夜噪音扰民"},
            channel="webchat",
            conversation_id="c1",
            submission_key="k1",
            name="张三",
            phone="13812345678",
        )
    )


def test_a_message_becomes_a_consultation_ticket_with_number_and_date():
    messages, events = run_action(
        ActionSubmitMessage(), _tracker(message_question="外地户口孩子上小学要什么材料", message_phone="13812345678")
    )
    (notice,) = messages
    assert notice["response"] in {"utter_ticket_created", "utter_ticket_created_estimated"}
    assert notice["ticket_number"].startswith("ZX") and notice["category_label"] == "咨询留言"
    assert notice["working_days"] == 3 and "月" in notice["due_date"]
    assert events == [SlotSet("message_question", None), SlotSet("message_phone", None)]


def test_submitting_the_same_form_run_twice_creates_one_ticket():
    tracker = _tracker(message_question="外地户口孩子上小学要什么材料", message_phone="13812345678")
    first, _ = run_action(ActionSubmitMessage(), tracker)
    again, _ = run_action(ActionSubmitMessage(), tracker)
    assert first[0]["ticket_number"] == again[0]["ticket_number"]


def test_a_database_failure_at_submit_keeps_what_the_citizen_wrote(monkeypatch):
    def broken():
        raise OperationalError("INSERT", {}, Exception("database is gone"))

    monkeypatch.setattr(services.ticket_desk(), "create", lambda draft: broken())
    messages, events = run_action(ActionSubmitMessage(), _tracker(message_question="问题", message_phone="13812345678"))
    assert messages[0]["response"] == "utter_message_failed" and events == []


def test_past_the_daily_ticket_limit_the_citizen_is_told_and_offered_a_person(monkeypatch):
    def limited(draft):
        raise TicketLimitReached(draft.channel)

    monkeypatch.setattr(services.ticket_desk(), "create", limited)
    messages, events = run_action(ActionSubmitMessage(), _tracker(message_question="问题", message_phone="13812345678"))
    assert [m["response"] for m in messages] == ["utter_ticket_limit"] and events == []


def test_look_up_with_the_right_check_shows_status_and_deadline():
    created = _complaint()
    tracker = load_tracker("consult_question", slots={"lookup_number": created.number, "lookup_check": "13812345678"})
    messages, events = run_action(ActionLookUpTicket(), tracker)
    assert messages[0]["response"] == "utter_ticket_status"
    assert messages[0]["status_label"] == "已派单" and messages[0]["department"] == "公安局"
    assert SlotSet("lookup_check", None) in events


def test_a_deadline_counted_over_a_year_without_its_holiday_schedule_is_shown_as_estimated():
    from datetime import date, datetime, timezone

    created = services.ticket_desk().create(
        TicketDraft(
            category="complaint",
            fields={"description": "楼下饭店半夜噪音扰民"},
            channel="webchat",
            conversation_id="c1",
            submission_key="k-2099",
            phone="13812345678",
        ),
        now=datetime(2099, 3, 2, 2, 0, tzinfo=timezone.utc),
    )
    assert (created.due, created.deadline_certain) == (date(2099, 3, 5), False)  # no schedule for 2099
    tracker = load_tracker("consult_question", slots={"lookup_number": created.number, "lookup_check": "13812345678"})
    messages, _ = run_action(ActionLookUpTicket(), tracker)
    assert messages[0]["due_date"] == "预计2099年3月5日"


def test_a_citizen_reporting_a_matter_others_reported_is_told_so_with_their_own_number():
    from rasa_sdk.executor import CollectingDispatcher

    from actions.tickets import utter_created

    desk = services.ticket_desk()
    for n, text in enumerate(("幸福路12号工地半夜打桩，吵得睡不着", "幸福路那个工地夜里还在施工，噪音太大")):
        created = desk.create(
            TicketDraft(
                category="complaint",
                fields={"case_description": text, "case_location": "幸福路12号工地"},
                channel="webchat",
                conversation_id=f"c{n}",
                submission_key=f"k{n}",
                phone="13812345678",
            )
        )
    dispatcher = CollectingDispatcher()
    utter_created(dispatcher, created)
    acceptance, same = dispatcher.messages
    assert acceptance["ticket_number"] == created.number and "due_date" in acceptance
    assert same["response"] == "utter_ticket_same_source" and same["count"] == 1


def test_a_wrong_check_reveals_nothing_and_asks_again_until_the_ticket_locks_for_the_day():
    created = _complaint()
    tracker = load_tracker("consult_question", slots={"lookup_number": created.number, "lookup_check": "13800000000"})
    messages, events = run_action(ActionLookUpTicket(), tracker)
    assert [m["response"] for m in messages] == ["utter_ticket_not_found"] and messages[0]["tries_left"] == 4
    assert "ticket_number" not in messages[0]
    assert events == [SlotSet("lookup_check", None), FollowupAction("ticket_lookup_form")]  # the number stays
    for _ in range(4):
        run_action(ActionLookUpTicket(), tracker)
    right = load_tracker(
        "consult_question", sender_id="another-session", slots={"lookup_number": created.number, "lookup_check": "13812345678"}
    )
    messages, events = run_action(ActionLookUpTicket(), right)
    assert [m["response"] for m in messages] == ["utter_lookup_locked"]
    assert SlotSet("lookup_number", None) in events


def test_my_tickets_lists_this_channel_users_tickets():
    created = _complaint()
    messages, _ = run_action(ActionMyTickets(), load_tracker("consult_question", sender_id="c1"))
    assert [m["ticket_number"] for m in messages] == [created.number]
    messages, _ = run_action(ActionMyTickets(), load_tracker("consult_question", sender_id="someone-else"))
    assert [m["response"] for m in messages] == ["utter_my_tickets_none"]


def _validate(validator, slot, value, failures=0):
    tracker = load_tracker("consult_question", slots={"field_failures": failures, "requested_slot": slot})
    dispatcher = CollectingDispatcher()
    result = getattr(validator, f"validate_{slot}")(value, dispatcher, tracker, {})
    return result, [m["response"] for m in dispatcher.messages]


def test_look_up_form_reads_numbers_and_checks_as_citizens_type_them():
    form = ValidateTicketLookupForm()
    assert _validate(form, "lookup_number", "帮我查下 ts2026 1128 0007 这个")[0]["lookup_number"] == "TS202611280007"
    assert _validate(form, "lookup_check", "手机号是138 1234 5678")[0]["lookup_check"] == "13812345678"
    assert _validate(form, "lookup_check", "5678")[1] == ["utter_lookup_check_invalid"]
    assert _validate(form, "lookup_check", "abcd 2345")[0]["lookup_check"] == "ABCD2345"


def test_after_two_failures_the_field_is_explained_and_help_offered():
    form = ValidateLeaveMessageForm()
    first, said = _validate(form, "message_phone", "12345")
    assert first == {"message_phone": None, "field_failures": 1} and said == ["utter_phone_invalid"]
    second, said = _validate(form, "message_phone", "我不想说", failures=1)
    assert second["field_failures"] == 2 and said == ["utter_phone_invalid", "utter_field_help"]
    ok, said = _validate(form, "message_phone", "010-12345678", failures=2)
    assert ok == {"message_phone": "010-12345678", "field_failures": 0} and said == []
