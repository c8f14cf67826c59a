"""The notice outbox (反馈): the notices written with each status change of a ticket, and their delivery record.

``queue_notice`` writes one in the same transaction as the status change; the console's notice job
(``bot/console/notice_job.py``) delivers it. Status: pending → sending (claimed by one job) → sent |
held (web chat closed: shown when the citizen comes back) | undelivered (staff call back, see
``call_backs.py``) → called_back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import beijing_today, utc_now
from bot.core.db import as_utc, transaction
from bot.messaging.webchat.mailbox import MailboxMessage
from bot.tickets.co_handling import handled_by
from bot.tickets.models import Ticket, TicketEvent, TicketNotice
from bot.tickets.notice_texts import due_text
from bot.tickets.service import labels

NOTICE_ON = {"start": "accepted", "reply": "replied", "close": "closed"}  # handling action → notice kind
PUSH_CHANNELS = ("webchat", "wechat", "telegram")  # channels that can reach a citizen outside their turn
MAX_ATTEMPTS = 30  # the notice job retries every few seconds while Rasa is unreachable; then staff call
HELD_DAYS = 3  # a web chat notice nobody came back to read within this time is called back


def queue_notice(session: Session, ticket: Ticket, kind: str, now: datetime) -> None:
    """Write the notice for ``kind`` (in the caller's transaction, with the status change)."""
    session.add(
        TicketNotice(
            ticket_id=ticket.id,
            conversation_id=ticket.conversation_id,
            channel=ticket.channel,
            kind=kind,
            status="pending",
            attempts=0,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class NoticeText:
    """What the bot says for a notice: a domain response and its values."""

    response: str
    values: dict[str, Any]


def claim_next(factory: sessionmaker, *, now: datetime | None = None) -> TicketNotice | None:
    """The oldest pending notice that is not waiting for the citizen, marked "sending" by a conditional
    update (one job sends it)."""
    now = now or utc_now()
    due = or_(TicketNotice.not_before.is_(None), TicketNotice.not_before <= now)
    with transaction(factory) as session:
        for notice in session.scalars(
            select(TicketNotice).where(TicketNotice.status == "pending", due).order_by(TicketNotice.id).limit(5)
        ):
            claimed = session.execute(
                update(TicketNotice)
                .where(TicketNotice.id == notice.id, TicketNotice.status == "pending")
                .values(status="sending", attempts=TicketNotice.attempts + 1)
            )
            if claimed.rowcount == 1:
                session.flush()
                session.refresh(notice)
                session.expunge(notice)
                return notice
    return None


def postpone(factory: sessionmaker, notice_id: int, until: datetime, reason: str) -> None:
    """Put a claimed notice back until ``until``: the citizen is busy (a form, a person). Waiting is no
    failed attempt, so it never runs the notice into a call-back."""
    with transaction(factory) as session:
        session.execute(
            update(TicketNotice)
            .where(TicketNotice.id == notice_id)
            .values(status="pending", not_before=until, reason=reason[:255], attempts=TicketNotice.attempts - 1)
        )


def release_interrupted(factory: sessionmaker) -> int:
    """Notices left "sending" by a job that stopped mid-send go back to pending (called at start-up)."""
    with transaction(factory) as session:
        return session.execute(update(TicketNotice).where(TicketNotice.status == "sending").values(status="pending")).rowcount


def settle(
    factory: sessionmaker, notice_id: int, status: str, reason: str | None = None, *, mailbox_id: int | None = None
) -> None:
    """Record how a delivery attempt ended: sent, held (in the web chat mailbox ``mailbox_id``),
    undelivered, or back to pending (retry)."""
    with transaction(factory) as session:
        notice = session.get(TicketNotice, notice_id)
        if status == "pending" and notice.attempts >= MAX_ATTEMPTS:
            status = "undelivered"
        notice.status, notice.reason, notice.mailbox_id = status, (reason or "")[:255] or None, mailbox_id
        notice.not_before = None
        if status in ("sent", "held"):
            notice.sent_at = utc_now()


def follow_held(factory: sessionmaker, *, now: datetime | None = None) -> dict[str, int]:
    """Held web chat notices: "sent" once the citizen came back and saw them; after ``HELD_DAYS``
    without that, marked for a call-back."""
    now = now or utc_now()
    counts = {"sent": 0, "undelivered": 0}
    with transaction(factory) as session:
        held = (
            select(TicketNotice, MailboxMessage.shown_at)
            .outerjoin(MailboxMessage, MailboxMessage.id == TicketNotice.mailbox_id)
            .where(TicketNotice.status == "held")
        )
        for notice, shown_at in session.execute(held).all():
            if shown_at is not None:
                notice.status, notice.sent_at = "sent", shown_at
            elif as_utc(notice.sent_at) < now - timedelta(days=HELD_DAYS):
                notice.status, notice.reason = "undelivered", f"市民 {HELD_DAYS} 天内没有再打开网页"
            else:
                continue
            counts[notice.status] += 1
    return counts


def notice_being_sent(factory: sessionmaker, conversation_id: str) -> NoticeText | None:
    """For the bot's notice action: what to say for this conversation's notice being sent, if any.
    The notice asks for a rating only after closing."""
    with transaction(factory) as session:
        notice = session.scalar(
            select(TicketNotice)
            .where(TicketNotice.conversation_id == conversation_id, TicketNotice.status == "sending")
            .order_by(TicketNotice.id)
        )
        if notice is None:
            return None
        ticket = session.get(Ticket, notice.ticket_id)
        names = labels()
        values = {
            "ticket_number": ticket.number,
            "category_label": names["categories"][ticket.category],
            "department": handled_by(session, ticket),
            "reply": ticket.latest_reply or "",
        }
        if notice.kind in ("extended", "rescheduled"):
            change = session.scalar(
                select(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind.in_(("extended", "deadline_recomputed")))
                .order_by(TicketEvent.id.desc())
            )
            detail = (change.detail or {}) if change is not None else {}
            values |= {
                "due_date": due_text(ticket.deadline, beijing_today(), certain=ticket.deadline_certain),
                "reason": detail.get("reason", ""),
                "year": detail.get("year", ticket.deadline.year),
            }
        return NoticeText(f"utter_ticket_notice_{notice.kind}", values | {"kind": notice.kind})


def notices_of(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's notices for its detail page."""
    names = labels()["notices"]
    return [
        {
            "kind": n.kind,
            "kind_label": names[n.kind],
            "status": n.status,
            "reason": n.reason or "",
            "at": as_utc(n.created_at).isoformat(),
        }
        for n in session.scalars(select(TicketNotice).where(TicketNotice.ticket_id == ticket_id).order_by(TicketNotice.id))
    ]
