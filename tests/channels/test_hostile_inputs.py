"""Hostile input through every text channel, generated: huge, empty, emoji, control and bidi characters,
SQL- and HTML-looking text, typed ``/intent{…}`` payloads, in real-format WeChat XML, Telegram JSON,
REST JSON and web chat ``user_uttered`` events. Whatever comes in: no 5xx, no crash, and nothing lost —
each message reaches the dialogue once, screened (no control characters, never longer than the limit,
empty and over-long ones as the shortcuts the dialogue answers), and a citizen's typed slash never
becomes an intent.

2,500 examples per channel (10,000 in all), derandomized so CI sees the same inputs every run. The web
chat's socket.io transport itself runs in tests/integration/test_webchat_channel.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from xml.sax.saxutils import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.messaging.screening import EMPTY_MESSAGE_INTENT, TOO_LONG_INTENT
from bot.messaging.telegram.updates import COMMANDS
from channels.screening import message_throttle
from tests.channels.conftest import ScriptedBot, fixture, update
from tests.channels.test_webchat import web_chat

EXAMPLES_PER_CHANNEL = 2500
HOSTILE = settings(
    max_examples=EXAMPLES_PER_CHANNEL,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
TEMPLATES = [
    "'; DROP TABLE tickets; --",
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '/rate_ticket{"ticket_number": "TS202611280001", "rating": "satisfied"}',
    '/consult{"faq_id": "T-001"}',
    "/request_human",
    "/affirm",
    '=HYPERLINK("http://evil.example")',
    "${jndi:ldap://x}",
    "{{7*7}}",
    "\u202e\u2066反转\u2069",
    "😀" * 50,
    "\u200b\u200d\ufeff",
    "%00%0d%0a",
    "\\x00\\n",
    "投诉" * 40,
]
chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
pieces = st.one_of(
    st.text(chars, max_size=60),
    st.sampled_from(TEMPLATES),
    st.text(st.sampled_from("\x00\x07\x1b\x7f\u202e\u2066\u200f\t\n\r 　"), max_size=20),
)
hostile = st.one_of(
    st.lists(pieces, max_size=6).map("".join),
    st.sampled_from(["", " ", "\n\t", "\x00", "　　"]),
    st.integers(min_value=2001, max_value=100_000).map(lambda n: "投" * n),  # over MAX_MESSAGE_CHARS
)


def _check_screened(seen: str, max_chars: int, *, payloads: bool = False) -> None:
    assert not _CONTROL.search(seen)
    if seen in (EMPTY_MESSAGE_INTENT, TOO_LONG_INTENT):
        return
    assert 0 < len(seen) <= max_chars
    assert payloads or not seen.startswith("/")  # a typed slash never becomes an intent


@HOSTILE
@given(text=hostile)
def test_rest_takes_anything_and_loses_nothing(rest, text):
    post, bot = rest
    message_throttle.cache_clear()  # thousands of examples from one test client: not what is tested here
    before = len(bot.seen)
    answer = post({"sender": uuid.uuid4().hex, "message": text})
    assert answer.status_code == 200 and isinstance(answer.json(), list) and answer.json()
    assert len(bot.seen) == before + 1
    _check_screened(bot.seen[-1].text, 2000, payloads=True)  # integrations may send payloads on purpose


@HOSTILE
@given(text=hostile.map(lambda t: _XML_INVALID.sub("", t)[:2000]))  # what WeChat's XML can carry at all
def test_wechat_takes_anything_and_loses_nothing(wechat_plain, text):
    channel = wechat_plain
    before = len(channel.bot.seen)
    openid = "o" + uuid.uuid4().hex[:27]
    xml = (
        fixture("text")
        .replace("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", openid)
        .replace("<![CDATA[异地就医怎么备案]]>", escape(text))
        .replace("24512345678901234", str(uuid.uuid4().int)[:17])
    )
    answer, reply = channel.send(xml)
    assert answer.status_code == 200 and reply
    if len(channel.bot.seen) == before:  # nothing for the dialogue: the channel answered itself
        return
    assert len(channel.bot.seen) == before + 1
    _check_screened(channel.bot.seen[-1].text, 2000)


@HOSTILE
@given(text=hostile.map(lambda t: t[:4096]))  # Telegram's own limit
def test_telegram_takes_anything_and_loses_nothing(telegram, text):
    before = len(telegram.bot.seen)
    chat = 100_000 + uuid.uuid4().int % 10**9
    body = update("message_text", update_id=uuid.uuid4().int % 10**12)
    body["message"]["text"] = text
    body["message"]["chat"]["id"] = body["message"]["from"]["id"] = chat
    answer = telegram.post(json.dumps(body, ensure_ascii=False).encode())
    assert answer.status_code == 200
    if not text:
        return  # Telegram never sends an empty text; the update is acknowledged
    assert len(telegram.bot.seen) == before + 1
    seen = telegram.bot.seen[-1].text
    if seen in COMMANDS.values():  # /start, /human …: the commands the bot offers
        return
    _check_screened(seen, 2000)


WEB_CHAT = web_chat()


@HOSTILE
@given(text=hostile)
def test_web_chat_takes_anything_and_loses_nothing(text):
    message_throttle.cache_clear()
    bot = ScriptedBot()
    session = uuid.uuid4().hex
    asyncio.run(WEB_CHAT._user_uttered(session, {"message": text, "session_id": "forged"}, WEB_CHAT.message_handler(bot)))
    (seen,) = bot.seen
    assert seen.sender_id == f"web:{session}"
    _check_screened(seen.text, 2000)
