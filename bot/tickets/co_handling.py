"""Co-handling (主办 / 协办): one lead department (``Ticket.department``) and any number of
co-departments per ticket. Hotline staff set the co-departments (the router's runner-up departments
are suggested); each co-department sees the ticket in its list, accepts it and replies its part within
the ticket's deadline; the lead department's reply to the citizen carries the parts given so far.
Role checks and audit entries are the caller's (``bot/tickets/handling.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.db import as_utc
from bot.tickets.models import Ticket, TicketCoDepartment, TicketEvent

CO_LABELS = {"pending": "待接收", "accepted": "已接收", "replied": "已答复"}
SUGGEST_FROM = 0.25  # a runner-up department this confident is suggested as co-department


class CoHandlingError(ValueError):
    """The change cannot be made; the message says why, in Chinese."""


def co_departments(session: Session, ticket_id: int) -> list[TicketCoDepartment]:
    return list(
        session.scalars(
            select(TicketCoDepartment).where(TicketCoDepartment.ticket_id == ticket_id).order_by(TicketCoDepartment.id)
        )
    )


def co_ticket_ids(session: Session, department: str) -> set[int]:
    """The tickets ``department`` co-handles."""
    return set(session.scalars(select(TicketCoDepartment.ticket_id).where(TicketCoDepartment.department == department)))


def co_view(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    return [
        {
            "department": c.department,
            "status": c.status,
            "status_label": CO_LABELS[c.status],
            "reply": c.reply or "",
            "replied_at": as_utc(c.replied_at).isoformat() if c.replied_at else None,
        }
        for c in co_departments(session, ticket_id)
    ]


def set_co_departments(
    session: Session, ticket: Ticket, wanted: list[str], allowed: list[str], actor: str, now: datetime
) -> list[str]:
    """Make the co-departments ``wanted`` (added ones start 待接收; removed ones go unless they already
    replied); returns the ones added."""
    wanted = list(dict.fromkeys(d.strip() for d in wanted if d and d.strip()))
    unknown = [d for d in wanted if d not in allowed]
    if unknown:
        raise CoHandlingError(f"不能选择的协办部门：{'、'.join(unknown)}")
    if ticket.department in wanted:
        raise CoHandlingError("主办部门不能同时是协办部门")
    current = {c.department: c for c in co_departments(session, ticket.id)}
    kept_replies = [d for d, c in current.items() if d not in wanted and c.status == "replied"]
    if kept_replies:
        raise CoHandlingError(f"已答复的协办部门不能移除：{'、'.join(kept_replies)}")
    for department, co in current.items():
        if department not in wanted:
            session.delete(co)
    added = [d for d in wanted if d not in current]
    for department in added:
        session.add(TicketCoDepartment(ticket_id=ticket.id, department=department, status="pending", added_at=now))
    session.add(
        TicketEvent(
            ticket_id=ticket.id, kind="co_departments", actor=actor, at=now, detail={"departments": wanted, "added": added}
        )
    )
    return added


def _own(session: Session, ticket: Ticket, department: str) -> TicketCoDepartment:
    co = session.scalar(
        select(TicketCoDepartment).where(TicketCoDepartment.ticket_id == ticket.id, TicketCoDepartment.department == department)
    )
    if co is None:
        raise CoHandlingError("本部门不是这张工单的协办部门")
    return co


def accept(session: Session, ticket: Ticket, department: str, actor: str, now: datetime) -> None:
    co = _own(session, ticket, department)
    if co.status != "pending":
        raise CoHandlingError("已接收")
    co.status, co.accepted_at = "accepted", now
    session.add(TicketEvent(ticket_id=ticket.id, kind="co_accept", actor=actor, at=now, detail={"department": department}))


def reply_part(session: Session, ticket: Ticket, department: str, text: str, actor: str, now: datetime) -> None:
    if ticket.status in ("replied", "closed"):
        raise CoHandlingError("主办部门已答复，协办意见请通过备注补充")
    if not text.strip():
        raise CoHandlingError("请填写协办答复内容")
    co = _own(session, ticket, department)
    co.status, co.reply, co.replied_at = "replied", text.strip()[:4000], now
    co.accepted_at = co.accepted_at or now
    session.add(
        TicketEvent(
            ticket_id=ticket.id, kind="co_reply", actor=actor, at=now, detail={"department": department, "reply": co.reply}
        )
    )


def reply_with_parts(session: Session, ticket: Ticket, lead_text: str) -> str:
    """The lead department's reply to the citizen with the co-departments' parts given so far."""
    parts = [c for c in co_departments(session, ticket.id) if c.status == "replied"]
    if not parts:
        return lead_text
    return lead_text + "\n\n协办单位答复：\n" + "\n".join(f"{c.department}：{c.reply}" for c in parts)


def handled_by(session: Session, ticket: Ticket) -> str:
    """Who handles the ticket, as the citizen's notices say it."""
    lead = ticket.department or "热线"
    co = [c.department for c in co_departments(session, ticket.id)]
    return f"{lead}（主办）会同{'、'.join(co)}（协办）" if co else lead


def suggested_co(candidates: list[dict], lead: str | None) -> list[str]:
    """Runner-up departments of the router confident enough to co-handle (shown to staff, never set alone)."""
    return [c["department"] for c in candidates[1:] if c["confidence"] >= SUGGEST_FROM and c["department"] != lead]
