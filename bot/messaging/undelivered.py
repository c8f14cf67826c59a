"""Messages a channel could not deliver (closed customer-service window, quota, blocked): kept for
staff to follow up by phone or another channel, never lost silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import Base, shared_session_factory, transaction
from bot.core.privacy import mask_personal_data


class UndeliveredMessage(Base):
    __tablename__ = "undelivered_messages"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    conversation_id = Column(String(128), nullable=False, index=True)
    text = Column(Text, nullable=False)  # masked
    reason = Column(String(255), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, index=True)
    followed_up_at = Column(DateTime(timezone=True))


@dataclass(frozen=True)
class Undelivered:
    channel: str
    conversation_id: str
    text: str
    reason: str


def record_undelivered(factory: sessionmaker, item: Undelivered) -> int:
    """Keep a message that did not reach the citizen (personal data masked); returns its id."""
    with transaction(factory) as session:
        row = UndeliveredMessage(
            channel=item.channel,
            conversation_id=item.conversation_id[:128],
            text=mask_personal_data(item.text),
            reason=item.reason[:255],
            at=utc_now(),
        )
        session.add(row)
        session.flush()
        return row.id


def undelivered_recorder(database_url: str) -> Callable[[Undelivered], int]:
    """What a channel calls with a message it could not deliver (on the process's shared engine)."""
    factory = shared_session_factory(database_url)
    return lambda item: record_undelivered(factory, item)
