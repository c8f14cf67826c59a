"""Handoff tables: one row per request for a person, and the staff's private notes on it."""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text

from bot.core.db import Base

# waiting → claimed → returned (staff handed back); waiting → unclaimed (timeout or staff hours over)
OPEN_STATUSES = ("waiting", "claimed")
STATUSES = (*OPEN_STATUSES, "returned", "unclaimed")


class Handoff(Base):
    """A conversation waiting for, or held by, a person."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    reason = Column(String(32), nullable=False)  # see REASONS in bot/handoff/queue.py
    summary = Column(JSON, nullable=False, default=dict)  # intent, fields, last messages (masked)
    status = Column(String(16), nullable=False, index=True)
    requested_at = Column(DateTime(timezone=True), nullable=False)
    claimed_at = Column(DateTime(timezone=True))
    claimed_by = Column(Integer, ForeignKey("staff_users.id"))
    ended_at = Column(DateTime(timezone=True))
    end_reason = Column(String(32))  # returned, timeout, outside_hours, hours_ended
    # The queue position the citizen was last told, so they hear again only when it changes.
    position_told = Column(Integer)


class HandoffNote(Base):
    """A private note by staff on a handoff; never sent to the citizen."""

    __tablename__ = "handoff_notes"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("handoffs.id"), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False)
    text = Column(Text, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)
