"""Keeping what the assistant could not answer, for editors; and reading the citizen's own words."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from sqlalchemy.exc import SQLAlchemyError

from actions.services import session_factory
from bot.conversation.unanswered import Misunderstanding, record_unanswered

logger = logging.getLogger(__name__)


def intent_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    """(intent, confidence) pairs of the latest message."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [(item.get("name", ""), float(item.get("confidence") or 0.0)) for item in ranking]


def last_citizen_text(tracker: Tracker) -> str:
    """The latest message the citizen typed (button payloads such as "/out_of_scope" skipped)."""
    for event in reversed(tracker.events):
        text = (event.get("text") or "").strip() if event.get("event") == "user" else ""
        if text and not text.startswith("/"):
            return text
    return ""


def remember_misunderstanding(tracker: Tracker, reason: str) -> None:
    """Keep the misunderstood text for editors; a database failure never breaks the reply."""
    text = last_citizen_text(tracker)
    if not text:
        return
    top = max(intent_ranking(tracker), key=lambda pair: pair[1], default=(None, None))
    item = Misunderstanding(
        text=text,
        channel=tracker.get_latest_input_channel() or "unknown",
        reason=reason,
        top_intent=top[0],
        confidence=top[1],
        conversation_id=tracker.sender_id,
    )
    try:
        record_unanswered(session_factory(), item)
    except SQLAlchemyError as exc:
        logger.error("could not record an unanswered question: %s", type(exc).__name__)
