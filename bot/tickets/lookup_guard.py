"""Ticket look-ups that cannot be guessed: a few wrong checks per ticket and day, then it is locked.

The count belongs to the ticket number, not to the session or channel, so fresh sessions do not buy
fresh tries; it restarts on the next Beijing day. Numbers that do not exist count the same way, so a
caller cannot tell them apart from a wrong check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.tickets.models import LookupFailure

MAX_FAILURES = 5


@dataclass(frozen=True)
class Attempts:
    failures: int

    @property
    def locked(self) -> bool:
        return self.failures >= MAX_FAILURES

    @property
    def left(self) -> int:
        return max(MAX_FAILURES - self.failures, 0)


def attempts(session: Session, number: str, day: date) -> Attempts:
    row = session.scalar(select(LookupFailure).where(LookupFailure.number == number, LookupFailure.day == day))
    return Attempts(row.failures if row is not None else 0)


def record_failure(session: Session, number: str, day: date) -> Attempts:
    row = session.scalar(select(LookupFailure).where(LookupFailure.number == number, LookupFailure.day == day).with_for_update())
    if row is None:
        row = LookupFailure(number=number, day=day, failures=0)
        session.add(row)
    row.failures += 1
    return Attempts(row.failures)
