"""The NLU review queue: citizen messages the bot was unsure about, for editors and supervisors to label.

Where they come from:
- ``collect``: reads the citizen messages Rasa's SQL event broker wrote (``events``) since the last scan
  and keeps those that fell to the fallback (``nlu_fallback``) or whose intent was below ``LOW_CONFIDENCE``;
- ``record_correction``: a person in a handoff created a ticket of another kind than the bot understood
  (the bot's message is kept with the staff member's intent as its label).
A label is one click (``label``); ``labelled_examples`` feeds ``python -m bot nlu export-reviewed``.
Texts are masked before they are stored; button presses and channel payloads (``/…``) are never kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utc_now
from bot.core.db import as_utc, transaction
from bot.core.privacy import mask_personal_data
from bot.handoff.transcript import ConversationEvent
from bot.review.models import NluReview, NluReviewScan

LOW_CONFIDENCE = 0.7  # above the fallback threshold (config.yml: 0.35) but still unsure
FALLBACK = "nlu_fallback"
SCAN_BATCH = 2000
MAX_TEXT = 2000
# The intents a message can be labelled with (the rest are buttons, channels or the console's own).
LABELS = (
    "consult",
    "complain",
    "report",
    "suggest",
    "check_ticket",
    "my_tickets",
    "leave_message",
    "request_human",
    "emergency",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "cancel",
    "bot_challenge",
    "out_of_scope",
)
NOT_FOR_TRAINING = ""  # the label of a message that should not be learned from (noise, personal data)
CATEGORY_INTENTS = {"complaint": "complain", "report": "report", "suggestion": "suggest", "consultation": "consult"}


class ReviewError(ValueError):
    """The label cannot be set; the message (Chinese) says why."""


@dataclass(frozen=True)
class Parse:
    text: str
    intent: str
    confidence: float
    ranking: list[dict[str, Any]]
    at: datetime


def read_user_event(data: str | None) -> Parse | None:
    """The citizen's words and the NLU's parse from an ``events`` row, or None for anything else."""
    try:
        event = json.loads(data or "{}")
    except json.JSONDecodeError:
        return None
    if event.get("event") != "user":
        return None
    text = (event.get("text") or "").strip()
    if not text or text.startswith("/"):  # buttons and channel payloads are not the citizen's wording
        return None
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [
        {"name": str(r.get("name")), "confidence": round(float(r.get("confidence") or 0), 4)}
        for r in parse.get("intent_ranking") or []
        if r.get("name") != FALLBACK
    ][:3]
    at = datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=timezone.utc)
    return Parse(text, str(intent.get("name") or FALLBACK), float(intent.get("confidence") or 0), ranking, at)


def is_unsure(parse: Parse) -> str | None:
    """Why the message needs a person's label (``fallback`` / ``low_confidence``), or None."""
    if parse.intent == FALLBACK:
        return "fallback"
    if parse.confidence < LOW_CONFIDENCE:
        return "low_confidence"
    return None


def collect(factory: sessionmaker) -> int:
    """Add the unsure citizen messages written since the last scan; returns how many were added."""
    with transaction(factory) as session:
        scan = session.get(NluReviewScan, 1) or NluReviewScan(id=1, last_event_id=0)
        rows = session.execute(
            select(ConversationEvent.id, ConversationEvent.sender_id, ConversationEvent.data)
            .where(ConversationEvent.id > scan.last_event_id)
            .order_by(ConversationEvent.id)
            .limit(SCAN_BATCH)
        ).all()
        added = 0
        for event_id, sender, data in rows:
            parse = read_user_event(data)
            reason = is_unsure(parse) if parse else None
            if parse and reason and _add(session, event_id, sender or "", parse, reason):
                added += 1
        if rows:
            scan.last_event_id = rows[-1][0]
        session.merge(scan)
    return added


def _add(session: Session, event_id: int | None, conversation_id: str, parse: Parse, reason: str, **labelled: Any) -> bool:
    if event_id is not None and session.scalar(select(NluReview.id).where(NluReview.event_id == event_id)) is not None:
        return False  # another console replica collected it first
    session.add(
        NluReview(
            event_id=event_id,
            conversation_id=conversation_id[:255],
            text=mask_personal_data(parse.text)[:MAX_TEXT],
            predicted=parse.intent[:64],
            confidence=parse.confidence,
            ranking=parse.ranking,
            reason=reason,
            created_at=parse.at,
            **labelled,
        )
    )
    return True


def record_correction(factory: sessionmaker, conversation_id: str, category: str, staff_no: str) -> bool:
    """Staff created a ``category`` ticket in a handoff: if the bot had understood the citizen's last
    request as something else, keep that message labelled with the right intent. True when kept."""
    intent = CATEGORY_INTENTS.get(category)
    if intent is None:
        return False
    rows = _recent_citizen_parses(factory, conversation_id)
    if not rows or rows[0][1].intent == intent:
        return False  # no request, or the bot understood the latest one right
    event_id, parse = rows[0]
    now = utc_now()
    try:
        with transaction(factory) as session:
            existing = session.scalar(select(NluReview).where(NluReview.event_id == event_id))
            if existing is not None:
                existing.reason, existing.label = "staff_corrected", intent
                existing.labelled_by, existing.labelled_at = staff_no, now
                return True
            return _add(
                session, event_id, conversation_id, parse, "staff_corrected", label=intent, labelled_by=staff_no, labelled_at=now
            )
    except IntegrityError:
        return False


def _recent_citizen_parses(factory: sessionmaker, conversation_id: str, limit: int = 60) -> list[tuple[int, Parse]]:
    """The conversation's latest citizen messages with their parse, newest first (requests only)."""
    with factory() as session:
        rows = session.execute(
            select(ConversationEvent.id, ConversationEvent.data)
            .where(ConversationEvent.sender_id == conversation_id)
            .order_by(ConversationEvent.id.desc())
            .limit(limit)
        ).all()
    parses = [(event_id, p) for event_id, data in rows if (p := read_user_event(data)) is not None]
    return [(event_id, p) for event_id, p in parses if p.intent not in ("request_human", "affirm", "deny", "greet", "thank")]


def pending_and_labelled(factory: sessionmaker, *, labelled: bool, limit: int = 200) -> list[dict[str, Any]]:
    """Review items, newest first: those waiting for a label, or those labelled."""
    query = select(NluReview).order_by(NluReview.id.desc()).limit(limit)
    query = query.where(NluReview.label.is_not(None) if labelled else NluReview.label.is_(None))
    with factory() as session:
        return [_item(row) for row in session.scalars(query)]


def _item(row: NluReview) -> dict[str, Any]:
    return {
        "id": row.id,
        "text": row.text,
        "predicted": row.predicted,
        "confidence": round(row.confidence, 3),
        "ranking": row.ranking or [],
        "reason": row.reason,
        "at": as_utc(row.created_at).isoformat(),
        "conversation_id": row.conversation_id,
        "label": row.label,
        "labelled_by": row.labelled_by,
    }


def label(session: Session, review_id: int, intent: str, staff_no: str) -> NluReview:
    """Set the right intent of one message (``NOT_FOR_TRAINING`` keeps it out of the export)."""
    if intent != NOT_FOR_TRAINING and intent not in LABELS:
        raise ReviewError("请选择一个意图")
    row = session.get(NluReview, review_id)
    if row is None:
        raise LookupError(review_id)
    row.label, row.labelled_by, row.labelled_at = intent, staff_no, utc_now()
    return row


def labelled_examples(factory: sessionmaker) -> dict[str, list[str]]:
    """Labelled texts by intent (masked again on the way out), oldest first, without repeats."""
    query = (
        select(NluReview.label, NluReview.text)
        .where(NluReview.label.is_not(None), NluReview.label != NOT_FOR_TRAINING)
        .order_by(NluReview.id)
    )
    examples: dict[str, list[str]] = {}
    with factory() as session:
        for intent, text in session.execute(query):
            line = " ".join(mask_personal_data(text).split())
            if line and line not in examples.setdefault(intent, []):
                examples[intent].append(line)
    return examples
