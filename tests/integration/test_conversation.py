"""What a citizen experiences, end to end through the running assistant (REST channel)."""

from __future__ import annotations

import uuid

import pytest

from bot.conversation.unanswered import latest_unanswered
from bot.core.db import make_engine, make_session_factory
from tests.integration.conftest import say, texts, tracker

pytestmark = pytest.mark.stack


def new_sender() -> str:
    return f"citizen-{uuid.uuid4().hex[:10]}"


def test_greeting_names_the_hotline_its_hours_and_scope_and_offers_every_service(stack):
    replies = say(stack, new_sender(), "你好")
    text = texts(replies)
    profile = stack.settings.profile
    assert profile.name in text and profile.service_hours in text
    assert all(item in text for item in profile.scope)
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert payloads == ["/consult", "/complain", "/report", "/suggest", "/check_ticket", "/request_human"]


@pytest.mark.parametrize(
    "message, number",
    [("救命 我家厨房着火了 好大的烟", "119"), ("我爸突然晕倒了叫不醒怎么办", "120"), ("有人在小区门口持刀打人", "110")],
)
def test_emergency_is_pointed_to_the_right_number_first(stack, message, number):
    replies = say(stack, new_sender(), message)
    assert number in replies[0]["text"]
    assert not any(r.get("buttons") for r in replies)  # nothing to fill in, no form


def test_two_misunderstandings_in_a_row_lead_to_a_person_and_are_kept_for_editors(stack):
    sender = new_sender()
    first = say(stack, sender, "今天天气怎么样")
    assert "服务范围" in texts(first)
    assert len([b for r in first for b in r.get("buttons", [])]) == 2
    second = texts(say(stack, sender, "给我讲个笑话吧"))
    assert "已为您转接人工客服" in second
    engine = make_engine(stack.settings.database_url)
    stored = [row.text for row in latest_unanswered(make_session_factory(engine))]
    engine.dispose()
    assert "给我讲个笑话吧" in stored and "今天天气怎么样" in stored


def test_two_stage_fallback_asks_then_asks_to_rephrase_then_offers_a_person(stack):
    sender = new_sender()
    affirmation = say(stack, sender, "/nlu_fallback")
    buttons = [b for r in affirmation for b in r.get("buttons", [])]
    assert len(buttons) == 3 and buttons[-1] == {"title": "都不是", "payload": "/out_of_scope"}
    assert "换个说法" in texts(say(stack, sender, "/out_of_scope"))
    assert len([b for r in say(stack, sender, "/nlu_fallback") for b in r.get("buttons", [])]) == 3
    assert "已为您转接人工客服" in texts(say(stack, sender, "/out_of_scope"))


def test_choosing_a_meaning_continues_as_if_the_citizen_had_said_it(stack):
    sender = new_sender()
    say(stack, sender, "/nlu_fallback")
    assert "投诉" in texts(say(stack, sender, "/complain"))
    assert tracker(stack, sender)["active_loop"]["name"] == "complaint_form"  # the fallback loop is over


def test_emoji_and_sql_looking_text_get_an_ordinary_answer(stack):
    for message in ("😀😀😀", "'; DROP TABLE unanswered_questions; --"):
        replies = say(stack, new_sender(), message)
        assert replies and all(r.get("text") or r.get("buttons") for r in replies)


def test_http_api_requires_the_token(stack):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(f"{stack.rasa_url}/conversations/x/tracker", timeout=10)
    assert denied.value.code == 401
