"""The consultation actions against tracker fixtures, on the sample knowledge base."""

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy.exc import OperationalError

from actions import services
from actions.faq import ActionAnswerFaq, ActionRecordFaqFeedback
from bot.conversation.unanswered import latest_unanswered
from bot.faq.store import feedback_counts, set_status
from bot.faq.transfer import import_file
from tests.actions.conftest import load_tracker, run_action
from tests.bot.faq.conftest import SAMPLE


@pytest.fixture(autouse=True)
def knowledge_base(isolated_services):
    services.live_faq.cache_clear()
    import_file(services.session_factory(), SAMPLE, actor="test")
    yield
    services.live_faq.cache_clear()


def _asking(text: str, intent: str = "consult", entities=None, **changes):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text, "parse_data": message}]
    return load_tracker("consult_question", latest_message=message, events=events, **changes)


def test_a_clear_question_is_answered_at_once_and_feedback_is_asked():
    messages, events = run_action(ActionAnswerFaq(), load_tracker("consult_question"))
    assert "国家医保服务平台" in messages[0]["text"]  # MI-001's answer, from the database
    assert messages[1]["response"] == "utter_ask_faq_feedback"
    assert events == [SlotSet("faq_entry_id", "MI-001")]


def test_a_vague_question_offers_the_likeliest_questions_and_none_of_these():
    messages, events = run_action(ActionAnswerFaq(), _asking("社保的事情"))
    (message,) = messages
    assert message["response"] == "utter_faq_clarify"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads[-1] == "/none_of_these" and message["buttons"][-1]["title"] == "都不是"
    assert all(p.startswith('/consult{"faq_id": "SI-') for p in payloads[:-1])
    assert events[0] == SlotSet("faq_entry_id", None)


def test_a_picked_choice_is_answered_with_that_entry():
    tracker = _asking('/consult{"faq_id": "SI-002"}', entities=[{"entity": "faq_id", "value": "SI-002"}])
    messages, events = run_action(ActionAnswerFaq(), tracker)
    assert "挂失" in messages[0]["text"]
    assert events == [SlotSet("faq_entry_id", "SI-002")]


def test_a_retired_entry_picked_from_an_old_button_is_not_served():
    set_status(services.session_factory(), "SI-002", "retired", actor="editor")
    tracker = _asking('/consult{"faq_id": "SI-002"}', entities=[{"entity": "faq_id", "value": "SI-002"}])
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert messages[0]["response"] == "utter_ask_consult_question"


def test_nothing_close_is_said_honestly_recorded_and_a_person_or_a_message_offered():
    messages, _ = run_action(ActionAnswerFaq(), _asking("推荐几部好看的电影，我电话13812345678"))
    assert [m["response"] for m in messages] == ["utter_faq_no_answer"]
    (row,) = latest_unanswered(services.session_factory())
    assert row.reason == "faq_no_match" and row.conversation_id == "c1"
    assert "13812345678" not in row.text


def test_none_of_these_declines_and_records_the_original_question():
    tracker = _asking("/none_of_these", intent="none_of_these")
    tracker.events.insert(1, {"event": "user", "text": "社保的事情", "parse_data": {"intent": {"name": "consult"}}})
    messages, _ = run_action(ActionAnswerFaq(), tracker)
    assert [m["response"] for m in messages] == ["utter_faq_no_answer"]
    assert latest_unanswered(services.session_factory())[0].text == "社保的事情"


def test_inside_a_form_the_answer_comes_without_a_feedback_question():
    tracker = load_tracker("consult_question", active_loop={"name": "complaint_form"})
    messages, events = run_action(ActionAnswerFaq(), tracker)
    assert len(messages) == 1 and "国家医保服务平台" in messages[0]["text"]
    assert events == [SlotSet("faq_entry_id", None)]  # the form's next question follows; nothing else changes


def test_the_consult_button_without_a_question_asks_for_one():
    messages, _ = run_action(ActionAnswerFaq(), _asking("/consult"))
    assert messages[0]["response"] == "utter_ask_consult_question"


@pytest.mark.parametrize(
    ("intent", "reply", "counts"), [("affirm", "utter_faq_glad", (1, 0)), ("deny", "utter_faq_sorry", (0, 1))]
)
def test_feedback_is_stored_against_the_answered_entry(intent, reply, counts):
    tracker = _asking("解决了" if intent == "affirm" else "没用", intent=intent, slots={"faq_entry_id": "MI-001"})
    messages, events = run_action(ActionRecordFaqFeedback(), tracker)
    assert messages[0]["response"] == reply
    assert events[0] == SlotSet("faq_entry_id", None)
    assert feedback_counts(services.session_factory(), "MI-001") == counts


def test_yes_after_a_non_answer_is_not_taken_as_feedback():
    messages, events = run_action(ActionRecordFaqFeedback(), _asking("好的", intent="affirm"))
    assert messages[0]["response"] == "utter_anything_else" and events == []


def test_a_database_outage_gets_a_clear_answer(monkeypatch):
    def broken():
        raise OperationalError("SELECT", {}, Exception("database is gone"))

    monkeypatch.setattr("actions.faq.live_faq", broken)
    messages, _ = run_action(ActionAnswerFaq(), load_tracker("consult_question"))
    assert messages[0]["response"] == "utter_faq_unavailable"
