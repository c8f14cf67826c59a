"""The console's health checks and the gauges it reads from the database when Prometheus scrapes it:
the handoff queue, the notice backlog and failures, and when each background job last ran."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.console.job_lease import heartbeats
from bot.core.clock import utc_now
from bot.core.db import as_utc
from bot.handoff.queue import HandoffQueue
from bot.runtime.ops import metrics
from bot.tickets.models import TicketNotice


def refresh_console_gauges(factory: sessionmaker, queue: HandoffQueue, *, now: datetime | None = None) -> None:
    now = now or utc_now()
    gauges = metrics()
    waiting = queue.waiting()
    gauges.handoff_waiting.set(len(waiting))
    gauges.handoff_longest_wait_seconds.set((now - as_utc(waiting[0].requested_at)).total_seconds() if waiting else 0)
    with factory() as session:
        counts = dict(session.execute(select(TicketNotice.status, func.count()).group_by(TicketNotice.status)).all())
    gauges.notice_backlog.set(counts.get("pending", 0) + counts.get("sending", 0))
    gauges.notices_undelivered.set(counts.get("undelivered", 0))
    for job, ran_at in heartbeats(factory).items():
        gauges.job_last_run_seconds.labels(job).set((now - ran_at).total_seconds())
