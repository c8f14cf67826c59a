"""The console's background jobs: give back conversations nobody claimed, tell citizens their new
place, deliver ticket notices, mark tickets due soon or overdue, collect unsure messages for the NLU
review and purge personal data past its retention period daily.

State lives in the database (no in-memory timers), so a restarted console picks up where it was.
With several console replicas, each round of a job runs in the one console that holds the job's lease
(``bot/console/job_lease.py``); the conditional updates inside the jobs stay as a second guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from bot.console.job_lease import Grant, acquire, release
from bot.console.notice_job import notices_round
from bot.console.rasa_api import RasaApi, RasaUnavailable
from bot.core.clock import utc_now
from bot.core.config import RetentionSettings
from bot.handoff.queue import HandoffQueue
from bot.handoff.queue_texts import moved_notice
from bot.retention.purge import purge_if_due
from bot.review.queue import collect
from bot.supervision.hot_spots import alert_new_hot_spots
from bot.tickets.handling import mark_deadlines
from bot.tickets.workdays import WorkingCalendar

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
REVIEW_SCAN_SECONDS = 5.0
HOT_SPOT_CHECK_SECONDS = 300.0


async def check_queue(queue: HandoffQueue, rasa: RasaApi, *, now: datetime | None = None) -> None:
    now = now or utc_now()
    for handoff, why in queue.overdue(now=now):
        if not queue.give_up(handoff.id, why, now=now):
            continue  # another console process took care of it
        try:
            await rasa.resume(handoff.conversation_id)
            await rasa.trigger(handoff.conversation_id, "handoff_unclaimed")
            logger.info("handoff %s given back to the bot (%s)", handoff.id, why)
        except RasaUnavailable as exc:
            logger.error("handoff %s could not be given back yet: %s", handoff.id, exc)
            queue.undo_end(handoff.id, back_to="waiting")
    for handoff, position in queue.moved_places():
        try:
            await rasa.say(handoff.conversation_id, moved_notice(position, queue.expected_minutes(position, now=now)))
        except RasaUnavailable as exc:
            logger.error("queue place of handoff %s not delivered: %s", handoff.id, exc)


DEADLINE_CHECK_SECONDS = 60.0
NOTICE_CHECK_SECONDS = 2.0
RETENTION_CHECK_SECONDS = 3600.0
MIN_LEASE_SECONDS = 120.0  # longer than any round; a stopped console's jobs move on after this


@dataclass(frozen=True)
class Job:
    """A background job: a round every ``interval`` seconds, in one console at a time."""

    name: str
    interval: float
    round: Callable[[Grant], Awaitable[object]]

    @property
    def lease_seconds(self) -> float:
        return max(3 * self.interval, MIN_LEASE_SECONDS)


def console_jobs(
    factory: sessionmaker, queue: HandoffQueue, rasa: RasaApi, calendar: WorkingCalendar, retention: RetentionSettings
) -> list[Job]:
    """Every job a console runs."""

    async def reviews(_: Grant) -> None:
        added = await asyncio.to_thread(collect, factory)
        if added:
            logger.info("NLU review: %d new unsure messages", added)

    async def deadlines(_: Grant) -> None:
        logger.debug("deadline marks: %s", await asyncio.to_thread(mark_deadlines, factory, calendar))

    async def purge(_: Grant) -> None:
        """Once a day: it checks every hour whether a day has passed since the last purge in the audit
        log, so a restarted console neither skips a day nor purges twice."""
        report = await asyncio.to_thread(purge_if_due, factory, retention)
        if report is not None:
            logger.info("retention purge: %s", report.outcomes)

    async def hot(_: Grant) -> None:
        for spot in await asyncio.to_thread(alert_new_hot_spots, factory):
            logger.warning("hot spot alert (%s): %d tickets in 24 h; see the dashboard", spot.kind, spot.last_24h)

    return [
        Job("handoff_queue", TICK_SECONDS, lambda _: check_queue(queue, rasa)),
        Job("hot_spots", HOT_SPOT_CHECK_SECONDS, hot),
        Job("ticket_notices", NOTICE_CHECK_SECONDS, lambda grant: notices_round(factory, rasa, grant.taken_over)),
        Job("ticket_deadlines", DEADLINE_CHECK_SECONDS, deadlines),
        Job("nlu_review", REVIEW_SCAN_SECONDS, reviews),
        Job("retention_purge", RETENTION_CHECK_SECONDS, purge),
    ]


async def _to_the_end(function: Callable[..., Grant | None], *args: object) -> Grant | None:
    """Run ``function`` in a thread; when the caller is cancelled meanwhile, still wait for the thread (a
    lease taken after the release below would keep this console's job for a whole lease)."""
    running = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await running
        raise


async def run_job(factory: sessionmaker, holder: str, job: Job) -> None:
    """Run ``job``'s rounds while this console holds its lease, until cancelled; then give it up."""
    try:
        while True:
            try:
                grant = await _to_the_end(acquire, factory, job.name, holder, job.lease_seconds)
                if grant is not None:
                    await job.round(grant)
            except Exception as exc:  # noqa: BLE001 - a job must survive a database or Rasa outage
                logger.error("%s round failed: %s", job.name, type(exc).__name__)
            await asyncio.sleep(job.interval)
    finally:
        try:
            await asyncio.to_thread(release, factory, job.name, holder)
        except Exception as exc:  # noqa: BLE001 - stopping must not fail; the lease then just expires
            logger.warning("%s lease not released: %s", job.name, type(exc).__name__)
