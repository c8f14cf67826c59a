"""What every text channel does around the dialogue: throttle each sender, screen the citizen's text,
never leave them unanswered."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.core.config import Settings, load_settings
from bot.core.throttle import MESSAGES_PER_CLIENT, MESSAGES_PER_SENDER, Throttle, throttle_for
from bot.messaging.screening import screen_text
from bot.messaging.system_messages import system_message
from bot.runtime.ops import metrics

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def channel_settings() -> Settings:
    """The deployment's settings, read once per Rasa server process."""
    return load_settings()


@lru_cache(maxsize=4)
def message_throttle(redis_url: str | None) -> Throttle:
    return throttle_for(redis_url)


def client_too_fast(client: str, settings: Settings) -> bool:
    """One address sending more than ``MESSAGES_PER_CLIENT`` (many conversations from one script)."""
    if message_throttle(settings.redis_url).allow(MESSAGES_PER_CLIENT, client):
        return False
    logger.warning("messages throttled for one client address")
    return True


def too_fast(conversation: str, settings: Settings) -> str | None:
    """The polite answer when this conversation sends more than ``MESSAGES_PER_SENDER``; None otherwise."""
    if message_throttle(settings.redis_url).allow(MESSAGES_PER_SENDER, conversation):
        return None
    logger.warning("messages throttled for one sender")
    return system_message("too_many_messages", settings.profile)


def screened(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    channel: str,
    settings: Settings | None = None,
    *,
    payloads: Callable[[UserMessage], bool] = lambda _: False,
) -> Callable[[UserMessage], Awaitable[None]]:
    """``on_new_message`` behind screening (control characters, empty, over-long text, typed intents)
    and a polite answer when the dialogue fails (a store is down). ``payloads(message)``: the raw text
    is a payload the channel vouches for (a button it offered), kept as an intent."""

    async def handle(message: UserMessage) -> None:
        config = settings or channel_settings()
        refusal = too_fast(message.sender_id, config)
        if refusal:
            await message.output_channel.send_text_message(message.sender_id, refusal)
            return
        message.text = screen_text(message.text, max_chars=config.max_message_chars, payload=payloads(message))
        counted = metrics()
        counted.messages.labels(channel).inc()
        try:
            with counted.message_seconds.labels(channel).time():
                await on_new_message(message)
        except Exception as exc:  # noqa: BLE001 - the citizen must never be left without an answer
            # No message content in the log: it may carry personal data.
            logger.error("%s message not processed (%s); told the citizen", channel, type(exc).__name__)
            text = system_message("service_unavailable", config.profile)
            await message.output_channel.send_text_message(message.sender_id, text)

    return handle
