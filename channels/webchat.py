"""Citizen web chat: Rasa's socket.io channel plus the chat page, its assets and the hotline profile.

Routes (under /webhooks/webchat/):
    chat            the page
    static/<file>   its script and style; static/vendor/socket.io.min.js from npm's socket.io-client
    profile         the hotline's name, number, hours and scope as JSON (for the page header)
The socket.io endpoint itself stays at /socket.io. Session persistence is on: a page reload keeps
the conversation (the page stores its session id).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.inbound import screen_text
from bot.system_messages import system_message

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "webchat_static"
VENDOR_FILES = {
    "socket.io.min.js": PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
}
PAGE_FILES = {"chat.js", "chat.css"}
CONTENT_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return load_settings()


class WebChatInput(SocketIOInput):
    """Socket.io channel that also serves the citizen's chat page and screens incoming text."""

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = {"session_persistence": True, **(credentials or {})}
        return super().from_credentials(credentials)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def screened(message: UserMessage) -> None:
            message.text = screen_text(message.text, max_chars=_settings().max_message_chars)
            try:
                await on_new_message(message)
            except Exception as exc:  # noqa: BLE001 - the citizen must never be left without an answer
                # No message content in the log: it may carry personal data.
                logger.error("web chat message not processed (%s); told the citizen", type(exc).__name__)
                text = system_message("service_unavailable", _settings().profile)
                await message.output_channel.send_text_message(message.sender_id, text)

        webchat = super().blueprint(screened)

        @webchat.route("/chat", methods=["GET"])
        async def page(_: Request) -> HTTPResponse:
            return await response.file(STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8")

        @webchat.route("/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            return await _serve(STATIC_DIR / name if name in PAGE_FILES else None)

        @webchat.route("/static/vendor/<name>", methods=["GET"])
        async def vendor(_: Request, name: str) -> HTTPResponse:
            return await _serve(VENDOR_FILES.get(name))

        @webchat.route("/profile", methods=["GET"])
        async def profile(_: Request) -> HTTPResponse:
            p = _settings().profile
            return response.json(
                {"name": p.name, "number": p.number, "service_hours": p.service_hours, "scope": "、".join(p.scope)},
                ensure_ascii=False,
            )

        return webchat


async def _serve(path: Path | None) -> HTTPResponse:
    """A whitelisted file, or 404 (names never reach the file system unchecked)."""
    if path is None or not path.is_file():
        return response.text("not found", status=404)
    return await response.file(path, mime_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"))
