"""Screening of raw citizen text before it reaches the NLU."""

from __future__ import annotations

import re

EMPTY_MESSAGE_INTENT = "/empty_message"
TOO_LONG_INTENT = "/message_too_long"
# Control characters except tab and newline: they carry no meaning and upset logs and storage.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def screen_text(text: str | None, *, max_chars: int) -> str:
    """Clean citizen text, or replace it with an intent shortcut the dialogue answers clearly.

    Empty messages become ``/empty_message``; messages longer than ``max_chars`` become
    ``/message_too_long`` (the NLU never sees an unbounded text).
    """
    cleaned = _CONTROL.sub("", text or "").strip()
    if not cleaned:
        return EMPTY_MESSAGE_INTENT
    if len(cleaned) > max_chars:
        return TOO_LONG_INTENT
    return cleaned
