"""Screening of raw citizen text before it reaches the NLU."""

from __future__ import annotations

import re

EMPTY_MESSAGE_INTENT = "/empty_message"
TOO_LONG_INTENT = "/message_too_long"
# Control characters except tab and newline: they carry no meaning and upset logs and storage.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Rasa reads a message starting with "/" as an intent with entities ("/rate_ticket{…}"): what a citizen
# typed never starts with one, however it is padded with spaces or control characters.
_LEADING_SLASHES = re.compile(r"^[\s/]+")


def screen_text(text: str | None, *, max_chars: int, payload: bool = False) -> str:
    """Clean citizen text, or replace it with an intent shortcut the dialogue answers clearly.

    Empty messages become ``/empty_message``; messages longer than ``max_chars`` become
    ``/message_too_long`` (the NLU never sees an unbounded text). Leading slashes are dropped unless
    ``payload``: the channel knows the text is a button payload it offered (or an authenticated
    integration's).
    """
    cleaned = _CONTROL.sub("", text or "").strip()
    if not payload:
        cleaned = _LEADING_SLASHES.sub("", cleaned)
    if not cleaned:
        return EMPTY_MESSAGE_INTENT
    if len(cleaned) > max_chars:
        return TOO_LONG_INTENT
    return cleaned
