"""Staff's side of same-source groups (同源诉求): what a group holds, confirming the bot's link,
taking a ticket out, merging groups, and the tickets one reply answers together.

The bot makes a group when it links a new ticket (``bot/tickets/same_source.py``). Each change here is
a ticket event on the tickets it touches; role checks and audit entries are the caller's
(``bot/tickets/handling.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.db import as_utc
from bot.tickets.models import Ticket, TicketEvent, TicketGroup
from bot.tickets.same_source import group_of
from bot.tickets.service import labels

REPLY_TOGETHER_FROM = ("assigned", "in_progress")  # members a whole-group reply answers


class GroupError(ValueError):
    """A group change that cannot be made; the message says why, in Chinese."""


def members(session: Session, group_id: int) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.group_id == group_id).order_by(Ticket.id)))


def group_summary(session: Session, ticket: Ticket, visible: Callable[[Ticket], bool]) -> dict[str, Any] | None:
    """The group of ``ticket`` as staff see it (other departments' tickets counted, not listed)."""
    if ticket.group_id is None:
        return None
    group = session.get(TicketGroup, ticket.group_id)
    names = labels()
    tickets = members(session, ticket.group_id)
    return {
        "id": group.id,
        "place": group.place or "",
        "size": len(tickets),
        "citizens": len({t.conversation_id for t in tickets}),
        "confirmed": group.confirmed_at is not None,
        "confirmed_by": group.confirmed_by or "",
        "tickets": [
            {
                "number": t.number,
                "category_label": names["categories"][t.category],
                "status_label": names["statuses"][t.status],
                "department": t.department or "",
                "accepted_at": as_utc(t.accepted_at).isoformat(),
                "this": t.id == ticket.id,
            }
            for t in tickets
            if visible(t)
        ],
    }


def _event(session: Session, tickets: list[Ticket], kind: str, actor: str, now: datetime, **detail: Any) -> None:
    for member in tickets:
        session.add(TicketEvent(ticket_id=member.id, kind=kind, detail=detail, actor=actor, at=now))


def confirm(session: Session, ticket: Ticket, actor: str, now: datetime) -> None:
    if ticket.group_id is None:
        raise GroupError("这张工单不在同源诉求组中")
    group = session.get(TicketGroup, ticket.group_id)
    group.confirmed_at, group.confirmed_by = now, actor
    _event(session, members(session, group.id), "group_confirmed", actor, now, group=group.id)


def split(session: Session, ticket: Ticket, actor: str, now: datetime) -> None:
    """Take ``ticket`` out of its group (not the same matter after all); a group left with one ticket ends."""
    if ticket.group_id is None:
        raise GroupError("这张工单不在同源诉求组中")
    group_id = ticket.group_id
    ticket.group_id = None
    _event(session, [ticket], "group_split", actor, now, group=group_id)
    rest = [t for t in members(session, group_id) if t.id != ticket.id]
    if len(rest) == 1:
        rest[0].group_id = None
        _event(session, rest, "group_split", actor, now, group=group_id, reason="组内只剩一件")


def merge(session: Session, ticket: Ticket, target: Ticket, actor: str, now: datetime) -> int:
    """Put ``ticket`` (with its whole group) into ``target``'s group; returns the group's id."""
    if target.id == ticket.id or (ticket.group_id is not None and ticket.group_id == target.group_id):
        raise GroupError("两张工单已在同一组")
    group_id = group_of(session, target, now)
    moving = members(session, ticket.group_id) if ticket.group_id is not None else [ticket]
    for member in moving:
        member.group_id = group_id
    _event(session, moving, "group_merged", actor, now, group=group_id, into=target.number)
    return group_id


def answered_together(session: Session, ticket: Ticket, visible: Callable[[Ticket], bool]) -> list[Ticket]:
    """The other tickets of ``ticket``'s group that a reply to it answers too: not yet answered, and
    visible to whoever replies."""
    if ticket.group_id is None:
        return []
    return [t for t in members(session, ticket.group_id) if t.id != ticket.id and t.status in REPLY_TOGETHER_FROM and visible(t)]
