"""The web chat channel as the page uses it: socket.io events, page assets, hotline profile."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
import socketio

from tests.integration.webchat_page import Page

pytestmark = pytest.mark.stack


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, "", b""


async def exchange(base_url: str, messages: list[str], session_id: str | None = None) -> tuple[str, list[list[dict]]]:
    """Open a session like the page does, send each message, collect the replies to each (every message
    of the turn: see tests/integration/webchat_page.py)."""
    page = Page(base_url)
    page.session_id = session_id
    try:
        await page.open()
        answers = [await page.say(message) for message in messages]
        return page.session_id, answers
    finally:
        await page.close()


def test_page_assets_and_profile_are_served_and_nothing_else(stack):
    base = f"{stack.rasa_url}/webhooks/webchat"
    status, content_type, body = get(f"{base}/chat")
    assert status == 200 and "text/html" in content_type and "charset=utf-8" in content_type
    assert '<meta charset="utf-8">' in body.decode()
    assert get(f"{base}/static/chat.js")[0] == 200
    assert get(f"{base}/static/vendor/socket.io.min.js")[0] == 200
    assert get(f"{base}/static/..%2Fwebchat.py")[0] == 404
    assert get(f"{base}/static/index.html")[0] == 404
    status, _, body = get(f"{base}/profile")
    assert status == 200 and json.loads(body)["number"] == stack.settings.profile.number


def test_webchat_answers_and_renders_buttons_as_quick_replies(stack):
    _, (greeting,) = asyncio.run(exchange(stack.rasa_url, ["你好"]))
    assert stack.settings.profile.name in " ".join(m.get("text", "") for m in greeting)
    assert [q["payload"] for q in greeting[-1]["quick_replies"]][:2] == ["/consult", "/complain"]


def test_empty_and_overlong_messages_get_a_clear_answer(stack):
    too_long = "噪" * (stack.settings.max_message_chars + 1)
    _, (empty, long) = asyncio.run(exchange(stack.rasa_url, ["   ", too_long]))
    assert "没有输入内容" in empty[0]["text"]
    assert "太长" in long[0]["text"]


def test_a_returning_page_continues_the_same_conversation(stack):
    session, _ = asyncio.run(exchange(stack.rasa_url, ["你好"]))
    again, _ = asyncio.run(exchange(stack.rasa_url, ["谢谢"], session_id=session))
    assert again == session
    from tests.integration.conftest import tracker

    said = [e["text"] for e in tracker(stack, "web:" + session.split(".")[0])["events"] if e["event"] == "user"]
    assert said[-2:] == ["你好", "谢谢"]


def _conversation(token: str) -> str:
    return "web:" + token.split(".")[0]


def _user_texts(stack, token: str) -> list[str]:
    from tests.integration.conftest import tracker

    return [e["text"] for e in tracker(stack, _conversation(token))["events"] if e["event"] == "user"]


def test_a_forged_or_foreign_session_id_starts_a_new_session(stack):
    mine, _ = asyncio.run(exchange(stack.rasa_url, ["你好"]))
    session, signature = mine.split(".")
    for forged in (session, f"{session}.{'0' * 32}", "../../etc", {"nested": 1}):
        other, _ = asyncio.run(exchange(stack.rasa_url, ["谢谢"], session_id=forged))
        assert other != mine and other.split(".")[0] != session
    assert _user_texts(stack, mine) == ["你好"]


async def _say_as(base_url: str, claimed: str, text: str) -> str:
    """Open a fresh session, then send ``text`` claiming another session's id in the event."""
    client = socketio.AsyncClient()
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    answered: asyncio.Future = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda _: answered.done() or answered.set_result(True))
    await client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": None})
        own = await asyncio.wait_for(confirmed, 20)
        # acknowledged once the turn is processed: the trackers read afterwards hold all of it
        await client.call("user_uttered", {"message": text, "session_id": claimed}, timeout=60)
        await asyncio.wait_for(answered, 60)
        return own
    finally:
        await client.disconnect()


def test_a_message_naming_another_session_stays_in_the_senders_own(stack):
    victim, _ = asyncio.run(exchange(stack.rasa_url, ["你好"]))
    attacker = asyncio.run(_say_as(stack.rasa_url, victim, "我的工单"))
    assert _user_texts(stack, victim) == ["你好"]
    assert _user_texts(stack, attacker) == ["我的工单"]


def test_typed_intents_are_plain_text_and_offered_buttons_still_work(stack):
    session, (_, typed, pressed) = asyncio.run(exchange(stack.rasa_url, ["你好", '/request_human{"x": 1}', "/complain"]))
    assert not any("转接人工" in m.get("text", "") for m in typed)
    assert any("投诉" in m.get("text", "") for m in pressed)  # a quick reply the greeting offered
    from tests.integration.conftest import tracker

    users = [e for e in tracker(stack, _conversation(session))["events"] if e["event"] == "user"]
    assert users[1]["text"] == 'request_human{"x": 1}' and users[2]["parse_data"]["intent"]["name"] == "complain"
