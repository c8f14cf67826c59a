"""The notice job: delivers ticket notices (the outbox in ``ticket_notices``) to the citizen's channel
through the bot, and records what became of each.

A notice is claimed by a conditional update, so two console processes never send one twice. What a
channel could not deliver shows up during the send in ``undelivered_messages`` (WeChat, Telegram) or
the web chat mailbox (no page open: shown when the citizen comes back, called back if they have not
come back within ``HELD_DAYS``); channels that cannot push (the REST API) are marked for a call-back at
once. While Rasa is unreachable the notice waits and is tried again; after ``MAX_ATTEMPTS`` it is
marked for a call-back too.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.console.rasa_api import RasaApi, RasaUnavailable
from bot.tickets.feedback import PUSH_CHANNELS, claim_next, follow_held, release_interrupted, settle
from bot.tickets.models import TicketNotice
from bot.undelivered import UndeliveredMessage
from bot.webchat_mailbox import MailboxMessage

logger = logging.getLogger(__name__)

NOTICE_ACTION = "action_ticket_notice"
ROUND_BUDGET_SECONDS = 60.0


def _latest_ids(factory: sessionmaker, conversation_id: str) -> tuple[int, int]:
    with factory() as session:
        undelivered = session.scalar(select(func.max(UndeliveredMessage.id)).where(UndeliveredMessage.conversation_id == conversation_id))
        held = session.scalar(select(func.max(MailboxMessage.id)).where(MailboxMessage.conversation_id == conversation_id))
        return undelivered or 0, held or 0


def _outcome(factory: sessionmaker, conversation_id: str, before: tuple[int, int]) -> tuple[str, str | None, int | None]:
    """What the channel did with the notice: (status, reason, the mailbox message when held)."""
    with factory() as session:
        problem = session.scalar(select(UndeliveredMessage.reason).where(
            UndeliveredMessage.conversation_id == conversation_id, UndeliveredMessage.id > before[0]).limit(1))
        held = session.scalar(select(func.max(MailboxMessage.id)).where(
            MailboxMessage.conversation_id == conversation_id, MailboxMessage.id > before[1]))
    if problem:
        return "undelivered", problem, None
    return ("held", None, held) if held else ("sent", None, None)


async def deliver(factory: sessionmaker, rasa: RasaApi, notice: TicketNotice) -> str:
    """Send one claimed notice; returns the status it ends in."""
    held = None
    if notice.channel not in PUSH_CHANNELS:
        status, reason = "undelivered", f"渠道 {notice.channel} 不能主动通知"
    else:
        before = await asyncio.to_thread(_latest_ids, factory, notice.conversation_id)
        try:
            await rasa.run_action(notice.conversation_id, NOTICE_ACTION)
        except RasaUnavailable as exc:
            logger.error("ticket notice %s not sent yet: %s", notice.id, exc)
            status, reason = "pending", "助手服务暂时不可用"
        else:
            status, reason, held = await asyncio.to_thread(_outcome, factory, notice.conversation_id, before)
    await asyncio.to_thread(settle, factory, notice.id, status, reason, mailbox_id=held)
    logger.info("ticket notice %s (%s, %s): %s", notice.id, notice.kind, notice.channel, status)
    return status


async def deliver_notices(factory: sessionmaker, rasa: RasaApi, budget_seconds: float = ROUND_BUDGET_SECONDS) -> int:
    """Deliver every pending notice once (stopping at the first that has to wait, or when the round's
    time is up: the job's lease must not run out mid-round); returns how many."""
    handled = 0
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline and (notice := await asyncio.to_thread(claim_next, factory)) is not None:
        handled += 1
        if await deliver(factory, rasa, notice) == "pending":
            break
    return handled


async def notices_round(factory: sessionmaker, rasa: RasaApi, taken_over: bool) -> None:
    """One round of the notice job. A console that just took the job over first takes back the notices
    the previous holder left half-sent (it stopped; the bot may then say one twice, which beats never)."""
    if taken_over:
        released = await asyncio.to_thread(release_interrupted, factory)
        if released:
            logger.info("ticket notices: %d interrupted sends taken back", released)
    await deliver_notices(factory, rasa)
    await asyncio.to_thread(follow_held, factory)
