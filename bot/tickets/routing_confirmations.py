"""What staff taught the router: the department they chose when assigning or reassigning a ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.privacy import mask_personal_data
from bot.staff.accounts import StaffMember
from bot.tickets.models import RoutingConfirmation, Ticket
from bot.tickets.routing import routing_text


def confirm_route(session: Session, ticket: Ticket, department: str, member: StaffMember, now: datetime) -> None:
    """Remember ``department`` as the right one for the ticket's text (the latest choice counts)."""
    text = mask_personal_data(routing_text(ticket.fields or {}))[:4000]
    if not text:
        return
    row = session.scalar(select(RoutingConfirmation).where(RoutingConfirmation.ticket_id == ticket.id))
    if row is None:
        row = RoutingConfirmation(ticket_id=ticket.id)
        session.add(row)
    row.text, row.department, row.previous_department = text, department, ticket.department
    row.confirmed_by, row.confirmed_at = f"staff:{member.staff_no}", now


def confirmed_pairs(factory: sessionmaker) -> list[tuple[str, str]]:
    """Every (text, department) staff confirmed, oldest first."""
    with factory() as session:
        rows = session.execute(
            select(RoutingConfirmation.text, RoutingConfirmation.department).order_by(RoutingConfirmation.id)
        ).all()
    return [(text, department) for text, department in rows]
