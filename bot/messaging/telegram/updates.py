"""What a Telegram update means to the assistant: a text or payload for Rasa, or a polite reply.

Commands: /start greets, /human asks for a person, /status looks up a ticket. A shared contact (the
citizen's own) fills a phone field, a photo is evidence, a location or venue a place, when a form
asks for them (the channel-neutral payloads /share_contact, /share_image, /share_location).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from telegram import Update

from bot.conversation.validation import normalize_phone

COMMANDS = {"/start": "/greet", "/human": "/request_human", "/status": "/check_ticket", "/help": "/greet"}


@dataclass(frozen=True)
class TelegramInbound:
    """``text`` goes to Rasa; ``reply_key`` names a polite system message instead; neither: ignore."""

    kind: str
    chat_id: int | None = None
    text: str | None = None
    reply_key: str | None = None
    callback_id: str | None = None


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


def read_update(update: Update) -> TelegramInbound:
    """Translate one update. Only private chats are served; groups and channels are ignored."""
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message else None
        if chat is not None and chat.type != "private":
            return TelegramInbound("group")
        return TelegramInbound(
            "callback", chat_id=chat.id if chat else query.from_user.id, text=query.data or None, callback_id=query.id
        )
    if update.edited_message is not None:
        edited = update.edited_message
        return (
            TelegramInbound("edited", chat_id=edited.chat.id, reply_key="telegram_edited")
            if edited.chat.type == "private"
            else TelegramInbound("group")
        )
    message = update.message
    if message is None:
        return TelegramInbound("other")  # my_chat_member, channel posts …: nothing to answer
    if message.chat.type != "private":
        return TelegramInbound("group")
    chat_id = message.chat.id
    if message.text:
        return TelegramInbound("text", chat_id, text=_command(message.text))
    if message.contact is not None:
        own = message.from_user is not None and message.contact.user_id == message.from_user.id
        phone = normalize_phone(message.contact.phone_number or "")
        if not own or phone is None:
            return TelegramInbound("contact", chat_id, reply_key="telegram_contact_not_own")
        return TelegramInbound("contact", chat_id, text=_payload("share_contact", phone=phone))
    if message.photo:
        evidence = f"图片（Telegram 文件 {message.photo[-1].file_unique_id}）"
        return TelegramInbound("photo", chat_id, text=_payload("share_image", evidence=evidence))
    if message.venue is not None:
        place = f"{message.venue.title}，{message.venue.address}"
        return TelegramInbound("venue", chat_id, text=_payload("share_location", place=place))
    if message.location is not None:
        place = f"位置（纬度 {message.location.latitude:.6f}，经度 {message.location.longitude:.6f}）"
        return TelegramInbound("location", chat_id, text=_payload("share_location", place=place))
    return TelegramInbound("unsupported", chat_id, reply_key="telegram_unsupported")


def _command(text: str) -> str:
    """Known commands become intents; any other leading slash is the citizen's own words."""
    word = text.strip().split(maxsplit=1)[0].split("@")[0].lower() if text.strip() else ""
    if word in COMMANDS:
        return COMMANDS[word]
    return text.lstrip("/") if text.startswith("/") else text
