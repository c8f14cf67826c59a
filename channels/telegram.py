"""Telegram channel on python-telegram-bot's async ``Bot`` and ``Update`` (not Rasa's aiogram one).

Webhook: ``POST /webhooks/telegram/webhook``; every request must carry the secret set with the
webhook (``python -m bot telegram set-webhook --url …``) in ``X-Telegram-Bot-Api-Secret-Token``,
compared in constant time, else 403. Updates are processed once (update_id). Buttons become an
inline keyboard (a press is answered and handled as its payload); a question for a phone number
offers "share my phone number"; texts are HTML-escaped and split within Telegram's 4,096 characters.
The bot token comes from credentials.yml and is kept out of the logs.
"""

from __future__ import annotations

import hmac
import html
import json
import logging
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.core.config import Settings, load_settings
from bot.messaging.channel_memory import ChannelMemory, channel_memory, offered_payload, payload_key, remember_payloads
from bot.messaging.conversation_ids import channel_user, conversation_id
from bot.messaging.reply_shaping import split
from bot.messaging.screening import screen_text
from bot.messaging.system_messages import system_message
from bot.messaging.telegram.updates import COMMANDS, TelegramInbound, read_update
from bot.messaging.undelivered import Undelivered, undelivered_recorder
from channels.screening import too_fast

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TEXT_LIMIT = 4096  # characters Telegram takes, counted after HTML escaping
CALLBACK_DATA_LIMIT = 64  # bytes Telegram keeps for a button
MAX_BODY_BYTES = 1024 * 1024
SHARE_PHONE = "分享我的手机号"


def _escaped_length(text: str) -> int:
    return len(html.escape(text))


class _RedactToken(logging.Filter):
    """Libraries log request URLs, which contain the bot token: blank it out."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token in message:
            record.msg, record.args = message.replace(self._token, "<token>"), ()
        return True


class TelegramOutput(OutputChannel):
    """Sends to one chat through the Bot API; failures are kept for staff to follow up."""

    def __init__(self, channel: TelegramInput) -> None:
        self._channel = channel

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        text = message.get("text") or ""
        buttons = message.get("buttons") or message.get("quick_replies") or []
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = self._keyboard(recipient_id, buttons) if buttons else None
        if markup is None and (message.get("custom") or {}).get("ask") == "phone":
            markup = ReplyKeyboardMarkup(
                [[KeyboardButton(SHARE_PHONE, request_contact=True)]], one_time_keyboard=True, resize_keyboard=True
            )
        pieces = split(text, TEXT_LIMIT, _escaped_length) or ([""] if markup else [])
        for number, piece in enumerate(pieces, start=1):
            await self._channel.send(recipient_id, piece, markup if number == len(pieces) else None)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    def _keyboard(self, recipient_id: str, buttons: list[dict]) -> InlineKeyboardMarkup:
        """Inline buttons; every payload is remembered, so a pressed button is checked against what was
        offered (long ones travel as a key of their payload)."""
        rows, payloads = [], []
        for button in buttons:
            payload = str(button.get("payload") or button.get("title") or "")
            payloads.append(payload)
            data = payload_key(payload) if len(payload.encode()) > CALLBACK_DATA_LIMIT else payload
            rows.append([InlineKeyboardButton(str(button.get("title") or payload), callback_data=data)])
        remember_payloads(self._channel.memory, recipient_id, payloads)
        return InlineKeyboardMarkup(rows)


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        missing = [k for k in ("token", "webhook_secret") if not credentials.get(k)]
        if missing:
            raise ValueError(f"telegram credentials lack: {', '.join(missing)}")
        return cls(
            token=str(credentials["token"]),
            webhook_secret=str(credentials["webhook_secret"]),
            api_base=str(credentials.get("api_base") or "https://api.telegram.org/bot"),
        )

    def __init__(
        self, *, token: str, webhook_secret: str, api_base: str = "https://api.telegram.org/bot", settings: Settings | None = None
    ) -> None:
        self.token, self.webhook_secret, self.api_base = token, webhook_secret, api_base
        self._settings = settings
        self._initialized = False
        redact = _RedactToken(token)
        for name in ("httpx", "telegram.Bot"):
            logging.getLogger(name).addFilter(redact)
        for name in ("telegram", "httpcore"):  # their debug lines print API URLs, token included
            logging.getLogger(name).setLevel(logging.WARNING)

    @cached_property
    def settings(self) -> Settings:
        return self._settings or load_settings()

    @cached_property
    def memory(self) -> ChannelMemory:
        return channel_memory(self.settings.redis_url, prefix="hotline:telegram:")

    @cached_property
    def bot(self) -> Bot:
        return Bot(self.token, base_url=self.api_base)

    @cached_property
    def _keep_undelivered(self) -> Callable[[Undelivered], object]:
        return undelivered_recorder(self.settings.database_url)

    async def _ready_bot(self) -> Bot:
        if not self._initialized:
            await self.bot.initialize()
            self._initialized = True
        return self.bot

    async def send(self, conversation: str, text: str, markup: Any = None) -> bool:
        """One message to the conversation's chat, HTML-escaped; a refusal (blocked, chat gone) is kept for staff."""
        try:
            bot = await self._ready_bot()
            await bot.send_message(
                chat_id=int(channel_user(conversation)), text=html.escape(text), parse_mode=ParseMode.HTML, reply_markup=markup
            )
            return True
        except TelegramError as exc:
            logger.warning("Telegram message not delivered (%s); kept for staff follow-up", type(exc).__name__)
            self._keep_undelivered(Undelivered("telegram", conversation, text, f"Telegram: {type(exc).__name__}"))
            return False

    def get_output_channel(self) -> OutputChannel:
        return TelegramOutput(self)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram = Blueprint("telegram_webhook", __name__)

        @telegram.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return telegram

    async def _receive(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), self.webhook_secret):
            logger.warning("Telegram update refused: wrong or missing secret token")
            return response.text("forbidden", status=403)
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            return response.text("too large", status=413)
        try:
            update = Update.de_json(json.loads(body), self.bot)
            inbound = read_update(update)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            logger.warning("Telegram update refused: malformed (%s)", type(exc).__name__)
            return response.text("bad request", status=400)
        if not self.memory.claim(f"update:{update.update_id}"):
            return response.text("ok")  # Telegram delivered it again: handled already
        logger.info("Telegram %s update %s", inbound.kind, update.update_id)
        await self._handle(inbound, on_new_message)
        return response.text("ok")

    async def _handle(self, inbound: TelegramInbound, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        if inbound.callback_id:
            try:
                await (await self._ready_bot()).answer_callback_query(inbound.callback_id)
            except TelegramError as exc:
                logger.warning("callback query not answered (%s)", type(exc).__name__)
        if inbound.chat_id is None:
            return
        chat = conversation_id(self.name(), str(inbound.chat_id))
        if inbound.reply_key:
            await self.send(chat, system_message(inbound.reply_key, self.settings.profile))
            return
        text = self._text(inbound, chat)
        if text is None:
            return
        refusal = too_fast(chat, self.settings)
        if refusal:
            await self.send(chat, refusal)
            return
        try:
            await on_new_message(
                UserMessage(text, TelegramOutput(self), chat, input_channel=self.name(), metadata={"telegram_kind": inbound.kind})
            )
        except Exception as exc:  # noqa: BLE001 - the citizen must never be left without an answer
            logger.error("Telegram message not processed (%s); told the citizen", type(exc).__name__)
            await self.send(chat, system_message("service_unavailable", self.settings.profile))

    def _text(self, inbound: TelegramInbound, conversation: str) -> str | None:
        text = inbound.text
        if text is None:
            return None
        max_chars = self.settings.max_message_chars
        if inbound.kind == "callback":  # a modified client can send any callback data: only what we offered
            return offered_payload(self.memory, conversation, text) or screen_text(text, max_chars=max_chars)
        if inbound.kind == "text":  # the citizen's words, or a command read_update turned into its payload
            return text if text in COMMANDS.values() else screen_text(text, max_chars=max_chars)
        return text  # contact, photo, place: payloads read_update built from Telegram's own fields
