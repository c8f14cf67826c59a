"""One console at a time runs each background job: a lease per job in the database, with an expiry.

Several console replicas run the same jobs (notices, queue time-outs, deadline marks, the NLU review
scan, the daily purge). Before each round a console takes or renews the job's lease with one
conditional update (free, expired, or already its own); the others skip the round. A console that
stops or hangs loses the lease when it expires and another one carries on. The lease row also
records when the job last ran (``ran_at``): the job heartbeats of the health checks and metrics.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, DateTime, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import Base, as_utc, transaction


class JobLease(Base):
    __tablename__ = "job_leases"

    job = Column(String(64), primary_key=True)
    holder = Column(String(128), nullable=False)
    expires_at = Column(DateTime, nullable=False)
    ran_at = Column(DateTime, nullable=True)


def holder_name() -> str:
    """This process, unique even across restarts on the same host."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Grant:
    """A round of a job may run; ``taken_over`` when this holder did not hold the lease before (a
    previous holder stopped: work it left half-done can be taken back)."""

    taken_over: bool


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def acquire(factory: sessionmaker, job: str, holder: str, seconds: float, *, now: datetime | None = None) -> Grant | None:
    """Take or renew ``job``'s lease for ``seconds``; None when another holder has it."""
    now = now or utc_now()
    expires = _naive(now + timedelta(seconds=seconds))
    with transaction(factory) as session:
        renewed = session.execute(
            update(JobLease).where(JobLease.job == job, JobLease.holder == holder).values(expires_at=expires, ran_at=_naive(now))
        )
        if renewed.rowcount == 1:
            return Grant(taken_over=False)
        taken = session.execute(
            update(JobLease)
            .where(JobLease.job == job, JobLease.expires_at < _naive(now))
            .values(holder=holder, expires_at=expires, ran_at=_naive(now))
        )
        if taken.rowcount == 1:
            return Grant(taken_over=True)
    try:
        with transaction(factory) as session:
            session.add(JobLease(job=job, holder=holder, expires_at=expires, ran_at=_naive(now)))
        return Grant(taken_over=True)
    except IntegrityError:  # it exists and another holder's lease runs
        return None


def release(factory: sessionmaker, job: str, holder: str) -> None:
    """Give the lease up at once (a console stopping in order), so another one need not wait."""
    with transaction(factory) as session:
        session.execute(
            update(JobLease).where(JobLease.job == job, JobLease.holder == holder).values(expires_at=datetime(1970, 1, 1))
        )


def heartbeats(factory: sessionmaker) -> dict[str, datetime]:
    """When each job last ran, in any console."""
    with factory() as session:
        return {row.job: as_utc(row.ran_at) for row in session.scalars(select(JobLease)) if row.ran_at is not None}
