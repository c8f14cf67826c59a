"""Ticket numbers a citizen can read out: a category prefix, the Beijing date and a daily sequence.

TS (投诉) / JB (举报) / JY (建议) / ZX (咨询留言) + YYYYMMDD + 4 digits, e.g. TS202611280007 — the format
the NLU extracts as ``ticket_number`` (data/nlu/regex.yml). A day with more than 9,999 of one category
(a script, a disaster) goes on with 5 and 6 digits instead of refusing tickets.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.tickets.models import TicketSequence

PREFIXES = {"complaint": "TS", "report": "JB", "suggestion": "JY", "consultation": "ZX"}
NUMBER_PATTERN = re.compile(r"^(TS|JB|JY|ZX)\d{8}\d{4,6}$")
_TYPED_NUMBER = re.compile(r"(?i)(TS|JB|JY|ZX)[\s\-_]*(\d+(?:[\s\-_]+\d+)*)")
_SEPARATORS = re.compile(r"[\s\-_]+")
DAILY_CAPACITY = 999_999


class SequenceExhausted(RuntimeError):
    """More tickets of one category in one day than six digits can number."""


def normalize_number(text: str) -> str:
    """A ticket number as typed ("ts 2026-1128 0007", full-width digits, also inside a sentence:
    "帮我查下TS202611280007") in its canonical form, or "" if there is none.

    Digits typed in groups end the number at the first group that completes one: what follows ("… 0007
    13812345678", "… 0007 12月提交的") is the citizen's phone or another sentence, not more of the number."""
    text = unicodedata.normalize("NFKC", text or "")
    for match in _TYPED_NUMBER.finditer(text):
        digits = ""
        for group in _SEPARATORS.split(match.group(2)):
            digits += group
            candidate = match.group(1).upper() + digits
            if NUMBER_PATTERN.match(candidate):
                return candidate
    return ""


def next_number(session: Session, category: str, day: date) -> str:
    """Take the next number for ``category`` on ``day`` inside the caller's transaction.

    The UPDATE holds the sequence row until the transaction ends, so concurrent submissions get
    different numbers (PostgreSQL row lock; SQLite's single writer).
    """
    prefix, key = PREFIXES[category], day.strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(TicketSequence).values(prefix=prefix, day=key, last=0).on_conflict_do_nothing())
    session.execute(
        update(TicketSequence)
        .where(TicketSequence.prefix == prefix, TicketSequence.day == key)
        .values(last=TicketSequence.last + 1)
    )
    last = session.scalar(select(TicketSequence.last).where(TicketSequence.prefix == prefix, TicketSequence.day == key))
    if last > DAILY_CAPACITY:
        raise SequenceExhausted(f"{prefix} {key}")
    return f"{prefix}{key}{last:04d}"
