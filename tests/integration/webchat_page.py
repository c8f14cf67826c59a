"""The citizen's chat page as a test drives it: a socket.io session (polling, as engine.io's client
works here) that can be closed and opened again with the same session token.

No fixed waits: the server acknowledges a socket.io event once its handler is done (a turn processed,
a handshake finished), and a repeated handshake's confirmation reaches the page after everything the
server sent it before, even through Redis between replicas. Messages pushed outside the citizen's
turns (staff replies, ticket notices) are waited for by what they say.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import socketio

from tests.support.polling import wait_until_async

SERVER_TIMEOUT = 60  # seconds for the server to process a turn or a handshake (Rasa is slow on a busy machine)


class Page:
    """The chat page: a socket.io session that can be closed and opened again with the same id."""

    def __init__(self, base_url: str) -> None:
        self.base_url, self.session_id, self.client = base_url, None, None
        self.received: list[dict] = []  # every message the page got, in order
        self._returned = 0  # how many of them a call has returned
        self._confirmations: asyncio.Queue = asyncio.Queue()

    async def open(self) -> list[dict]:
        """Connect; returns what was waiting for the citizen."""
        self.client = socketio.AsyncClient()
        self.client.on("session_confirm", self._confirmations.put_nowait)
        self.client.on("bot_uttered", self.received.append)
        await self.client.connect(self.base_url, socketio_path="/socket.io", transports=["polling"])
        await self._handshake()  # the server sends what it kept for the citizen after confirming the session
        return await self.caught_up()

    async def close(self) -> None:
        if self.client is not None:
            await self.client.disconnect()

    async def say(self, text: str) -> list[dict]:
        """Send ``text``; returns every message of the bot's turn (there is at least one)."""
        await self.client.call("user_uttered", {"message": text, "session_id": self.session_id}, timeout=SERVER_TIMEOUT)
        messages = await self.caught_up()  # acknowledged: the turn is processed, its messages are on their way
        assert messages, f"no answer to {text!r}"
        return messages

    async def caught_up(self) -> list[dict]:
        """Messages not returned before, once everything the server sent the page so far has arrived:
        the confirmation of a repeated handshake comes after them (an absence checked on these
        means something, a fixed wait would not tell late messages from none)."""
        await self._handshake()
        return self._unread()

    async def collect(self, until: Callable[[list[dict]], object] | None = None, *, first_within: float = 30) -> list[dict]:
        """Messages pushed outside the citizen's turns, not returned before: once ``until(messages)``
        holds (by default: once there is one), within ``first_within`` seconds."""
        condition = until or bool
        await wait_until_async(
            lambda: condition(self.received[self._returned :]),
            timeout=first_within,
            interval=0.1,
            message=f"the page did not get what was expected within {first_within} s; it got: {self.received[self._returned :]}",
        )
        return self._unread()

    async def _handshake(self) -> None:
        """The session handshake (the page's token; a new session when it has none that verifies),
        done once the server has acknowledged it and its confirmation has arrived."""
        await self.client.call("session_request", {"session_id": self.session_id}, timeout=SERVER_TIMEOUT)
        self.session_id = await asyncio.wait_for(self._confirmations.get(), SERVER_TIMEOUT)

    def _unread(self) -> list[dict]:
        messages = self.received[self._returned :]
        self._returned = len(self.received)
        return messages


def page_text(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
