"""How a deadline is written to a citizen: 12月3日, or 2027年1月4日 across the year end."""

from __future__ import annotations

from datetime import date


def due_text(due: date, today: date) -> str:
    """The due date as citizens write it; the year only when it is not this year."""
    text = f"{due.month}月{due.day}日"
    return text if due.year == today.year else f"{due.year}年{text}"
