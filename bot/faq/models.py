"""Tables of the knowledge base: entries, every revision, citizen feedback, cached sentence vectors."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)

from bot.core.db import Base

STATUSES = ("draft", "published", "retired")
HOTLINE_SCOPES = ("12345", "12319", "12320", "all")


class FaqEntry(Base):
    """One question with its answer, as citizens are served it (when published)."""

    __tablename__ = "faq_entries"

    id = Column(String(32), primary_key=True)  # editor-facing id, e.g. SI-001; stable across imports
    question = Column(Text, nullable=False)
    similar_questions = Column(JSON, nullable=False, default=list)
    answer = Column(Text, nullable=False)
    category = Column(String(64), nullable=False)
    hotline = Column(String(8), nullable=False, default="all", index=True)
    department = Column(String(128), nullable=False, default="")
    source = Column(Text, nullable=False, default="")
    effective_date = Column(Date)
    expires_on = Column(Date)  # from this day on the entry is no longer served and waits for review
    status = Column(String(16), nullable=False, default="published", index=True)
    version = Column(Integer, nullable=False, default=1)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    updated_by = Column(String(64), nullable=False)


class FaqRevision(Base):
    """A snapshot of an entry after each change; the highest id is the knowledge base's version."""

    __tablename__ = "faq_revisions"

    id = Column(Integer, primary_key=True)
    entry_id = Column(String(32), ForeignKey("faq_entries.id"), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    action = Column(String(16), nullable=False)  # created / updated / published / retired / drafted / rolled_back
    snapshot = Column(JSON, nullable=False)
    changed_at = Column(DateTime(timezone=True), nullable=False)
    changed_by = Column(String(64), nullable=False)


class FaqFeedback(Base):
    """A citizen's answer to "did this solve your problem?" for one served entry."""

    __tablename__ = "faq_feedback"

    id = Column(Integer, primary_key=True)
    entry_id = Column(String(32), ForeignKey("faq_entries.id"), nullable=False, index=True)
    entry_version = Column(Integer, nullable=False)
    helpful = Column(Boolean, nullable=False)
    channel = Column(String(32), nullable=False, default="unknown")
    created_at = Column(DateTime(timezone=True), nullable=False)


class FaqVector(Base):
    """Sentence vectors by text, so that a process starting on a large base need not re-encode it."""

    __tablename__ = "faq_vectors"

    key = Column(String(64), primary_key=True)  # sha256 of encoder name + text
    vector = Column(LargeBinary, nullable=False)


class FaqServe(Base):
    """One answer served to a citizen (for editors: how often each entry is used)."""

    __tablename__ = "faq_serves"

    id = Column(Integer, primary_key=True)
    entry_id = Column(String(32), ForeignKey("faq_entries.id"), nullable=False, index=True)
    entry_version = Column(Integer, nullable=False)
    channel = Column(String(32), nullable=False, default="unknown")
    served_at = Column(DateTime(timezone=True), nullable=False)
