"""WeChat official account channel (wechatpy): point the account's server URL at
``https://<host>/webhooks/wechat/webhook``.

Every request is checked first (signature in constant time, timestamp within five minutes, body
size, no DTD); forged or stale ones get 403 and a log line without content. Plaintext, compatible
and safe (AES) modes; credentials only from credentials.yml (which may read the environment).
WeChat waits 5 s and retries: the answer goes back passively when ready within ``reply_within_seconds``,
otherwise ``success`` at once and the customer-service API later. A retried message is processed
once. Buttons become numbered options; long or several messages are packed and split.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

from bot.core.config import Settings, load_settings
from bot.messaging.channel_memory import PENDING, PUSHED, ChannelMemory, channel_memory
from bot.messaging.conversation_ids import conversation_id
from bot.messaging.reply_shaping import chosen, numbered, pack, split, utf8_bytes
from bot.messaging.screening import screen_text
from bot.messaging.system_messages import system_message
from bot.messaging.wechat.delivery import DEFAULT_API_BASE, Courier, HotlineWeChatClient
from bot.messaging.wechat.protocol import Inbound, UnsafeRequest, checked_body, is_signed, menu, read_inbound, text_reply
from channels.screening import too_fast

logger = logging.getLogger(__name__)

MODES = ("plaintext", "compatible", "safe")
TEXT_LIMIT_BYTES = 2000  # WeChat's text messages take 2,048 bytes; keep a margin
SUCCESS = "success"


class WeChatOutput(OutputChannel):
    """Pushes through the customer-service API: staff replies and notices outside a citizen's turn."""

    def __init__(self, channel: WeChatInput) -> None:
        self._channel = channel

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._channel.push(recipient_id, split(text, TEXT_LIMIT_BYTES, utf8_bytes))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        body, options = numbered(text, buttons)
        self._channel.memory.remember_options(recipient_id, options)
        await self.send_text_message(recipient_id, body)


class WeChatInput(InputChannel):
    """The official account's server URL."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        missing = [k for k in ("token", "app_id", "app_secret") if not credentials.get(k)]
        mode = str(credentials.get("mode") or "safe")
        if mode not in MODES:
            missing.append(f"mode (one of {', '.join(MODES)})")
        if mode != "plaintext" and not credentials.get("encoding_aes_key"):
            missing.append("encoding_aes_key")
        if missing:
            raise ValueError(f"wechat credentials lack: {', '.join(missing)}")
        return cls(
            token=str(credentials["token"]),
            app_id=str(credentials["app_id"]),
            app_secret=str(credentials["app_secret"]),
            mode=mode,
            encoding_aes_key=str(credentials.get("encoding_aes_key") or ""),
            api_base=str(credentials.get("api_base") or DEFAULT_API_BASE),
            reply_within_seconds=float(credentials.get("reply_within_seconds") or 4.0),
            template_id=credentials.get("template_id") or None,
            menu_file=Path(credentials["menu_file"]) if credentials.get("menu_file") else None,
        )

    def __init__(
        self,
        *,
        token: str,
        app_id: str,
        app_secret: str,
        mode: str = "safe",
        encoding_aes_key: str = "",
        api_base: str = DEFAULT_API_BASE,
        reply_within_seconds: float = 4.0,
        template_id: str | None = None,
        menu_file: Path | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.token, self.app_id, self.app_secret, self.mode = token, app_id, app_secret, mode
        self.encoding_aes_key, self.api_base, self.template_id = encoding_aes_key, api_base, template_id
        self.reply_within_seconds = reply_within_seconds
        self.menu_keys = menu(menu_file) if menu_file else menu()
        self._settings = settings
        self._tasks: set[asyncio.Task] = set()
        if mode != "safe":
            logger.warning(
                "WeChat %s mode: message bodies are not signed by WeChat (only the URL is); use safe mode in production", mode
            )

    # Built on first use, never at import or construction (no connections before the server runs).
    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def memory(self) -> ChannelMemory:
        return channel_memory(self.settings.redis_url, prefix="hotline:wechat:")

    @cached_property
    def courier(self) -> Courier:
        from wechatpy.session.memorystorage import MemoryStorage
        from wechatpy.session.redisstorage import RedisStorage

        from bot.messaging.undelivered import undelivered_recorder

        if self.settings.redis_url:
            import redis

            session = RedisStorage(redis.Redis.from_url(self.settings.redis_url), prefix="hotline:wechat:token")
        else:
            session = MemoryStorage()
        client = HotlineWeChatClient(self.app_id, self.app_secret, session=session, api_base=self.api_base)
        return Courier(client, undelivered_recorder(self.settings.database_url), self.template_id)

    @cached_property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)

    def get_output_channel(self) -> OutputChannel:
        return WeChatOutput(self)

    async def push(self, conversation: str, texts: list[str]) -> bool:
        """Send texts through the customer-service API, in order, off the event loop."""
        return await asyncio.to_thread(self.courier.send, conversation, texts) if texts else True

    def _push_later(self, conversation: str, texts: list[str]) -> None:
        task = asyncio.get_running_loop().create_task(self.push(conversation, texts))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat = Blueprint("wechat_webhook", __name__)

        @wechat.route("/", methods=["GET"])
        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            args = request.args
            if not is_signed(self.token, args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", "")):
                logger.warning("WeChat URL verification refused: bad or stale signature")
                return response.text("forbidden", status=403)
            return response.text(args.get("echostr", ""))

        @wechat.route("/", methods=["POST"])
        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return wechat

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        args = request.args
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not is_signed(self.token, args.get("signature", ""), timestamp, nonce):
            logger.warning("WeChat message refused: bad or stale signature")
            return response.text("forbidden", status=403)
        if not self._first_body_for(timestamp, nonce, request.body or b""):
            logger.warning("WeChat message refused: a signature seen before, with another body (replay)")
            return response.text("forbidden", status=403)
        encrypted = args.get("encrypt_type") == "aes"
        if (self.mode == "safe" and not encrypted) or (self.mode == "plaintext" and encrypted):
            logger.warning("WeChat message refused: %s body in %s mode", "encrypted" if encrypted else "plain", self.mode)
            return response.text("forbidden", status=403)
        try:
            body = checked_body(request.body or b"")
            if encrypted:
                body = self.crypto.decrypt_message(body, args.get("msg_signature", ""), timestamp, nonce).encode()
            inbound = read_inbound(body, self.menu_keys)
        except (InvalidSignatureException, InvalidAppIdException):
            logger.warning("WeChat message refused: bad message signature or app id")
            return response.text("forbidden", status=403)
        except (UnsafeRequest, ValueError, KeyError, TypeError) as exc:
            logger.warning("WeChat message refused: %s", exc if isinstance(exc, UnsafeRequest) else type(exc).__name__)
            status = 413 if "too large" in str(exc) else 400
            return response.text("bad request", status=status)

        def reply(content: str) -> HTTPResponse:
            xml = text_reply(inbound, content)
            if encrypted:
                xml = self.crypto.encrypt_message(xml, nonce, timestamp)
            return response.text(xml, content_type="application/xml")

        logger.info("WeChat %s received (%s)", inbound.kind, inbound.dedup_key)
        if inbound.reply_key:
            return reply(system_message(inbound.reply_key, self.settings.profile))
        if inbound.text is None:
            return response.text(SUCCESS)
        if not self.memory.claim(inbound.dedup_key):
            return await self._answer_retry(inbound, reply)
        return await self._answer(inbound, on_new_message, reply)

    def _first_body_for(self, timestamp: str, nonce: str, body: bytes) -> bool:
        """The URL signature does not cover a plaintext body: one seen before may only come again with
        the same body (WeChat's own retries), never carry another (a replay with forged content)."""
        key, digest = f"nonce:{timestamp}:{nonce}", hashlib.sha256(body).hexdigest()
        if self.memory.claim(key):
            self.memory.settle(key, digest)
            return True
        return self.memory.outcome(key) in (digest, PENDING)

    async def _answer_retry(self, inbound: Inbound, reply: Callable[[str], HTTPResponse]) -> HTTPResponse:
        """A retry: never processed again; the first request's passive answer is sent again if it had one."""
        deadline = time.monotonic() + self.reply_within_seconds
        outcome = self.memory.outcome(inbound.dedup_key)
        while outcome == PENDING and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            outcome = self.memory.outcome(inbound.dedup_key)
        logger.info("WeChat retry of %s answered without processing it again", inbound.dedup_key)
        return reply(outcome) if outcome not in (None, PENDING, PUSHED) else response.text(SUCCESS)

    async def _answer(
        self, inbound: Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]], reply: Callable[[str], HTTPResponse]
    ) -> HTTPResponse:
        text = inbound.text or ""
        conversation = conversation_id(self.name(), inbound.sender)
        refusal = too_fast(conversation, self.settings)
        if refusal:
            self.memory.settle(inbound.dedup_key, refusal)
            return reply(refusal)
        if inbound.kind in ("text", "voice"):  # the citizen's words: never an intent payload of their own
            text = chosen(text, self.memory.options(conversation)) or screen_text(text, max_chars=self.settings.max_message_chars)
        collector = CollectingOutputChannel()
        message = UserMessage(
            text, collector, conversation, input_channel=self.name(), metadata={"wechat_type": inbound.kind, **inbound.metadata}
        )
        turn = asyncio.get_running_loop().create_task(self._run(on_new_message, message, collector))
        self._tasks.add(turn)
        turn.add_done_callback(self._tasks.discard)
        try:
            texts = await asyncio.wait_for(asyncio.shield(turn), timeout=self.reply_within_seconds)
        except asyncio.TimeoutError:
            self.memory.settle(inbound.dedup_key, PUSHED)
            turn.add_done_callback(lambda done: self._push_later(conversation, done.result()))
            logger.info("WeChat answer to %s not ready in time; it goes through the API", inbound.dedup_key)
            return response.text(SUCCESS)
        messages = pack(texts, TEXT_LIMIT_BYTES, utf8_bytes)
        if not messages:
            self.memory.settle(inbound.dedup_key, PUSHED)
            return response.text(SUCCESS)
        self.memory.settle(inbound.dedup_key, messages[0])
        if messages[1:]:
            self._push_later(conversation, messages[1:])
        return reply(messages[0])

    async def _run(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage, collector: CollectingOutputChannel
    ) -> list[str]:
        """The bot's answer as texts (buttons numbered and remembered); an apology if the dialogue failed."""
        try:
            await on_new_message(message)
        except Exception as exc:  # noqa: BLE001 - the citizen must never be left without an answer
            logger.error("WeChat message not processed (%s); told the citizen", type(exc).__name__)
            return [system_message("service_unavailable", self.settings.profile)]
        texts = []
        for sent in collector.messages:
            body, options = numbered(sent.get("text") or "", sent.get("buttons") or [])
            if options:
                self.memory.remember_options(message.sender_id, options)
            if body:
                texts.append(body)
        return texts
