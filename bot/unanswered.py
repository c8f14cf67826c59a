"""Questions the assistant could not understand, kept (masked) for content editors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Float, Integer, String, Text, select
from sqlalchemy.orm import sessionmaker

from bot.db import Base, transaction
from bot.privacy import mask_personal_data

MAX_STORED_CHARS = 2000


class UnansweredQuestion(Base):
    """One citizen message the assistant failed to understand."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)
    channel = Column(String(32), nullable=False, default="unknown")
    reason = Column(String(32), nullable=False)
    top_intent = Column(String(64))
    confidence = Column(Float)
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)


@dataclass(frozen=True)
class Misunderstanding:
    """What the dialogue knows about a message it could not handle."""

    text: str
    channel: str
    reason: str
    top_intent: str | None = None
    confidence: float | None = None


def record_unanswered(factory: sessionmaker, item: Misunderstanding) -> int:
    """Store a misunderstood message with personal data masked; returns its id."""
    row = UnansweredQuestion(
        text=mask_personal_data(item.text)[:MAX_STORED_CHARS],
        channel=(item.channel or "unknown")[:32],
        reason=item.reason[:32],
        top_intent=item.top_intent,
        confidence=item.confidence,
        created_at=datetime.now(timezone.utc),
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
