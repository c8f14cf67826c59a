"""Bot messages for channels without buttons or with length limits: numbered options, splitting, packing.

Plain functions, shared by the WeChat and Telegram channels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Measure = Callable[[str], int]
_BREAKS = re.compile(r"(?<=[\n。！？!?；;])")


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass(frozen=True)
class Option:
    number: int
    title: str
    payload: str


def numbered(text: str, buttons: Sequence[dict]) -> tuple[str, list[Option]]:
    """The text with its buttons as "1. 我要咨询" lines the citizen answers with the number or the words."""
    options = [
        Option(i, str(b.get("title") or ""), str(b.get("payload") or b.get("title") or ""))
        for i, b in enumerate(buttons, start=1)
    ]
    if not options:
        return text, []
    lines = "\n".join(f"{o.number}. {o.title}" for o in options)
    return f"{text}\n\n{lines}\n（回复数字即可）".strip(), options


def chosen(text: str, options: Sequence[Option]) -> str | None:
    """The payload of the option ``text`` picks (its number or its exact title), else None."""
    answer = text.strip().rstrip("。.")
    for option in options:
        if answer == str(option.number) or answer == option.title:
            return option.payload
    return None


def split(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Pieces of ``text`` each within ``limit``, cut after line or sentence ends where possible."""
    pieces: list[str] = []
    current = ""
    for part in (p for p in _BREAKS.split(text) if p):
        while measure(part) > limit:  # one sentence longer than the limit: cut it hard
            cut = _longest_prefix(part, limit, measure)
            if current:
                pieces.append(current)
                current = ""
            pieces.append(part[:cut])
            part = part[cut:]
        if measure(current + part) > limit:
            pieces.append(current)
            current = part
        else:
            current += part
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def pack(texts: Sequence[str], limit: int, measure: Measure = len, separator: str = "\n\n") -> list[str]:
    """The texts in order, joined into as few messages within ``limit`` as possible (long ones split)."""
    messages: list[str] = []
    for text in texts:
        for piece in split(text, limit, measure):
            joined = f"{messages[-1]}{separator}{piece}" if messages else piece
            if messages and measure(joined) <= limit:
                messages[-1] = joined
            else:
                messages.append(piece)
    return messages


def _longest_prefix(text: str, limit: int, measure: Measure) -> int:
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
