from rasa_sdk.events import ConversationPaused
from sqlalchemy.exc import OperationalError

from actions import services
from actions.fallback import ActionAskAffirmation, ActionDefaultFallback, ActionOutOfScope
from bot.conversation.unanswered import latest_unanswered
from tests.actions.conftest import load_tracker, run_action


def test_unsure_bot_offers_the_two_likeliest_meanings_and_none_of_these():
    messages, events = run_action(ActionAskAffirmation(), load_tracker("unclear_complaint_or_report"))
    assert events == []
    (message,) = messages
    assert message["response"] == "utter_ask_affirmation"
    assert [b["payload"] for b in message["buttons"]] == ["/complain", "/report", "/out_of_scope"]
    assert message["buttons"][-1]["title"] == "都不是"


def test_first_out_of_scope_explains_the_scope_with_choices():
    tracker = load_tracker("out_of_scope_twice")
    tracker.events = tracker.events[-1:]  # only the latest message
    messages, _ = run_action(ActionOutOfScope(), tracker)
    assert messages[0]["response"] == "utter_out_of_scope"
    assert len(messages[0]["buttons"]) == 2


def test_second_misunderstanding_in_a_row_hands_over_to_a_person_and_keeps_the_question_masked():
    messages, events = run_action(ActionOutOfScope(), load_tracker("out_of_scope_twice"))
    assert "已为您转接人工客服" in messages[0]["text"] and events[-1] == ConversationPaused()
    assert services.handoff_queue().waiting()[0].reason == "misunderstood"
    (row,) = latest_unanswered(services.session_factory())
    assert row.reason == "out_of_scope" and row.channel == "rest"
    assert "13812345678" not in row.text and "讲个笑话" in row.text


def test_final_fallback_hands_over_and_records_what_the_citizen_typed():
    tracker = load_tracker("unclear_complaint_or_report")
    tracker.events.append({"event": "user", "text": "/out_of_scope", "parse_data": {"intent": {"name": "out_of_scope"}}})
    messages, events = run_action(ActionDefaultFallback(), tracker)
    assert "已为您转接人工客服" in messages[0]["text"] and events == [ConversationPaused()]
    (row,) = latest_unanswered(services.session_factory())
    assert row.text == "那个楼下的事你们管不管" and row.top_intent == "nlu_fallback"


def test_a_database_that_went_away_does_not_stop_the_answer(monkeypatch):
    def broken_factory():
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr("actions.unanswered.session_factory", broken_factory)
    messages, _ = run_action(ActionOutOfScope(), load_tracker("out_of_scope_twice"))
    assert "已为您转接人工客服" in messages[0]["text"]
