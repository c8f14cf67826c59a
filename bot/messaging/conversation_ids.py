"""Conversation ids carry their channel: ``wx:<openid>``, ``tg:<chat id>``, ``web:<session>``, ``rest:<sender>``.

Rasa keys conversations by sender id. While those were the raw channel ids, a caller of one channel
could write into another channel's conversation (a Telegram user's id sent through REST, say). Now
each channel mints only ids with its own prefix, so no channel can address another's citizens; the raw
id is taken back out only where a platform API needs it (``channel_user``).

Data stored before the prefixes keeps its raw ids. WeChat openids and Telegram chat ids come from the
platform (signed or secret-checked), so a citizen's old tickets still belong to their new prefixed
conversation (``stored_forms``); web chat ids were chosen by browsers and are never linked.
"""

from __future__ import annotations

PREFIXES = {"webchat": "web:", "wechat": "wx:", "telegram": "tg:", "rest": "rest:"}
_LINKED_LEGACY = ("wechat", "telegram")


def conversation_id(channel: str, user: str) -> str:
    """The conversation id of ``user`` (a raw channel id) on ``channel``."""
    prefix = PREFIXES[channel]
    return user if user.startswith(prefix) else prefix + user


def channel_user(conversation: str) -> str:
    """The raw channel id inside a conversation id (legacy ids come back unchanged)."""
    for prefix in PREFIXES.values():
        if conversation.startswith(prefix):
            return conversation[len(prefix) :]
    return conversation


def stored_forms(channel: str, conversation: str) -> tuple[str, ...]:
    """The ids this channel user's stored data may carry: the conversation id, and for platform-issued
    ids the raw form used before the prefixes."""
    prefix = PREFIXES.get(channel)
    if channel in _LINKED_LEGACY and prefix and conversation.startswith(prefix):
        return conversation, conversation[len(prefix) :]
    return (conversation,)
