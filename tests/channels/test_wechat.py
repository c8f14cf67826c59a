"""The WeChat channel against real-format XML: signatures, modes, every message type, retries,
the five-second budget, numbered buttons, long texts, the API's tokens and its refusals."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from bot.core.db import make_engine, make_session_factory
from bot.messaging.undelivered import UndeliveredMessage
from bot.messaging.wechat.protocol import signature
from tests.channels.conftest import FIXTURES, OPENID, TOKEN, fixture


def test_url_verification_echoes_only_for_a_valid_signature(wechat):
    channel = wechat()
    stamp, nonce = str(int(time.time())), "n0nce"
    good = {"signature": signature(TOKEN, stamp, nonce), "timestamp": stamp, "nonce": nonce, "echostr": "8765"}
    assert channel.call("GET", params=good).text == "8765"
    assert channel.call("GET", params={**good, "signature": "f" * 40}).status_code == 403


@pytest.mark.parametrize("mode", ["plaintext", "safe", "compatible"])
def test_a_text_message_is_answered_passively_in_every_mode(wechat, mode):
    channel = wechat(mode)
    answer, text = channel.send(fixture("text"))
    assert answer.status_code == 200 and text == "收到：异地就医怎么备案"
    (seen,) = channel.bot.seen
    assert (seen.sender_id, seen.input_channel) == (f"wx:{OPENID}", "wechat")  # its own conversations


def test_forged_and_stale_requests_are_refused_before_anything_else(wechat, caplog):
    channel = wechat()
    forged, _ = channel.send(fixture("text"), forge=True)
    stale, _ = channel.send(fixture("text"), timestamp=int(time.time()) - 600)
    assert forged.status_code == stale.status_code == 403
    assert channel.bot.seen == []
    assert "异地就医" not in caplog.text  # no message content in the logs


def test_safe_mode_refuses_a_plaintext_body(wechat):
    channel = wechat("safe")
    channel.server.mode = "plaintext"
    answer, _ = channel.send(fixture("text"))
    assert answer.status_code == 403 and channel.bot.seen == []


@pytest.mark.parametrize("name", ["billion_laughs", "external_entity"])
def test_xml_with_entities_is_refused_without_parsing(wechat, name):
    channel = wechat()
    answer, _ = channel.send(fixture(name))
    assert answer.status_code == 400 and channel.bot.seen == []


def test_malformed_empty_and_oversized_bodies_are_refused_safely(wechat):
    channel = wechat()

    def signed() -> dict:  # each request freshly signed: a signature seen before may not carry another body
        return channel.server.request(fixture("text"))[0]

    assert channel.call("POST", params=signed(), content=b"<xml><MsgType>text").status_code == 400
    assert channel.call("POST", params=signed(), content=b"").status_code == 400
    assert channel.call("POST", params=signed(), content=b"<xml>" + b"x" * 70_000 + b"</xml>").status_code == 413
    assert channel.bot.seen == []


def test_a_retried_message_is_processed_once_and_gets_the_same_answer(wechat):
    channel = wechat()
    xml = fixture("text")
    _, first = channel.send(xml)
    _, again = channel.send(xml)
    assert first == again == "收到：异地就医怎么备案"
    assert len(channel.bot.seen) == 1


def test_a_captured_signature_cannot_carry_another_body(wechat):
    channel = wechat("plaintext")
    params, body = channel.server.request(fixture("text"))
    assert channel.call("POST", params=params, content=body).status_code == 200
    assert channel.call("POST", params=params, content=body).status_code == 200  # WeChat's own retry
    forged = body.replace("异地就医怎么备案".encode(), "我要投诉".encode())
    assert channel.call("POST", params=params, content=forged).status_code == 403
    assert [m.text for m in channel.bot.seen] == ["异地就医怎么备案"]


def test_events_are_deduplicated_by_sender_and_create_time(wechat):
    channel = wechat()
    channel.send(fixture("event_subscribe"))
    channel.send(fixture("event_subscribe"))
    assert [m.text for m in channel.bot.seen] == ["/greet"]


def test_a_slow_answer_says_success_at_once_and_arrives_through_the_api(wechat, fake_api):
    channel = wechat(reply_within=0.3)
    channel.bot.delay = 1.0
    answer, text = channel.send(fixture("text"))
    assert answer.text == "success" and text is None  # no passive reply: WeChat was answered before the bot was done
    assert fake_api.texts_to(OPENID) == []  # the answer comes after that, through the API
    _, retry = channel.send(fixture("text"))  # WeChat's retry meanwhile: not processed again
    assert retry is None and len(channel.bot.seen) == 1
    channel.settle(lambda: fake_api.texts_to(OPENID) == ["收到：异地就医怎么备案"])
    assert fake_api.tokens_issued == 1


@pytest.mark.parametrize(
    "name, text",
    [("voice_recognised", "我要投诉"), ("event_subscribe", "/greet"), ("event_scan", "/greet"), ("event_click", "/complain")],
)
def test_voice_with_recognition_and_events_become_messages(wechat, name, text):
    channel = wechat()
    channel.send(fixture(name))
    assert [m.text for m in channel.bot.seen] == [text]


def test_images_and_locations_are_offered_as_evidence_and_place(wechat):
    channel = wechat()
    channel.send(fixture("image"))
    channel.send(fixture("location"))
    image, location = (m.text for m in channel.bot.seen)
    assert image.startswith("/share_image{") and "B1Ixv2z5dLmNJ2Wq8H8K_media" in image
    assert location.startswith("/share_location{") and "北京市东城区幸福大街12号" in location


@pytest.mark.parametrize("name, words", [("voice", "没有识别出文字"), ("link", "已收到您分享的链接"), ("video", "暂不支持")])
def test_what_the_assistant_cannot_use_gets_a_polite_reply(wechat, name, words):
    channel = wechat()
    answer, text = channel.send(fixture(name))
    assert answer.status_code == 200 and words in text and channel.bot.seen == []


@pytest.mark.parametrize("name", ["event_unsubscribe", "event_view", "event_location"])
def test_events_without_anything_to_say_get_success(wechat, name):
    channel = wechat()
    answer, text = channel.send(fixture(name))
    assert answer.text == "success" and text is None and channel.bot.seen == []


def test_buttons_become_numbered_options_answered_by_number_or_words(wechat):
    channel = wechat()
    channel.bot.answers["你好"] = [
        {
            "text": "请问有什么可以帮您？",
            "buttons": [{"title": "我要咨询", "payload": "/consult"}, {"title": "我要投诉", "payload": "/complain"}],
        }
    ]
    _, menu = channel.send(fixture("text", **{"异地就医怎么备案": "你好"}))
    assert "1. 我要咨询" in menu and "2. 我要投诉" in menu and "回复数字" in menu
    channel.send(fixture("text", **{"异地就医怎么备案": "2", "24512345678901234": "1"}))
    channel.send(fixture("text", **{"异地就医怎么备案": "我要咨询", "24512345678901234": "2"}))
    assert [m.text for m in channel.bot.seen] == ["你好", "/complain", "/consult"]


def test_several_messages_and_long_texts_fit_the_limits_in_order(wechat, fake_api):
    channel = wechat()
    long_text = "。".join(f"第{i}条办理须知：请携带身份证原件和复印件到窗口办理" for i in range(60)) + "。"
    channel.bot.answers["异地就医怎么备案"] = [{"text": "第一条"}, {"text": "第二条"}, {"text": long_text}]
    _, passive = channel.send(fixture("text"))
    assert passive.startswith("第一条\n\n第二条")
    channel.settle(lambda: len(fake_api.texts_to(OPENID)) >= 1)
    pushed = fake_api.texts_to(OPENID)
    assert all(len(text.encode()) <= 2000 for text in [passive, *pushed])
    assert "".join([passive, *pushed]).replace("\n", "").endswith("第59条办理须知：请携带身份证原件和复印件到窗口办理。")


def test_an_expired_token_is_refreshed_and_the_message_still_goes(wechat, fake_api):
    channel = wechat()
    channel.channel.courier.send(OPENID, ["第一条"])
    fake_api.expire_all_tokens()
    assert channel.channel.courier.send(OPENID, ["第二条"])
    assert fake_api.texts_to(OPENID) == ["第一条", "第二条"] and fake_api.tokens_issued == 2


def test_a_closed_window_is_recorded_for_staff_or_sent_as_a_template(wechat, fake_api):
    fake_api.window_closed.add(OPENID)
    channel = wechat()
    assert not channel.channel.courier.send(OPENID, ["您的工单已答复，电话13812345678"])
    with make_session_factory(make_engine(channel.settings.database_url))() as session:
        (row,) = session.scalars(select(UndeliveredMessage)).all()
    assert row.channel == "wechat" and "45015" in row.reason and "138****5678" in row.text
    with_template = wechat(template_id="TEMPLATE-1")
    assert with_template.channel.courier.send(OPENID, ["您的工单已答复"])
    assert fake_api.templates[-1]["template_id"] == "TEMPLATE-1"


def test_a_dialogue_failure_gets_an_apology_not_silence(wechat):
    channel = wechat()
    channel.bot.fail = True
    _, text = channel.send(fixture("text"))
    assert "系统暂时繁忙" in text


def test_an_encrypted_message_exactly_as_wechat_sent_it_is_decrypted_and_answered_encrypted(wechat, monkeypatch):
    params = json.loads((FIXTURES / "text_encrypted.query.json").read_text())
    monkeypatch.setattr("bot.messaging.wechat.protocol.time.time", lambda: int(params["timestamp"]) + 3)
    channel = wechat("safe")
    answer = channel.call("POST", params=params, content=(FIXTURES / "text_encrypted.xml").read_bytes())
    assert "<Encrypt>" in answer.text and "异地就医" not in answer.text
    assert channel.server.reply_text(answer.text, params) == "收到：异地就医怎么备案"
    tampered = {**params, "msg_signature": "0" * 40}
    assert channel.call("POST", params=tampered, content=(FIXTURES / "text_encrypted.xml").read_bytes()).status_code == 403


@pytest.mark.parametrize("mode", ["plaintext", "safe"])
@pytest.mark.parametrize(
    "name",
    sorted(p.stem for p in FIXTURES.glob("*.xml") if p.stem not in ("billion_laughs", "external_entity", "text_encrypted")),
)
def test_every_message_and_event_type_gets_an_answer_wechat_accepts(wechat, mode, name):
    channel = wechat(mode)
    answer, text = channel.send(fixture(name))
    assert answer.status_code == 200
    assert answer.text == "success" or text  # a passive reply, or WeChat's "nothing to say"


def test_a_citizen_cannot_type_an_intent_payload(wechat):
    channel = wechat()
    channel.send(fixture("text", **{"异地就医怎么备案": "/affirm"}))
    assert [m.text for m in channel.bot.seen] == ["affirm"]
