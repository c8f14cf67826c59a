"""Tables of the NLU review: messages to label, and how far the event scan has read."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Float, Integer, String, Text

from bot.core.db import Base

REASONS = ("fallback", "low_confidence", "staff_corrected")


class NluReview(Base):
    """One citizen message the bot was unsure about (or staff corrected), with what the bot thought."""

    __tablename__ = "nlu_reviews"

    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, unique=True)  # the `events` row it came from (None: written by a person)
    conversation_id = Column(String(255), nullable=False, index=True)
    text = Column(Text, nullable=False)  # masked
    predicted = Column(String(64), nullable=False)  # the intent the bot acted on (nlu_fallback included)
    confidence = Column(Float, nullable=False)
    ranking = Column(JSON, nullable=False, default=list)  # [{"name", "confidence"}] the bot's top three
    reason = Column(String(32), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
    label = Column(String(64))  # the right intent, once someone chose it; "" = not usable for training
    labelled_by = Column(String(64))  # 工号
    labelled_at = Column(DateTime(timezone=True))


class NluReviewScan(Base):
    """How far the review scan has read Rasa's `events` table (one row)."""

    __tablename__ = "nlu_review_scan"

    id = Column(Integer, primary_key=True)
    last_event_id = Column(Integer, nullable=False, default=0)
