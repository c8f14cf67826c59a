"""What the assistant could not answer is kept for editors: the citizen's own words, masked, with the likeliest intent."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from actions import services
from actions.unanswered import intent_ranking, last_citizen_text, remember_misunderstanding
from bot.conversation.unanswered import latest_unanswered
from tests.actions.conftest import load_tracker

PERSONAL = "我电话138 1234 5678，身份证110101199003071234，楼下烧烤店占道经营有人管吗"


def _said(*texts: str, channel: str | None = "wechat", ranking: list[dict] | None = None, **changes):
    """A tracker in which the citizen typed (or clicked) ``texts`` in turn, each answered by the bot."""
    events = [{"event": "action", "name": "action_listen"}]
    for text in texts:
        user = {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}
        if channel:
            user["input_channel"] = channel
        events += [user, {"event": "bot", "text": "抱歉，我没有理解您的意思。"}]
    latest = {"text": texts[-1] if texts else None, "intent_ranking": ranking or [], "entities": []}
    return load_tracker("consult_question", events=events, latest_message=latest, latest_input_channel=channel, **changes)


def _rows():
    return latest_unanswered(services.session_factory())


def test_the_question_is_kept_with_phone_and_id_numbers_masked():
    """Editors can read what was asked; nobody can read the citizen's phone or ID number from it."""
    ranking = [{"name": "nlu_fallback", "confidence": 0.35}, {"name": "complain", "confidence": 0.3}]
    remember_misunderstanding(_said(PERSONAL, ranking=ranking, sender_id="wx-user-9"), "fallback")
    (row,) = _rows()
    assert "楼下烧烤店占道经营有人管吗" in row.text
    assert "1234 5678" not in row.text and "12345678" not in row.text and "138****5678" in row.text
    assert "110101199003071234" not in row.text and "19900307" not in row.text
    assert (row.channel, row.reason, row.conversation_id) == ("wechat", "fallback", "wx-user-9")
    assert (row.top_intent, row.confidence) == ("nlu_fallback", 0.35)


def test_button_clicks_and_the_bots_own_words_are_not_taken_for_the_question():
    """After "都不是" (a /out_of_scope button) the question kept is the one the citizen typed before it."""
    tracker = _said("  那个楼下的事你们管不管  ", "/out_of_scope")
    assert last_citizen_text(tracker) == "那个楼下的事你们管不管"
    remember_misunderstanding(tracker, "out_of_scope")
    assert [r.text for r in _rows()] == ["那个楼下的事你们管不管"]


def test_nothing_typed_nothing_kept():
    """A conversation of button clicks only leaves no empty entry for editors."""
    tracker = _said("/greet", "/out_of_scope")
    assert last_citizen_text(tracker) == ""
    remember_misunderstanding(tracker, "out_of_scope")
    assert _rows() == []


def test_the_likeliest_intent_is_kept_whatever_the_order_of_the_ranking():
    ranking = [{"name": "complain", "confidence": 0.2}, {"name": "report", "confidence": 0.55}, {"name": "consult"}]
    tracker = _said("那边天天有人偷倒垃圾", ranking=ranking)
    assert intent_ranking(tracker) == [("complain", 0.2), ("report", 0.55), ("consult", 0.0)]
    remember_misunderstanding(tracker, "fallback")
    (row,) = _rows()
    assert (row.top_intent, row.confidence) == ("report", 0.55)


def test_without_a_ranking_or_a_channel_the_question_is_still_kept():
    remember_misunderstanding(_said("这个归谁管", channel=None), "fallback")
    (row,) = _rows()
    assert (row.text, row.channel, row.top_intent, row.confidence) == ("这个归谁管", "unknown", None, None)


def test_a_database_failure_is_logged_without_the_citizens_words(monkeypatch, caplog):
    """The reply goes on; the log says what failed but holds no phone number or question text."""

    def broken(factory, item):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr("actions.unanswered.record_unanswered", broken)
    with caplog.at_level(logging.ERROR, logger="actions.unanswered"):
        remember_misunderstanding(_said(PERSONAL), "fallback")
    (record,) = [r for r in caplog.records if r.name == "actions.unanswered"]
    assert "OperationalError" in record.getMessage()
    assert "5678" not in caplog.text and "烧烤" not in caplog.text
