"""Citizen web chat: Rasa's socket.io channel plus the chat page, its assets and the hotline profile.

Routes (under /webhooks/webchat/):
    chat            the page
    static/<file>   its script and style; static/vendor/socket.io.min.js from npm's socket.io-client
    profile         the hotline's name, number, hours and scope as JSON (for the page header)
The socket.io endpoint itself stays at /socket.io. Session persistence is on: a page reload keeps
the conversation (the page stores the signed session token the server issued, ``bot/messaging/webchat/sessions.py``;
a token that does not verify starts a new session). Each message goes to the conversation its
connection's handshake bound (``web:<session>``), whatever the event claims, and text starting with
``/`` is an intent payload only if it was a button just offered. Messages pushed while the citizen has no page open
(staff replies, ticket notices) are kept in the web chat mailbox and shown when they come back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.core.config import PROJECT_ROOT, Settings
from bot.core.server_keys import secret_key
from bot.messaging.channel_memory import ChannelMemory, channel_memory, offered_payload, remember_payloads
from bot.messaging.conversation_ids import conversation_id
from bot.messaging.system_messages import system_message
from bot.messaging.webchat.mailbox import Mailbox
from bot.messaging.webchat.presence import RENEW_SECONDS, PagePresence, page_presence
from bot.messaging.webchat.sessions import issue, verify
from channels.screening import channel_settings, client_too_fast, screened
from channels.socketio_redis import JsonRedisManager

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "webchat_static"
VENDOR_FILES = {
    "socket.io.min.js": PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
}
PAGE_FILES = {"chat.js", "chat.css"}
CONTENT_TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@lru_cache(maxsize=1)
def _mailbox() -> Mailbox:
    return Mailbox.for_database(channel_settings().database_url)


@lru_cache(maxsize=1)
def _session_key() -> str:
    """The key web chat tokens are signed with, read once (it may live in a file under var/)."""
    return secret_key(channel_settings())


@lru_cache(maxsize=1)
def _presence() -> PagePresence | None:
    return page_presence(channel_settings().redis_url)


@lru_cache(maxsize=1)
def _memory() -> ChannelMemory:
    return channel_memory(channel_settings().redis_url, prefix="hotline:webchat:")


class WebChatOutput(SocketIOOutput):
    """Pushes outside the citizen's turn: to their open page, else into the mailbox for their return."""

    def __init__(self, sio, bot_message_evt: str, namespace: str | None) -> None:
        super().__init__(sio, bot_message_evt)
        self.namespace = namespace or "/"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """A staff member's message carries their 工号, so the page can mark it as from a person."""
        staff_no = kwargs.get("staff_no")
        if not staff_no:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "staff_no": str(staff_no)})

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        remember_payloads(_memory(), recipient_id, [str(b.get("payload") or "") for b in buttons])
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    def _connected_here(self, room: str) -> bool:
        try:
            return any(True for _ in self.sio.manager.get_participants(self.namespace, room))
        except KeyError:  # nobody connected to the namespace any more: socket.io dropped it
            return False

    async def _page_open(self, room: str) -> bool:
        """Connected to this replica, or (with Redis) to another one that keeps renewing it."""
        if self._connected_here(room):
            return True
        presence = _presence()
        return presence is not None and await asyncio.to_thread(presence.is_open, room)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if await self._page_open(socket_id):
            await super()._send_message(socket_id, response)
            return
        await asyncio.to_thread(_mailbox().hold, socket_id, dict(response))
        logger.info("web chat closed: message kept for the citizen's return")


class WebChatInput(SocketIOInput):
    """Socket.io channel that also serves the citizen's chat page and screens incoming text.

    With Redis (several replicas), socket.io messages travel between replicas through Redis as JSON
    (``channels/socketio_redis.py``) and the open pages are recorded in ``bot/messaging/webchat/presence.py``."""

    _connections: dict[str, str]  # this replica's socket ids → their conversation
    _renewing: asyncio.Task | None = None

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = {"session_persistence": True, **(credentials or {})}
        return super().from_credentials(credentials)

    def get_output_channel(self) -> OutputChannel | None:
        return WebChatOutput(self.sio, self.bot_message_evt, self.namespace) if self.sio is not None else None

    async def _session_request(self, sid: str, data: dict | None) -> None:
        """The session handshake: the page's signed token, or a new session when it has none that
        verifies; then whatever was kept while the citizen was away."""
        key = _session_key()
        token = data.get("session_id") if isinstance(data, dict) else None
        session = verify(key, token)
        if session is None:
            session, token = issue(key)
        conversation = conversation_id(self.name(), session)
        await self.sio.save_session(sid, {"conversation": conversation}, namespace=self.namespace)
        self.sio.enter_room(sid, conversation, namespace=self.namespace)
        await self._record_open(sid, conversation)
        await self.sio.emit("session_confirm", token, room=sid, namespace=self.namespace)
        try:
            held = await asyncio.to_thread(_mailbox().take, conversation)
        except Exception as exc:  # noqa: BLE001 - the chat must open even if the database is down
            logger.error("web chat mailbox not read: %s", type(exc).__name__)
            return
        for message in held:
            await self.sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace)

    async def _record_open(self, sid: str, conversation: str) -> None:
        presence = _presence()
        if presence is None:
            return
        self._connections[sid] = conversation
        if self._renewing is None:
            self._renewing = asyncio.get_running_loop().create_task(self._renew_forever(presence))
        try:
            await asyncio.to_thread(presence.opened, conversation, sid)
        except Exception as exc:  # noqa: BLE001 - the chat works on this replica without it
            logger.error("web chat presence not recorded: %s", type(exc).__name__)

    async def _disconnected(self, sid: str) -> None:
        conversation = self._connections.pop(sid, None)
        presence = _presence()
        if conversation and presence is not None:
            try:
                await asyncio.to_thread(presence.closed, conversation, sid)
            except Exception as exc:  # noqa: BLE001 - it goes stale by itself
                logger.error("web chat presence not cleared: %s", type(exc).__name__)

    async def _renew_forever(self, presence: PagePresence) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await asyncio.to_thread(presence.renew, [(c, s) for s, c in self._connections.items()])
            except Exception as exc:  # noqa: BLE001 - Redis away: try again next time
                logger.error("web chat presence not renewed: %s", type(exc).__name__)

    async def _user_uttered(self, sid: str, data: Any, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """A citizen's message, in the conversation this connection's handshake bound, never one the
        event names (Rasa's handler takes ``session_id`` from every message as it comes)."""
        conversation = (await self.sio.get_session(sid, namespace=self.namespace)).get("conversation")
        if not conversation:
            return  # no handshake on this connection: there is no conversation to write into
        text = data.get("message") if isinstance(data, dict) else None
        text = text if isinstance(text, str) else ""
        output = WebChatOutput(self.sio, self.bot_message_evt, self.namespace)
        settings = channel_settings()
        client = self._client(sid, settings)
        if client and client_too_fast(client, settings):
            await output.send_text_message(conversation, system_message("too_many_messages", settings.profile))
            return
        await on_new_message(UserMessage(text, output, conversation, input_channel=self.name()))

    def _client(self, sid: str, settings: Settings) -> str | None:
        """The connection's client address, as Sanic sees it (behind ``TRUSTED_PROXIES`` proxies, the
        forwarded one; engine.io's own REMOTE_ADDR is always 127.0.0.1 under Sanic). None behind a proxy
        the deployment did not declare: every citizen would share its address, and one limit."""
        request = (self.sio.get_environ(sid, namespace=self.namespace) or {}).get("sanic.request")
        if request is None or (settings.trusted_proxies == 0 and request.headers.get("x-forwarded-for")):
            return None
        return request.remote_addr or request.ip

    @staticmethod
    def message_handler(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[None]]:
        """What each citizen message goes through before the dialogue: throttle and screening, where
        "/…" is an intent only when it is a button just offered to this conversation, never when typed."""
        return screened(
            on_new_message,
            "web chat",
            payloads=lambda m: m.text.startswith("/") and offered_payload(_memory(), m.sender_id, m.text) == m.text,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handle = self.message_handler(on_new_message)
        webchat = super().blueprint(handle)
        self._connections = {}
        redis_url = channel_settings().redis_url
        if redis_url:  # several replicas: emits reach pages connected to any of them
            self.sio.manager = JsonRedisManager(redis_url)
            self.sio.manager.set_server(self.sio)
        self.sio.on("session_request", handler=self._session_request, namespace=self.namespace)
        self.sio.on("disconnect", handler=self._disconnected, namespace=self.namespace)

        async def user_uttered(sid: str, data: Any) -> None:
            await self._user_uttered(sid, data, handle)

        self.sio.on(self.user_message_evt, handler=user_uttered, namespace=self.namespace)

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
            p = channel_settings().profile
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
