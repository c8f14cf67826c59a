"""The retention rule of Rasa's ``events`` table, which needs a scan of its own.

The table (written by Rasa's SQL event broker) has no time column: each row's time is the
``timestamp`` inside its JSON. So the purge reads rows in id order, which is the order Rasa wrote
them in, and stops a day past the cut-off instead of reading the whole table every night.

What stays of an old conversation is what the dashboard's conversation count needs (distinct senders
with a citizen message in a range of Beijing days, ``bot/supervision/figures.py``): one row per
sender and Beijing day, emptied to ``{"retention": "emptied", "event": "user", "timestamp": …}``.
Everything else — the words, slots, the bot's answers — is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, not_, select, update
from sqlalchemy.orm import sessionmaker

from bot.core.clock import BEIJING
from bot.core.db import transaction
from bot.handoff.transcript import ConversationEvent

# Emptied rows start with this, so a later scan passes over them in SQL without parsing them.
EMPTIED_PREFIX = '{"retention": "emptied"'
CHUNK = 1000
# Rows arrive in time order give or take seconds; a day past the cut-off nothing older can follow.
SCAN_PAST_CUTOFF = timedelta(days=1)


@dataclass(frozen=True)
class EventsOutcome:
    deleted: int
    emptied: int


def emptied_event(timestamp: float) -> str:
    """The JSON an old citizen message is reduced to: its kind and time, nothing the citizen said."""
    return json.dumps({"retention": "emptied", "event": "user", "timestamp": timestamp})


def purge_events(
    factory: sessionmaker, cutoff: datetime, *, held: frozenset[str] = frozenset(), dry_run: bool = False
) -> EventsOutcome:
    """Delete the events older than ``cutoff`` except one emptied citizen message per sender and
    Beijing day; ``held`` conversations (a ticket still open) are left whole. Commits per chunk so the
    event broker is never blocked for long; ``dry_run`` only counts."""
    first_kept_day: set[tuple[str | None, date]] = set()
    cutoff_at, stop_at = cutoff.timestamp(), (cutoff + SCAN_PAST_CUTOFF).timestamp()
    deleted = emptied = last_id = 0
    finished = False
    while not finished:
        with transaction(factory) as session:
            rows = session.execute(
                select(ConversationEvent.id, ConversationEvent.sender_id, ConversationEvent.data)
                .where(ConversationEvent.id > last_id, not_(ConversationEvent.data.startswith(EMPTIED_PREFIX, autoescape=True)))
                .order_by(ConversationEvent.id)
                .limit(CHUNK)
            ).all()
            finished = len(rows) < CHUNK
            doomed: list[int] = []
            reduced: list[dict[str, object]] = []
            for row_id, sender, data in rows:
                last_id = row_id
                kind, stamp = _kind_and_time(data)
                if stamp is None:
                    continue  # cannot be dated: left for a person to look at, never guessed
                if stamp >= stop_at:
                    finished = True
                    break
                if stamp >= cutoff_at or sender in held:
                    continue
                day = datetime.fromtimestamp(stamp, BEIJING).date()
                if kind == "user" and (sender, day) not in first_kept_day:
                    first_kept_day.add((sender, day))
                    reduced.append({"row_id": row_id, "emptied": emptied_event(stamp)})
                else:
                    doomed.append(row_id)
            if not dry_run:
                _apply(session, doomed, reduced)
            deleted, emptied = deleted + len(doomed), emptied + len(reduced)
    return EventsOutcome(deleted=deleted, emptied=emptied)


def _apply(session, doomed: list[int], reduced: list[dict[str, object]]) -> None:
    if doomed:
        session.execute(
            delete(ConversationEvent).where(ConversationEvent.id.in_(doomed)).execution_options(synchronize_session=False)
        )
    if reduced:
        session.execute(
            update(ConversationEvent.__table__)
            .where(ConversationEvent.__table__.c.id == bindparam("row_id"))
            .values(data=bindparam("emptied")),
            reduced,
        )


def _kind_and_time(data: str | None) -> tuple[str | None, float | None]:
    try:
        event = json.loads(data or "")
        return event.get("event"), float(event["timestamp"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None, None
