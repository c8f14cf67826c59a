"""The console's background jobs: give back conversations nobody claimed, tell citizens their new
place, mark tickets due soon or overdue, and purge personal data past its retention period daily.

State lives in the database (no in-memory timers), so a restarted console picks up where it was;
every change is a conditional update, so two console processes never act twice on one handoff.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from sqlalchemy.orm import sessionmaker

from bot.config import RetentionSettings
from bot.console.rasa_api import RasaApi, RasaUnavailable
from bot.handoff.notices import moved_notice
from bot.handoff.queue import HandoffQueue
from bot.retention import purge_if_due
from bot.review.queue import collect
from bot.tickets.handling import mark_deadlines
from bot.workdays import WorkingCalendar

logger = logging.getLogger(__name__)

TICK_SECONDS = 1.0
REVIEW_SCAN_SECONDS = 5.0


async def watch_queue(queue: HandoffQueue, rasa: RasaApi) -> None:
    """Run ``check_queue`` every second until cancelled."""
    while True:
        try:
            await check_queue(queue, rasa)
        except Exception as exc:  # noqa: BLE001 - the watcher must survive a database or Rasa outage
            logger.error("handoff watcher round failed: %s", type(exc).__name__)
        await asyncio.sleep(TICK_SECONDS)


async def check_queue(queue: HandoffQueue, rasa: RasaApi, *, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
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


async def watch_deadlines(factory: sessionmaker, calendar: WorkingCalendar) -> None:
    """Mark tickets due within a working day or overdue, every minute (state in the database)."""
    while True:
        try:
            counts = await asyncio.to_thread(mark_deadlines, factory, calendar)
            logger.debug("deadline marks: %s", counts)
        except Exception as exc:  # noqa: BLE001 - the job must survive a database outage
            logger.error("deadline marking failed: %s", type(exc).__name__)
        await asyncio.sleep(DEADLINE_CHECK_SECONDS)


async def watch_reviews(factory: sessionmaker) -> None:
    """Collect the citizen messages the bot was unsure about for the NLU review, every few seconds."""
    while True:
        try:
            added = await asyncio.to_thread(collect, factory)
            if added:
                logger.info("NLU review: %d new unsure messages", added)
        except Exception as exc:  # noqa: BLE001 - the job must survive a database outage
            logger.error("NLU review collection failed: %s", type(exc).__name__)
        await asyncio.sleep(REVIEW_SCAN_SECONDS)


RETENTION_CHECK_SECONDS = 3600.0


async def watch_retention(factory: sessionmaker, policy: RetentionSettings) -> None:
    """Purge personal data past its retention period once a day (``bot/retention.py``). It checks every
    hour whether a day has passed since the last purge in the audit log, so a restarted console neither
    skips a day nor purges twice."""
    while True:
        try:
            report = await asyncio.to_thread(purge_if_due, factory, policy)
            if report is not None:
                logger.info("retention purge: %s", report.outcomes)
        except Exception as exc:  # noqa: BLE001 - the job must survive a database outage
            logger.error("retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(RETENTION_CHECK_SECONDS)
