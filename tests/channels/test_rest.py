"""The REST channel for integrations: only with the API token, checked and screened like citizen channels."""

from __future__ import annotations

import pytest

from channels.serve import UnsafeChannelError, check_credentials
from tests.channels.conftest import REST_TOKEN as API_TOKEN


def test_without_the_api_token_nobody_writes_into_a_conversation(rest):
    post, bot = rest
    for token in (None, "", "wrong-token", API_TOKEN[:-1]):
        answer = post({"sender": "tg:523456789", "message": "我的工单"}, token=token)
        assert answer.status_code == 401 and "Authorization" in answer.json()["error"]
    assert bot.seen == []


def test_with_the_token_a_message_is_answered_in_the_rest_channels_own_conversation(rest):
    post, bot = rest
    answer = post({"sender": "integration-1", "message": "你好"})
    assert answer.status_code == 200 and answer.json()[0]["text"] == "收到：你好"
    post({"sender": "tg:523456789", "message": "我的工单", "input_channel": "telegram"})  # another channel's citizen
    assert [(m.sender_id, m.input_channel) for m in bot.seen] == [("rest:integration-1", "rest"), ("rest:tg:523456789", "rest")]


@pytest.mark.parametrize(
    "body",
    [
        {"message": "你好"},
        {"sender": "", "message": "你好"},
        {"sender": "x" * 500, "message": "x"},
        {"sender": 7, "message": "你好"},
        {"sender": "a", "message": None},
        ["sender"],
    ],
)
def test_a_request_without_a_usable_sender_or_message_is_refused_with_the_reason(rest, body):
    post, bot = rest
    answer = post(body)
    assert answer.status_code == 400 and answer.json()["error"]
    assert bot.seen == []


def test_a_body_that_is_not_json_is_refused(rest):
    post, bot = rest
    answer = post(None, content=b"{not json", token=API_TOKEN)
    assert answer.status_code == 400 and bot.seen == []


def test_huge_empty_and_control_character_messages_are_screened(rest):
    post, bot = rest
    post({"sender": "a", "message": "投" * 100_000})
    post({"sender": "a", "message": "  \u0000 "})
    post({"sender": "a", "message": "路灯\u0007坏了"})
    assert [m.text for m in bot.seen] == ["/message_too_long", "/empty_message", "路灯坏了"]


def test_a_failing_dialogue_still_answers_politely(rest):
    post, bot = rest
    bot.fail = True
    answer = post({"sender": "a", "message": "你好"})
    assert answer.status_code == 200 and "稍后" in answer.json()[0]["text"]


def test_the_server_refuses_rasas_unauthenticated_rest_channel(tmp_path):
    stock = tmp_path / "credentials.yml"
    stock.write_text("rest:\nchannels.webchat.WebChatInput:\n", encoding="utf-8")
    with pytest.raises(UnsafeChannelError, match="AuthenticatedRestInput"):
        check_credentials(str(stock))
    stock.write_text("channels.rest.AuthenticatedRestInput:\n", encoding="utf-8")
    check_credentials(str(stock))


def test_a_sender_who_writes_too_fast_gets_a_polite_answer_and_the_dialogue_is_spared(rest):
    post, bot = rest
    for n in range(20):
        post({"sender": "script", "message": f"第{n}条"})
    answer = post({"sender": "script", "message": "第21条"})
    assert "太频繁" in answer.json()[0]["text"] and "110" in answer.json()[0]["text"]
    assert len(bot.seen) == 20
    assert post({"sender": "someone-else", "message": "你好"}).json()[0]["text"] == "收到：你好"
