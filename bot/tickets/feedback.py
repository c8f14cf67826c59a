"""Feedback to the citizen (反馈) and from them (回访): the notices written with each status change,
their delivery record and call-backs, the citizen's "还是没解决", and the satisfaction rating.

Notices are an outbox: ``queue_notice`` writes one in the same transaction as the status change; the
console's notice job (``bot/console/notifier.py``) delivers it. Status: pending → sending (claimed by
one job) → sent | held (web chat closed: shown when the citizen comes back) | undelivered (staff call
back) → called_back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import BEIJING
from bot.conversation_ids import stored_forms
from bot.db import as_utc, transaction
from bot.privacy import REVEAL_ROLES, mask_personal_data, mask_phone
from bot.staff.accounts import StaffMember
from bot.staff.audit import audit
from bot.staff.roles import HOTLINE
from bot.tickets.co_handling import handled_by
from bot.tickets.models import RATINGS, Ticket, TicketContact, TicketEvent, TicketNotice, TicketRating
from bot.tickets.notice import due_text
from bot.tickets.service import labels
from bot.webchat_mailbox import MailboxMessage

NOTICE_ON = {"start": "accepted", "reply": "replied", "close": "closed"}  # handling action → notice kind
PUSH_CHANNELS = ("webchat", "wechat", "telegram")  # channels that can reach a citizen outside their turn
CALL_BACK_ROLES = HOTLINE
MAX_ATTEMPTS = 30  # the notice job retries every few seconds while Rasa is unreachable; then staff call
HELD_DAYS = 3  # a web chat notice nobody came back to read within this time is called back


def _now() -> datetime:
    return datetime.now(timezone.utc)


def queue_notice(session: Session, ticket: Ticket, kind: str, now: datetime) -> None:
    """Write the notice for ``kind`` (in the caller's transaction, with the status change)."""
    session.add(TicketNotice(ticket_id=ticket.id, conversation_id=ticket.conversation_id, channel=ticket.channel,
                             kind=kind, status="pending", attempts=0, created_at=now))


@dataclass(frozen=True)
class NoticeText:
    """What the bot says for a notice: a domain response and its values."""

    response: str
    values: dict[str, Any]


def claim_next(factory: sessionmaker, *, now: datetime | None = None) -> TicketNotice | None:
    """The oldest pending notice that is not waiting for the citizen, marked "sending" by a conditional
    update (one job sends it)."""
    now = now or _now()
    due = or_(TicketNotice.not_before.is_(None), TicketNotice.not_before <= now)
    with transaction(factory) as session:
        for notice in session.scalars(select(TicketNotice).where(TicketNotice.status == "pending", due)
                                      .order_by(TicketNotice.id).limit(5)):
            claimed = session.execute(update(TicketNotice).where(TicketNotice.id == notice.id, TicketNotice.status == "pending")
                                      .values(status="sending", attempts=TicketNotice.attempts + 1))
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
        session.execute(update(TicketNotice).where(TicketNotice.id == notice_id).values(
            status="pending", not_before=until, reason=reason[:255], attempts=TicketNotice.attempts - 1))


def release_interrupted(factory: sessionmaker) -> int:
    """Notices left "sending" by a job that stopped mid-send go back to pending (called at start-up)."""
    with transaction(factory) as session:
        return session.execute(update(TicketNotice).where(TicketNotice.status == "sending").values(status="pending")).rowcount


def settle(factory: sessionmaker, notice_id: int, status: str, reason: str | None = None, *,
           mailbox_id: int | None = None) -> None:
    """Record how a delivery attempt ended: sent, held (in the web chat mailbox ``mailbox_id``),
    undelivered, or back to pending (retry)."""
    with transaction(factory) as session:
        notice = session.get(TicketNotice, notice_id)
        if status == "pending" and notice.attempts >= MAX_ATTEMPTS:
            status = "undelivered"
        notice.status, notice.reason, notice.mailbox_id = status, (reason or "")[:255] or None, mailbox_id
        notice.not_before = None
        if status in ("sent", "held"):
            notice.sent_at = _now()


def follow_held(factory: sessionmaker, *, now: datetime | None = None) -> dict[str, int]:
    """Held web chat notices: "sent" once the citizen came back and saw them; after ``HELD_DAYS``
    without that, marked for a call-back."""
    now = now or _now()
    counts = {"sent": 0, "undelivered": 0}
    with transaction(factory) as session:
        held = (select(TicketNotice, MailboxMessage.shown_at)
                .outerjoin(MailboxMessage, MailboxMessage.id == TicketNotice.mailbox_id).where(TicketNotice.status == "held"))
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
        notice = session.scalar(select(TicketNotice).where(TicketNotice.conversation_id == conversation_id,
                                                           TicketNotice.status == "sending").order_by(TicketNotice.id))
        if notice is None:
            return None
        ticket = session.get(Ticket, notice.ticket_id)
        names = labels()
        values = {"ticket_number": ticket.number, "category_label": names["categories"][ticket.category],
                  "department": handled_by(session, ticket), "reply": ticket.latest_reply or ""}
        if notice.kind in ("extended", "rescheduled"):
            change = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                              TicketEvent.kind.in_(("extended", "deadline_recomputed")))
                                    .order_by(TicketEvent.id.desc()))
            detail = (change.detail or {}) if change is not None else {}
            values |= {"due_date": due_text(ticket.deadline, _now().astimezone(BEIJING).date(), certain=ticket.deadline_certain),
                       "reason": detail.get("reason", ""), "year": detail.get("year", ticket.deadline.year)}
        return NoticeText(f"utter_ticket_notice_{notice.kind}", values | {"kind": notice.kind})


def call_backs(factory: sessionmaker, member: StaffMember) -> list[dict[str, Any]]:
    """Tickets with notices that did not reach the citizen and nobody has called about yet, oldest
    first: one row per ticket, naming its latest undelivered notice (one call covers them all), with the
    phone masked (``call_back_phone`` shows it, audited). A reporter's (举报) phone is for the roles that
    may reveal identities only."""
    with factory() as session:
        rows = session.execute(select(TicketNotice, Ticket.number, Ticket.category, TicketContact)
                               .join(Ticket, Ticket.id == TicketNotice.ticket_id)
                               .outerjoin(TicketContact, TicketContact.ticket_id == Ticket.id)
                               .where(TicketNotice.status == "undelivered").order_by(TicketNotice.id)).all()
        latest = {notice.ticket_id: (notice, number, category, contact) for notice, number, category, contact in rows}
        return [_call_back_row(*row, member) for row in sorted(latest.values(), key=lambda row: row[0].id)]


def _call_back_row(notice: TicketNotice, number: str, category: str, contact: TicketContact | None,
                   member: StaffMember) -> dict[str, Any]:
    protected = category == "report" and member.role not in REVEAL_ROLES
    phone = contact.phone if contact is not None and not protected else None
    return {"id": notice.id, "number": number, "kind": notice.kind, "kind_label": labels()["notices"][notice.kind],
            "channel": notice.channel, "channel_label": labels()["channels"].get(notice.channel, notice.channel),
            "reason": notice.reason or "", "at": as_utc(notice.created_at).isoformat(),
            "phone": mask_phone(phone) if phone else "", "anonymous": contact is None or contact.anonymous,
            "protected": protected}


def call_back_phone(factory: sessionmaker, member: StaffMember, notice_id: int) -> str:
    """The phone number to call about an undelivered notice (audited); anonymous reporters have none."""
    if member.role not in CALL_BACK_ROLES:
        raise PermissionError
    with transaction(factory) as session:
        notice = session.get(TicketNotice, notice_id)
        contact = session.get(TicketContact, notice.ticket_id) if notice is not None else None
        if notice is None or notice.status != "undelivered" or contact is None or contact.anonymous or not contact.phone:
            raise LookupError(notice_id)
        ticket = session.get(Ticket, notice.ticket_id)
        if ticket.category == "report" and member.role not in REVEAL_ROLES:
            raise PermissionError("举报人信息只有督办人员可以查看")
        audit(session, member.actor, "ticket.reveal_contact", target_type="ticket", target_id=ticket.number,
              purpose="call_back")
        return contact.phone


def called_back(factory: sessionmaker, member: StaffMember, notice_id: int, outcome: str) -> None:
    """Staff called the citizen about a ticket's undelivered notices (all of them: one call tells the
    latest state); the outcome becomes a ticket event."""
    if member.role not in CALL_BACK_ROLES:
        raise PermissionError
    with transaction(factory) as session:
        notice = session.get(TicketNotice, notice_id)
        if notice is None or notice.status != "undelivered":
            raise LookupError(notice_id)
        for missed in session.scalars(select(TicketNotice).where(TicketNotice.ticket_id == notice.ticket_id,
                                                                 TicketNotice.status == "undelivered")):
            missed.status, missed.called_back_at, missed.called_back_by = "called_back", _now(), member.staff_no
        text = mask_personal_data(outcome.strip())[:500] or "已电话告知"
        session.add(TicketEvent(ticket_id=notice.ticket_id, kind="called_back", actor=f"staff:{member.staff_no}",
                                detail={"notice": notice.kind, "outcome": text}, at=_now()))
        audit(session, member.actor, "ticket.call_back", target_type="ticket_notice", target_id=str(notice_id))


def notices_of(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    """A ticket's notices for its detail page."""
    names = labels()["notices"]
    return [{"kind": n.kind, "kind_label": names[n.kind], "status": n.status, "reason": n.reason or "",
             "at": as_utc(n.created_at).isoformat()}
            for n in session.scalars(select(TicketNotice).where(TicketNotice.ticket_id == ticket_id).order_by(TicketNotice.id))]


def ratings_of(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    names = labels()["ratings"]
    return [{"round": r.round, "rating": r.rating, "rating_label": names[r.rating], "comment": r.comment or "",
             "at": as_utc(r.rated_at).isoformat()}
            for r in session.scalars(select(TicketRating).where(TicketRating.ticket_id == ticket_id).order_by(TicketRating.id))]


# --- the citizen's side -------------------------------------------------------------------------

class FeedbackRefused(ValueError):
    """The citizen's answer cannot be taken; the value is the domain response that says why."""


def _citizens_ticket(session: Session, number: str, conversation_id: str) -> Ticket:
    """The ticket ``number`` only if it came from this conversation (nobody answers for another)."""
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or ticket.conversation_id not in stored_forms(ticket.channel, conversation_id):
        raise FeedbackRefused("utter_ticket_feedback_unknown")
    return ticket


def attach_followup(factory: sessionmaker, number: str, conversation_id: str, text: str) -> None:
    """The citizen answered a notice ("还是没解决"): the words go on the ticket and flag it for staff."""
    with transaction(factory) as session:
        ticket = _citizens_ticket(session, number, conversation_id)
        ticket.attention = "citizen_followup"
        session.add(TicketEvent(ticket_id=ticket.id, kind="citizen_followup", actor="citizen",
                                detail={"text": mask_personal_data(text)[:1000]}, at=_now()))


def rate(factory: sessionmaker, number: str, conversation_id: str, rating: str, channel: str) -> int:
    """Record the rating of the latest closing; 不满意 reopens the ticket for review (待复核).
    Returns the round rated. Refused when the ticket is not closed or this closing was rated."""
    if rating not in RATINGS:
        raise FeedbackRefused("utter_ticket_rating_unknown")
    try:
        with transaction(factory) as session:
            ticket = _citizens_ticket(session, number, conversation_id)
            if ticket.status != "closed":
                raise FeedbackRefused("utter_ticket_rating_not_closed")
            closings = session.scalar(select(func.count()).select_from(TicketEvent)
                                      .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "close"))
            session.add(TicketRating(ticket_id=ticket.id, round=closings, rating=rating, channel=channel[:32], rated_at=_now()))
            session.flush()  # a second rating of this closing fails here
            session.add(TicketEvent(ticket_id=ticket.id, kind="rated", actor="citizen", at=_now(),
                                    detail={"rating": rating, "round": closings}))
            if rating == "dissatisfied":
                ticket.status, ticket.attention = "review", "dissatisfied"
                session.add(TicketEvent(ticket_id=ticket.id, kind="reopened", actor="citizen", at=_now(),
                                        detail={"from": "closed", "to": "review", "reason": "dissatisfied"}))
            return closings
    except IntegrityError:
        raise FeedbackRefused("utter_ticket_rating_done") from None


def add_rating_comment(factory: sessionmaker, number: str, conversation_id: str, round_: int, comment: str) -> None:
    """The optional comment after a rating, on the rating and in the ticket's history."""
    with transaction(factory) as session:
        ticket = _citizens_ticket(session, number, conversation_id)
        rating = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id, TicketRating.round == round_))
        if rating is None:
            raise FeedbackRefused("utter_ticket_feedback_unknown")
        rating.comment = mask_personal_data(comment)[:1000]
        session.add(TicketEvent(ticket_id=ticket.id, kind="rating_comment", actor="citizen", at=_now(),
                                detail={"rating": rating.rating, "text": rating.comment}))

