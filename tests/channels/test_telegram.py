"""The Telegram channel against real-format Update JSON and a stand-in Bot API on localhost."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.core.db import make_engine, make_session_factory
from bot.messaging.undelivered import UndeliveredMessage
from tests.channels.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN, update


def test_a_wrong_or_missing_secret_is_refused(telegram):
    assert telegram.post(update("message_text"), secret="guess").status_code == 403
    assert telegram.post(update("message_text"), secret=None).status_code == 403
    assert telegram.bot.seen == []


def test_a_text_message_is_answered_in_the_chat(telegram, fake_telegram):
    assert telegram.post(update("message_text")).status_code == 200
    (seen,) = telegram.bot.seen
    assert (seen.text, seen.sender_id, seen.input_channel) == ("异地就医怎么备案", f"tg:{TELEGRAM_CHAT}", "telegram")
    assert fake_telegram.texts_to(TELEGRAM_CHAT) == ["收到：异地就医怎么备案"]


@pytest.mark.parametrize(
    "name, text", [("command_start", "/greet"), ("command_human", "/request_human"), ("command_status", "/check_ticket")]
)
def test_commands_greet_ask_for_a_person_and_look_up_a_ticket(telegram, name, text):
    telegram.post(update(name))
    assert [m.text for m in telegram.bot.seen] == [text]


def test_buttons_round_trip_as_an_inline_keyboard_and_a_pressed_button(telegram, fake_telegram):
    long_payload = '/consult{"faq_id": "' + "X" * 80 + '"}'
    telegram.bot.answers["异地就医怎么备案"] = [
        {
            "text": "您是想问：",
            "buttons": [{"title": "我要投诉", "payload": "/complain"}, {"title": "很长的选项", "payload": long_payload}],
        }
    ]
    telegram.post(update("message_text"))
    (sent,) = fake_telegram.sent_to(TELEGRAM_CHAT)
    keyboard = sent["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["我要投诉", "很长的选项"]
    assert keyboard[0][0]["callback_data"] == "/complain" and keyboard[1][0]["callback_data"].startswith("#")
    assert len(keyboard[1][0]["callback_data"].encode()) <= 64  # Telegram's limit for callback data
    telegram.post(update("callback_query"))
    pressed = update("callback_query", update_id=810000099)
    pressed["callback_query"]["data"] = keyboard[1][0]["callback_data"]
    telegram.post(pressed)
    assert [m.text for m in telegram.bot.seen][1:] == ["/complain", long_payload]
    answered = [p for m, p in fake_telegram.calls if m == "answerCallbackQuery"]
    assert answered[0]["callback_query_id"] == "4382bfdwdsb323b2d9" and len(answered) == 2


def test_the_citizens_own_contact_fills_the_phone_and_someone_elses_is_refused(telegram, fake_telegram):
    telegram.post(update("contact"))
    telegram.post(update("contact_someone_else"))
    assert [m.text for m in telegram.bot.seen] == ['/share_contact{"phone": "13812345678"}']
    assert "本人的手机号" in fake_telegram.texts_to(TELEGRAM_CHAT)[-1]


def test_a_question_for_a_phone_offers_the_share_button(telegram, fake_telegram):
    telegram.bot.answers["异地就医怎么备案"] = [{"text": "请留下联系电话", "custom": {"ask": "phone"}}]
    telegram.post(update("message_text"))
    (sent,) = fake_telegram.sent_to(TELEGRAM_CHAT)
    button = sent["reply_markup"]["keyboard"][0][0]
    assert button["request_contact"] is True and button["text"] == "分享我的手机号"


def test_photos_locations_and_venues_are_offered_as_evidence_and_place(telegram):
    for name in ("photo", "location", "venue"):
        telegram.post(update(name))
    photo, location, venue = (m.text for m in telegram.bot.seen)
    assert photo.startswith("/share_image{") and "AQADbig123" in photo  # the largest size
    assert location.startswith("/share_location{") and "39.915119" in location
    assert "幸福小区，幸福大街12号" in venue


@pytest.mark.parametrize("name, words", [("edited_message", "不会重新处理"), ("sticker", "暂不支持"), ("voice", "暂不支持")])
def test_edits_and_unsupported_messages_get_a_polite_reply(telegram, fake_telegram, name, words):
    assert telegram.post(update(name)).status_code == 200
    assert telegram.bot.seen == [] and words in fake_telegram.texts_to(TELEGRAM_CHAT)[-1]


@pytest.mark.parametrize("name", ["my_chat_member", "group_message"])
def test_updates_without_a_private_message_are_acknowledged_and_ignored(telegram, fake_telegram, name):
    assert telegram.post(update(name)).status_code == 200
    assert telegram.bot.seen == [] and fake_telegram.sent_to(TELEGRAM_CHAT) == []


def test_a_redelivered_update_is_handled_once(telegram):
    telegram.post(update("message_text"))
    telegram.post(update("message_text"))
    assert len(telegram.bot.seen) == 1


def test_malformed_and_oversized_bodies_are_refused(telegram):
    assert telegram.post(b"{not json").status_code == 400
    assert telegram.post(b"[1, 2]").status_code == 400
    assert telegram.post(b"{" + b" " * (1024 * 1024 + 1) + b"}").status_code == 413


def test_markup_in_citizen_or_faq_text_is_escaped_and_long_texts_are_split(telegram, fake_telegram):
    telegram.bot.answers["异地就医怎么备案"] = [
        {"text": "<b>粗体</b> *星号* [链接](x) & 其他"},
        {"text": "。".join(["办理须知第一项内容较长"] * 500)},
        {"text": "<" * 5000},
    ]
    telegram.post(update("message_text"))
    sent = fake_telegram.sent_to(TELEGRAM_CHAT)
    assert sent[0]["text"] == "&lt;b&gt;粗体&lt;/b&gt; *星号* [链接](x) &amp; 其他" and sent[0]["parse_mode"] == "HTML"
    assert len(sent) >= 5 and all(len(s["text"]) <= 4096 for s in sent)


def test_a_citizen_typing_a_slash_cannot_send_an_intent(telegram):
    telegram.post(update("message_text", message={**update("message_text")["message"], "text": "/affirm"}))
    assert [m.text for m in telegram.bot.seen] == ["affirm"]


def test_a_blocked_bot_keeps_the_message_for_staff(telegram, fake_telegram):
    fake_telegram.blocked.add(TELEGRAM_CHAT)
    assert telegram.post(update("message_text")).status_code == 200
    with make_session_factory(make_engine(telegram.settings.database_url))() as session:
        (row,) = session.scalars(select(UndeliveredMessage)).all()
    assert row.channel == "telegram" and "Forbidden" in row.reason


def test_the_token_never_reaches_the_logs(telegram, caplog):
    caplog.set_level(logging.DEBUG)
    telegram.post(update("message_text"))
    assert caplog.records and TELEGRAM_TOKEN not in caplog.text


def test_a_button_of_an_earlier_message_still_works(telegram, fake_telegram):
    telegram.bot.answers["异地就医怎么备案"] = [
        {"text": "请评价：", "buttons": [{"title": "满意", "payload": "/affirm"}]},
        {"text": "还有别的吗？", "buttons": [{"title": "没有了", "payload": "/deny"}]},
    ]
    telegram.post(update("message_text"))
    pressed = update("callback_query", update_id=810000098)
    pressed["callback_query"]["data"] = "/affirm"  # the first message's button, after the second came
    telegram.post(pressed)
    assert telegram.bot.seen[-1].text == "/affirm"


def test_callback_data_the_bot_never_offered_is_plain_text(telegram):
    forged = update("callback_query")
    forged["callback_query"]["data"] = '/rate_ticket{"ticket_number": "TS202611280001", "rating": "satisfied"}'
    assert telegram.post(forged).status_code == 200
    (seen,) = telegram.bot.seen
    assert seen.text == 'rate_ticket{"ticket_number": "TS202611280001", "rating": "satisfied"}'
