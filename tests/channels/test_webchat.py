"""The web chat channel's message handler in-process: the conversation the handshake bound, and one
client address writing for many sessions is throttled (the socket.io path end to end: tests/integration)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from bot.core.throttle import MESSAGES_PER_CLIENT
from channels.screening import message_throttle
from channels.webchat import WebChatInput


class FakeSocketServer:
    """Just what the handler asks of python-socketio: the connection's session and environ."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.request = SimpleNamespace(remote_addr="", ip="203.0.113.7", headers=headers)
        self.emitted: list[tuple] = []

    async def get_session(self, sid, namespace=None):
        return {"conversation": f"web:{sid}"}

    def get_environ(self, sid, namespace=None):
        return {"sanic.request": self.request}

    async def emit(self, event, data, room=None, namespace=None, **_):
        self.emitted.append((room, data))


def web_chat(headers: dict[str, str] | None = None) -> WebChatInput:
    """The web chat channel on a stand-in socket server (every page counts as open)."""
    channel = WebChatInput(bot_message_evt="bot_uttered", session_persistence=True)
    channel.sio = FakeSocketServer(headers or {})
    channel.sio.manager = SimpleNamespace(get_participants=lambda namespace, room: iter([room]))
    return channel


def _write(headers: dict[str, str], connections: int) -> tuple[list[str], FakeSocketServer]:
    message_throttle.cache_clear()
    channel = web_chat(headers)
    seen: list[str] = []

    async def dialogue(message):
        seen.append(message.sender_id)

    async def go():
        for n in range(connections):
            await channel._user_uttered(f"s{n}", {"message": "你好"}, dialogue)

    asyncio.run(go())
    return seen, channel.sio


def test_one_address_writing_for_many_sessions_is_throttled_with_a_polite_answer():
    seen, sio = _write({}, MESSAGES_PER_CLIENT.count + 1)
    assert len(seen) == MESSAGES_PER_CLIENT.count and seen[0] == "web:s0"
    assert "太频繁" in str(sio.emitted[-1][1])


@pytest.mark.parametrize("headers", [{"x-forwarded-for": "198.51.100.1"}])
def test_behind_an_undeclared_proxy_citizens_are_not_throttled_as_one(headers):
    seen, _ = _write(headers, MESSAGES_PER_CLIENT.count + 1)
    assert len(seen) == MESSAGES_PER_CLIENT.count + 1
