"""The queue of conversations waiting for a person: request, claim, hand back, time out.

Every state change is a conditional UPDATE, so two agents (or two console processes) acting at
once cannot both win: exactly one row count of 1 decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.config import Settings
from bot.core.db import as_utc, transaction
from bot.handoff.hours import StaffHours
from bot.handoff.models import OPEN_STATUSES, Handoff, HandoffNote
from bot.staff.audit import SYSTEM, Actor, audit
from bot.staff.roles import SUPERVISION

# One conversation, one hour: a citizen who needs a person gets one; more requests are abuse of the queue.
MAX_HANDOFFS_PER_HOUR = 5
REASONS = ("citizen_asked", "misunderstood", "dissatisfied", "anger", "sensitive_topic", "form_failing")
# How many recent claims the expected wait is estimated from.
_WAIT_HISTORY = 20


@dataclass(frozen=True)
class HandoffRequest:
    conversation_id: str
    channel: str
    reason: str
    summary: dict[str, Any]


@dataclass(frozen=True)
class Admission:
    """What happened to a request: queued at ``position``, or refused because staff are off duty or
    the conversation asked too often (``throttled``)."""

    handoff_id: int
    queued: bool
    position: int = 0
    expected_minutes: int = 0
    throttled: bool = False


@dataclass
class HandoffQueue:
    factory: sessionmaker
    hours: StaffHours
    claim_timeout: timedelta
    minutes_per_citizen: int

    @classmethod
    def from_settings(cls, settings: Settings, factory: sessionmaker) -> HandoffQueue:
        handoff = settings.handoff
        return cls(
            factory=factory,
            hours=StaffHours.parse(handoff.staff_hours),
            claim_timeout=timedelta(seconds=handoff.claim_timeout_seconds),
            minutes_per_citizen=handoff.minutes_per_citizen,
        )

    def request(self, request: HandoffRequest, *, now: datetime | None = None) -> Admission:
        """Queue the conversation (or find its open handoff); outside staff hours it is recorded, not queued."""
        if request.reason not in REASONS:
            raise ValueError(f"unknown handoff reason {request.reason!r}")
        now = now or utc_now()
        with transaction(self.factory) as session:
            existing = session.scalar(
                select(Handoff).where(Handoff.conversation_id == request.conversation_id, Handoff.status.in_(OPEN_STATUSES))
            )
            if existing is None:
                recent = session.scalar(
                    select(func.count(Handoff.id)).where(
                        Handoff.conversation_id == request.conversation_id, Handoff.requested_at >= now - timedelta(hours=1)
                    )
                )
                if recent >= MAX_HANDOFFS_PER_HOUR:
                    return Admission(handoff_id=0, queued=False, throttled=True)
                is_open = self.hours.is_open(now)
                existing = Handoff(
                    conversation_id=request.conversation_id,
                    channel=request.channel,
                    reason=request.reason,
                    summary=request.summary,
                    requested_at=now,
                    status="waiting" if is_open else "unclaimed",
                    ended_at=None if is_open else now,
                    end_reason=None if is_open else "outside_hours",
                )
                session.add(existing)
                session.flush()
                if not is_open:
                    return Admission(handoff_id=existing.id, queued=False)
            handoff_id = existing.id
        position = self.position_of(handoff_id)
        with transaction(self.factory) as session:
            session.execute(update(Handoff).where(Handoff.id == handoff_id).values(position_told=position))
        return Admission(
            handoff_id=handoff_id, queued=True, position=position, expected_minutes=self.expected_minutes(position, now=now)
        )

    def waiting(self) -> list[Handoff]:
        """Waiting conversations, oldest first."""
        with self.factory() as session:
            return list(
                session.scalars(select(Handoff).where(Handoff.status == "waiting").order_by(Handoff.requested_at, Handoff.id))
            )

    def claimed(self, *, by: int | None = None) -> list[Handoff]:
        """Conversations held by a person (by one person when ``by`` is given)."""
        query = select(Handoff).where(Handoff.status == "claimed").order_by(Handoff.claimed_at)
        if by is not None:
            query = query.where(Handoff.claimed_by == by)
        with self.factory() as session:
            return list(session.scalars(query))

    def get(self, handoff_id: int) -> Handoff | None:
        with self.factory() as session:
            return session.get(Handoff, handoff_id)

    def position_of(self, handoff_id: int) -> int:
        """1 for the next in line; 0 when not waiting."""
        ids = [h.id for h in self.waiting()]
        return ids.index(handoff_id) + 1 if handoff_id in ids else 0

    def expected_minutes(self, position: int, *, now: datetime) -> int:
        """Expected wait: position times the average recent wait for a claim (the setting until there is history)."""
        since = now - timedelta(days=1)
        with self.factory() as session:
            rows = session.execute(
                select(Handoff.requested_at, Handoff.claimed_at)
                .where(Handoff.claimed_at.is_not(None), Handoff.requested_at >= since)
                .order_by(Handoff.claimed_at.desc())
                .limit(_WAIT_HISTORY)
            ).all()
        if len(rows) >= 3:
            per_place = sum((as_utc(c) - as_utc(r)).total_seconds() for r, c in rows) / len(rows) / 60
        else:
            per_place = self.minutes_per_citizen
        return max(1, math.ceil(position * per_place))

    def claim(self, handoff_id: int, actor: Actor, *, now: datetime | None = None) -> bool:
        """Give a waiting conversation to ``actor``; False if someone else was first (or it ended)."""
        now = now or utc_now()
        with transaction(self.factory) as session:
            won = (
                session.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff_id, Handoff.status == "waiting")
                    .values(status="claimed", claimed_by=actor.user_id, claimed_at=now)
                ).rowcount
                == 1
            )
            if won:
                audit(session, actor, "handoff.claim", target_type="handoff", target_id=handoff_id)
            return won

    def hand_back(self, handoff_id: int, actor: Actor, *, now: datetime | None = None) -> bool:
        """End a claimed conversation: the bot answers again. Only the holder, a supervisor or an admin."""
        now = now or utc_now()
        condition = [Handoff.id == handoff_id, Handoff.status == "claimed"]
        if actor.role not in SUPERVISION:
            condition.append(Handoff.claimed_by == actor.user_id)
        with transaction(self.factory) as session:
            done = (
                session.execute(
                    update(Handoff).where(*condition).values(status="returned", ended_at=now, end_reason="returned")
                ).rowcount
                == 1
            )
            if done:
                audit(session, actor, "handoff.hand_back", target_type="handoff", target_id=handoff_id)
            return done

    def overdue(self, *, now: datetime | None = None) -> list[tuple[Handoff, str]]:
        """Waiting conversations nobody claimed in time, or whose staff went off duty, with the reason."""
        now = now or utc_now()
        closed = not self.hours.is_open(now)
        return [
            (h, "hours_ended" if closed else "timeout")
            for h in self.waiting()
            if closed or as_utc(h.requested_at) + self.claim_timeout <= now
        ]

    def give_up(self, handoff_id: int, end_reason: str, *, now: datetime | None = None) -> bool:
        """Mark a waiting handoff unclaimed; True for the one caller that did it."""
        now = now or utc_now()
        with transaction(self.factory) as session:
            done = (
                session.execute(
                    update(Handoff)
                    .where(Handoff.id == handoff_id, Handoff.status == "waiting")
                    .values(status="unclaimed", ended_at=now, end_reason=end_reason)
                ).rowcount
                == 1
            )
            if done:
                audit(session, SYSTEM, "handoff.unclaimed", target_type="handoff", target_id=handoff_id, why=end_reason)
            return done

    def undo_end(self, handoff_id: int, *, back_to: str) -> None:
        """Reopen a handoff whose ending could not reach the citizen (Rasa down), to be retried."""
        ended = {"claimed": "returned", "waiting": "unclaimed"}[back_to]
        with transaction(self.factory) as session:
            session.execute(
                update(Handoff)
                .where(Handoff.id == handoff_id, Handoff.status == ended)
                .values(status=back_to, ended_at=None, end_reason=None)
            )

    def moved_places(self) -> list[tuple[Handoff, int]]:
        """Waiting handoffs whose position changed since the citizen was last told, now marked as told."""
        moved = []
        for position, handoff in enumerate(self.waiting(), start=1):
            with transaction(self.factory) as session:
                changed = (
                    session.execute(
                        update(Handoff)
                        .where(
                            Handoff.id == handoff.id,
                            Handoff.status == "waiting",
                            or_(Handoff.position_told.is_(None), Handoff.position_told != position),
                        )
                        .values(position_told=position)
                    ).rowcount
                    == 1
                )
            if changed:
                moved.append((handoff, position))
        return moved

    def add_note(self, handoff_id: int, actor: Actor, text: str, *, now: datetime | None = None) -> None:
        now = now or utc_now()
        with transaction(self.factory) as session:
            session.add(HandoffNote(handoff_id=handoff_id, user_id=actor.user_id, text=text, at=now))
            audit(session, actor, "handoff.note", target_type="handoff", target_id=handoff_id)

    def notes(self, handoff_id: int) -> list[HandoffNote]:
        with self.factory() as session:
            return list(session.scalars(select(HandoffNote).where(HandoffNote.handoff_id == handoff_id).order_by(HandoffNote.id)))
