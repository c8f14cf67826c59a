"""Messages pushed to a web chat citizen who had no page open (staff replies, ticket notices): kept
and shown, in order, the next time they open the chat with the same session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, String, select
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import Base, shared_session_factory, transaction


class MailboxMessage(Base):
    __tablename__ = "webchat_mailbox"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    message = Column(JSON, nullable=False)  # what socket.io would have emitted: text, buttons
    created_at = Column(DateTime(timezone=True), nullable=False)
    shown_at = Column(DateTime(timezone=True))


class Mailbox:
    """The held messages of web chat conversations, in the application database."""

    def __init__(self, factory: sessionmaker) -> None:
        self.factory = factory

    @classmethod
    def for_database(cls, database_url: str) -> Mailbox:
        return cls(shared_session_factory(database_url))

    def hold(self, conversation_id: str, message: dict[str, Any]) -> None:
        with transaction(self.factory) as session:
            session.add(MailboxMessage(conversation_id=conversation_id[:128], message=message, created_at=utc_now()))

    def take(self, conversation_id: str) -> list[dict[str, Any]]:
        """The held messages of ``conversation_id``, oldest first, marked shown (each is shown once)."""
        with transaction(self.factory) as session:
            rows = list(
                session.scalars(
                    select(MailboxMessage)
                    .where(MailboxMessage.conversation_id == conversation_id, MailboxMessage.shown_at.is_(None))
                    .order_by(MailboxMessage.id)
                    .with_for_update()
                )
            )
            now = utc_now()
            for row in rows:
                row.shown_at = now
            return [dict(row.message) for row in rows]
