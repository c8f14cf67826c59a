"""Driving conversations through Rasa's HTTP API (JWT-protected, ``bot/core/server_keys.py``): staff messages, resume, intents.

Staff messages are appended as ``bot`` events with side effects executed on the conversation's
latest channel, so they reach the citizen wherever they wrote from (web chat, WeChat, Telegram).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.core.server_keys import rasa_api_headers

logger = logging.getLogger(__name__)


class RasaUnavailable(RuntimeError):
    """The Rasa server did not take the request; nothing reached the citizen."""


@dataclass(frozen=True)
class ConversationState:
    form: str | None  # the active form, if any
    paused: bool  # handed to a person (queued or talking)
    latest_event_time: float  # Unix time of the conversation's last event


@dataclass
class RasaApi:
    base_url: str
    token: str
    timeout_seconds: float = 10.0

    async def say(self, conversation_id: str, text: str, *, staff_no: str | None = None) -> None:
        """Send ``text`` to the citizen as a message from staff member ``staff_no`` (or the service)."""
        event: dict[str, Any] = {"event": "bot", "text": text}
        if staff_no:
            event["metadata"] = {"staff_no": staff_no}
        await self._post(
            f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
            [event],
            execute_side_effects="true",
            output_channel="latest",
        )

    async def resume(self, conversation_id: str) -> None:
        """Let the bot answer again. The pause ended the turn without listening; recording the listen
        makes the next message a fresh turn, so the bot's rules apply to it as to any other."""
        await self._post(
            f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
            [{"event": "resume"}, {"event": "action", "name": "action_listen"}],
        )

    async def trigger(self, conversation_id: str, intent: str) -> None:
        """Run the bot as if the citizen had expressed ``intent``; replies go to their channel."""
        await self._post(
            f"/conversations/{quote(conversation_id, safe='')}/trigger_intent", {"name": intent}, output_channel="latest"
        )

    async def run_action(self, conversation_id: str, action: str) -> None:
        """Run one bot action in the conversation (its messages go to the citizen's latest channel),
        then record a listen, so the citizen's answer is a fresh turn the rules can follow."""
        path = f"/conversations/{quote(conversation_id, safe='')}"
        await self._post(f"{path}/execute", {"name": action}, output_channel="latest")
        await self._post(f"{path}/tracker/events", [{"event": "action", "name": "action_listen"}])

    async def conversation_state(self, conversation_id: str) -> ConversationState:
        """Whether the citizen is in a form or with a person (the bot paused), and since when idle."""
        tracker = await self._request(
            "GET", f"/conversations/{quote(conversation_id, safe='')}/tracker", None, include_events="NONE"
        )
        return ConversationState(
            form=(tracker.get("active_loop") or {}).get("name"),
            paused=bool(tracker.get("paused")),
            latest_event_time=float(tracker.get("latest_event_time") or 0.0),
        )

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's current slot values."""
        return (
            await self._request("GET", f"/conversations/{quote(conversation_id, safe='')}/tracker", None, include_events="NONE")
        ).get("slots") or {}

    async def _post(self, path: str, body: Any, **params: str) -> dict[str, Any]:
        return await self._request("POST", path, body, **params)

    async def _request(self, method: str, path: str, body: Any, **params: str) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.request(
                    method, self.base_url + path, json=body, params=params, headers=rasa_api_headers(self.token)
                ) as response,
            ):
                if response.status >= 400:
                    raise RasaUnavailable(f"Rasa answered {response.status} to {method} {path.split('/')[1]}")
                return await response.json(content_type=None) or {}
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(f"Rasa not reachable: {type(exc).__name__}") from exc
