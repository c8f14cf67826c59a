"""Call-backs (回访 by phone): notices that did not reach the citizen, the number to call (audited), and
what the call achieved."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import as_utc, transaction
from bot.core.privacy import mask_personal_data, mask_phone
from bot.staff.accounts import StaffMember
from bot.staff.audit import audit
from bot.staff.roles import HOTLINE, REVEAL_ROLES
from bot.tickets.models import Ticket, TicketContact, TicketEvent, TicketNotice
from bot.tickets.service import labels

CALL_BACK_ROLES = HOTLINE


def call_backs(factory: sessionmaker, member: StaffMember) -> list[dict[str, Any]]:
    """Tickets with notices that did not reach the citizen and nobody has called about yet, oldest
    first: one row per ticket, naming its latest undelivered notice (one call covers them all), with the
    phone masked (``call_back_phone`` shows it, audited). A reporter's (举报) phone is for the roles that
    may reveal identities only."""
    with factory() as session:
        rows = session.execute(
            select(TicketNotice, Ticket.number, Ticket.category, TicketContact)
            .join(Ticket, Ticket.id == TicketNotice.ticket_id)
            .outerjoin(TicketContact, TicketContact.ticket_id == Ticket.id)
            .where(TicketNotice.status == "undelivered")
            .order_by(TicketNotice.id)
        ).all()
        latest = {notice.ticket_id: (notice, number, category, contact) for notice, number, category, contact in rows}
        return [_call_back_row(*row, member) for row in sorted(latest.values(), key=lambda row: row[0].id)]


def _call_back_row(
    notice: TicketNotice, number: str, category: str, contact: TicketContact | None, member: StaffMember
) -> dict[str, Any]:
    protected = category == "report" and member.role not in REVEAL_ROLES
    phone = contact.phone if contact is not None and not protected else None
    return {
        "id": notice.id,
        "number": number,
        "kind": notice.kind,
        "kind_label": labels()["notices"][notice.kind],
        "channel": notice.channel,
        "channel_label": labels()["channels"].get(notice.channel, notice.channel),
        "reason": notice.reason or "",
        "at": as_utc(notice.created_at).isoformat(),
        "phone": mask_phone(phone) if phone else "",
        "anonymous": contact is None or contact.anonymous,
        "protected": protected,
    }


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
        audit(session, member.actor, "ticket.reveal_contact", target_type="ticket", target_id=ticket.number, purpose="call_back")
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
        for missed in session.scalars(
            select(TicketNotice).where(TicketNotice.ticket_id == notice.ticket_id, TicketNotice.status == "undelivered")
        ):
            missed.status, missed.called_back_at, missed.called_back_by = "called_back", utc_now(), member.staff_no
        text = mask_personal_data(outcome.strip())[:500] or "已电话告知"
        session.add(
            TicketEvent(
                ticket_id=notice.ticket_id,
                kind="called_back",
                actor=f"staff:{member.staff_no}",
                detail={"notice": notice.kind, "outcome": text},
                at=utc_now(),
            )
        )
        audit(session, member.actor, "ticket.call_back", target_type="ticket_notice", target_id=str(notice_id))
