"""Questions the assistant could not understand, kept (masked) for content editors."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, DateTime, Float, Integer, String, Text, func, select
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import Base, transaction
from bot.core.privacy import mask_personal_data

MAX_STORED_CHARS = 2000
FAQ_NO_MATCH = "faq_no_match"  # the reason for a consultation the knowledge base could not answer


class UnansweredQuestion(Base):
    """One citizen message the assistant failed to understand."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)
    channel = Column(String(32), nullable=False, default="unknown")
    reason = Column(String(32), nullable=False)
    top_intent = Column(String(64))
    confidence = Column(Float)
    # The masked text without case, spaces and punctuation: repeats of a question share it.
    question_key = Column(String(200), index=True)
    conversation_id = Column(String(128))
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
    # Editors' follow-up: dismissed as out of scope, or turned into (part of) an entry.
    dismissed_at = Column(DateTime(timezone=True))
    resolved_entry_id = Column(String(32))


@dataclass(frozen=True)
class Misunderstanding:
    """What the dialogue knows about a message it could not handle."""

    text: str
    channel: str
    reason: str
    top_intent: str | None = None
    confidence: float | None = None
    conversation_id: str | None = None


@dataclass(frozen=True)
class UnansweredCount:
    """A question asked (in the same words) one or more times without an answer."""

    text: str
    count: int
    first_asked: datetime
    last_asked: datetime


def question_key(masked_text: str) -> str:
    """What repeats of the same question have in common: no case, spaces or punctuation."""
    normalized = unicodedata.normalize("NFKC", masked_text).lower()
    return "".join(ch for ch in normalized if ch.isalnum() or ch == "*")[:200]


def record_unanswered(factory: sessionmaker, item: Misunderstanding) -> int:
    """Store a misunderstood message with personal data masked; returns its id."""
    masked = mask_personal_data(item.text)[:MAX_STORED_CHARS]
    row = UnansweredQuestion(
        text=masked,
        question_key=question_key(masked),
        conversation_id=(item.conversation_id or None) and item.conversation_id[:128],
        channel=(item.channel or "unknown")[:32],
        reason=item.reason[:32],
        top_intent=item.top_intent,
        confidence=item.confidence,
        created_at=utc_now(),
    )
    with transaction(factory) as session:
        session.add(row)
        session.flush()
        return row.id


def latest_unanswered(factory: sessionmaker, *, limit: int = 50) -> list[UnansweredQuestion]:
    """The most recent misunderstood messages, newest first."""
    with transaction(factory) as session:
        query = select(UnansweredQuestion).order_by(UnansweredQuestion.id.desc()).limit(limit)
        return list(session.scalars(query))


def came_from(factory: sessionmaker, conversation_id: str) -> bool:
    """Whether a misunderstood message came from this conversation (the only ones editors may open)."""
    with factory() as session:
        return (
            session.scalar(
                select(UnansweredQuestion.id).where(UnansweredQuestion.conversation_id == conversation_id[:128]).limit(1)
            )
            is not None
        )


def unanswered_counts(factory: sessionmaker, *, limit: int = 50) -> list[UnansweredCount]:
    """Questions without an answer, most often asked first (a repeat is the same words)."""
    query = (
        select(
            func.min(UnansweredQuestion.text),
            func.count(),
            func.min(UnansweredQuestion.created_at),
            func.max(UnansweredQuestion.created_at),
        )
        .where(UnansweredQuestion.question_key.is_not(None))  # emptied by the retention purge
        .group_by(UnansweredQuestion.question_key)
        .order_by(func.count().desc(), func.max(UnansweredQuestion.created_at).desc())
        .limit(limit)
    )
    with transaction(factory) as session:
        return [UnansweredCount(text, int(count), first, last) for text, count, first, last in session.execute(query)]
