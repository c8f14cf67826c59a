"""Conversation transcripts from the events Rasa's SQL event broker writes (one row per event).

The console follows a conversation by reading rows after the last id it has seen, never by
polling Rasa's trackers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from sqlalchemy import Column, Integer, String, Text, select
from sqlalchemy.orm import sessionmaker

from bot.core.db import Base
from bot.core.privacy import mask_personal_data


class ConversationEvent(Base):
    """A Rasa event as the SQL event broker stored it (``data`` is the event's JSON)."""

    __tablename__ = "events"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), index=True)
    data = Column(Text)


@dataclass(frozen=True)
class Line:
    """One line of a transcript: who said what, when."""

    id: int
    who: str  # citizen, bot, staff, system
    text: str
    at: str  # ISO time, UTC
    staff_no: str | None = None
    buttons: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (payload, title) offered

    def as_json(self) -> dict:
        """What staff pages get (the offered buttons served only to read the next line)."""
        return {"id": self.id, "who": self.who, "text": self.text, "at": self.at, "staff_no": self.staff_no}


def transcript(
    factory: sessionmaker,
    conversation_id: str,
    *,
    after: int = 0,
    masked: bool = False,
    names: tuple[str, ...] = (),
    limit: int = 500,
) -> list[Line]:
    """The conversation's lines after event id ``after``, oldest first; ``masked``: personal data
    masked, ``names`` (known from a ticket's contact) too."""
    query = (
        select(ConversationEvent.id, ConversationEvent.data)
        .where(ConversationEvent.sender_id == conversation_id, ConversationEvent.id > after)
        .order_by(ConversationEvent.id)
        .limit(limit)
    )
    with factory() as session:
        rows = session.execute(query).all()
    lines = _readable([line for row_id, data in rows if (line := _line(row_id, data)) is not None])
    if masked:
        lines = [Line(line.id, line.who, mask_personal_data(line.text, names=names), line.at, line.staff_no) for line in lines]
    return lines


SYSTEM_LINES = {"pause": "转人工", "resume": "恢复智能助手"}
# The console's own turns (trigger_intent) appear as user events "EXTERNAL: <intent>": no citizen wrote them.
_EXTERNAL = "EXTERNAL: "


def _readable(lines: list[Line]) -> list[Line]:
    """Lines as staff read them: a pressed button as its title (not "/affirm"), the console's own turns
    left out."""
    titles: dict[str, str] = {}
    readable = []
    for line in lines:
        if line.who == "bot" and line.buttons:
            titles = dict(line.buttons)
        if line.who == "citizen":
            if line.text.startswith(_EXTERNAL):
                continue
            if line.text.startswith("/"):
                line = replace(line, text=f"（点击）{titles.get(line.text, '按钮')}")
        readable.append(replace(line, buttons=()))  # what was offered matters only for the next line
    return readable


def _line(row_id: int, data: str | None) -> Line | None:
    try:
        event = json.loads(data or "{}")
    except json.JSONDecodeError:
        return None
    kind = event.get("event")
    at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc).isoformat()
    if kind == "user":
        text = (event.get("text") or "").strip()
        if not text:
            return None
        return Line(row_id, "citizen", text, at)
    if kind == "bot":
        staff_no = (event.get("metadata") or {}).get("staff_no")
        text = event.get("text") or ""
        buttons = (event.get("data") or {}).get("buttons") or []
        if buttons:
            text += "\n" + " / ".join(f"[{b.get('title', '')}]" for b in buttons)
        offered = tuple((str(b.get("payload") or ""), str(b.get("title") or "")) for b in buttons)
        return Line(row_id, "staff" if staff_no else "bot", text.strip(), at, staff_no, offered) if text.strip() else None
    if kind in SYSTEM_LINES:
        return Line(row_id, "system", SYSTEM_LINES[kind], at)
    return None
