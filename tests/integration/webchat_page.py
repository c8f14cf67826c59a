"""The citizen's chat page as a test drives it: a socket.io session (polling, as engine.io's client
works here) that can be closed and opened again with the same session token."""

from __future__ import annotations

import asyncio

import socketio


class Page:
    """The chat page: a socket.io session that can be closed and opened again with the same id."""

    def __init__(self, base_url: str) -> None:
        self.base_url, self.session_id, self.client = base_url, None, None
        self.received: asyncio.Queue = asyncio.Queue()

    async def open(self) -> list[dict]:
        """Connect; returns what was waiting for the citizen."""
        self.client = socketio.AsyncClient()
        confirmed = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        self.client.on("bot_uttered", self.received.put_nowait)
        await self.client.connect(self.base_url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": self.session_id})
        self.session_id = await asyncio.wait_for(confirmed, 20)
        return await self.collect(wait=1.5)

    async def close(self) -> None:
        await self.client.disconnect()

    async def say(self, text: str) -> list[dict]:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        return await self.collect(first_within=60)

    async def collect(self, *, first_within: float = 0, wait: float = 1.0) -> list[dict]:
        messages = []
        if first_within:
            messages.append(await asyncio.wait_for(self.received.get(), first_within))
        await asyncio.sleep(wait)
        while not self.received.empty():
            messages.append(self.received.get_nowait())
        return messages


def page_text(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)
