"""The notice job: delivers ticket notices (the outbox in ``ticket_notices``) to the citizen's channel
through the bot, and records what became of each.

A notice is claimed by a conditional update, so two console processes never send one twice. What a
channel could not deliver shows up during the send in ``undelivered_messages`` (WeChat, Telegram) or
the web chat mailbox (no page open: shown when the citizen comes back, called back if they have not
come back within ``HELD_DAYS``); channels that cannot push (the REST API) are marked for a call-back at
once. While Rasa is unreachable the notice waits and is tried again; after ``MAX_ATTEMPTS`` it is
marked for a call-back too.

A notice never cuts into a form the citizen is filling in or a talk with a person: it waits
(``not_before``, tried again every ``WAIT_SECONDS``) until that ends. A form left untouched for
``FORM_IDLE_SECONDS`` (or a hand-over for ``PAUSE_IDLE_SECONDS``) counts as ended, so nothing waits forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.console.rasa_api import ConversationState, RasaApi, RasaUnavailable
from bot.core.clock import utc_now
from bot.messaging.undelivered import UndeliveredMessage
from bot.messaging.webchat.mailbox import MailboxMessage
from bot.tickets.models import TicketNotice
from bot.tickets.notice_outbox import PUSH_CHANNELS, claim_next, follow_held, postpone, release_interrupted, settle

logger = logging.getLogger(__name__)

NOTICE_ACTION = "action_ticket_notice"
ROUND_BUDGET_SECONDS = 60.0
WAIT_SECONDS = 15  # how often a notice that waits for the citizen is tried again
FORM_IDLE_SECONDS = 15 * 60  # a form untouched this long was left: the notice goes out
PAUSE_IDLE_SECONDS = 60 * 60  # the same for a hand-over nobody wrote in (the queue times out before)


def busy_with(state: ConversationState, now: float) -> str | None:
    """Why a notice should wait for this conversation now (shown to staff), or None."""
    idle = now - state.latest_event_time
    if state.paused and idle < PAUSE_IDLE_SECONDS:
        return "市民正在与人工客服交谈，结束后发送"
    if state.form and idle < FORM_IDLE_SECONDS:
        return "市民正在填写表单，填完后发送"
    return None


def _latest_ids(factory: sessionmaker, conversation_id: str) -> tuple[int, int]:
    with factory() as session:
        undelivered = session.scalar(
            select(func.max(UndeliveredMessage.id)).where(UndeliveredMessage.conversation_id == conversation_id)
        )
        held = session.scalar(select(func.max(MailboxMessage.id)).where(MailboxMessage.conversation_id == conversation_id))
        return undelivered or 0, held or 0


def _outcome(factory: sessionmaker, conversation_id: str, before: tuple[int, int]) -> tuple[str, str | None, int | None]:
    """What the channel did with the notice: (status, reason, the mailbox message when held)."""
    with factory() as session:
        problem = session.scalar(
            select(UndeliveredMessage.reason)
            .where(UndeliveredMessage.conversation_id == conversation_id, UndeliveredMessage.id > before[0])
            .limit(1)
        )
        held = session.scalar(
            select(func.max(MailboxMessage.id)).where(
                MailboxMessage.conversation_id == conversation_id, MailboxMessage.id > before[1]
            )
        )
    if problem:
        return "undelivered", problem, None
    return ("held", None, held) if held else ("sent", None, None)


async def deliver(factory: sessionmaker, rasa: RasaApi, notice: TicketNotice) -> str:
    """Send one claimed notice; returns the status it ends in."""
    held: int | None = None
    reason: str | None
    if notice.channel not in PUSH_CHANNELS:
        status, reason = "undelivered", f"渠道 {notice.channel} 不能主动通知"
    else:
        before = await asyncio.to_thread(_latest_ids, factory, notice.conversation_id)
        try:
            busy = busy_with(await rasa.conversation_state(notice.conversation_id), time.time())
            if busy:
                until = utc_now() + timedelta(seconds=WAIT_SECONDS)
                await asyncio.to_thread(postpone, factory, notice.id, until, busy)
                logger.info("ticket notice %s (%s) waits: the citizen is busy", notice.id, notice.kind)
                return "waiting"
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
    """Deliver every pending notice once (stopping when Rasa is unreachable, or when the round's time is
    up: the job's lease must not run out mid-round; a notice waiting for its citizen is skipped);
    returns how many were handled."""
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
