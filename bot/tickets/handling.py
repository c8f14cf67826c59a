"""Handling tickets after intake (受理 → 分类 → 处理 → 反馈): the status flow, who may do what, the
deadline marks, and what each role may see of the citizen.

Status flow: unassigned 待分派 → assigned 已派单 (a department) → in_progress 处理中 → replied 已答复
→ closed 已办结; reassignment from assigned or in_progress. Every change is a ticket event and an
audit entry, in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.cases import field_label
from bot.conversation.validation import normalize_phone
from bot.core.clock import beijing_today, utc_now
from bot.core.db import as_utc, transaction
from bot.core.privacy import mask_name, mask_personal_data, mask_phone
from bot.handoff.transcript import transcript
from bot.staff.accounts import StaffMember
from bot.staff.audit import audit
from bot.staff.models import StaffUser
from bot.staff.roles import HANDLING, HOTLINE, REVEAL_ROLES, SUPERVISION
from bot.tickets.citizen_feedback import ratings_of
from bot.tickets.co_handling import (
    CoHandlingError,
    accept,
    co_departments,
    co_ticket_ids,
    co_view,
    reply_part,
    reply_with_parts,
    set_co_departments,
)
from bot.tickets.departments import department_names
from bot.tickets.groups import GroupError, answered_together, confirm, group_summary, merge, split
from bot.tickets.models import Ticket, TicketContact, TicketEvent
from bot.tickets.notice_outbox import NOTICE_ON, notices_of, queue_notice
from bot.tickets.routing import Router
from bot.tickets.routing_confirmations import confirm_route
from bot.tickets.service import labels
from bot.tickets.workdays import WorkingCalendar

NEXT = {  # action → (allowed from, new status, roles); "review" is a closing the citizen was unhappy with
    "assign": (("unassigned", "assigned", "in_progress", "review"), "assigned", HOTLINE),
    "start": (("assigned",), "in_progress", HANDLING),
    "reply": (("in_progress",), "replied", HANDLING),
    "close": (("replied", "review"), "closed", HOTLINE),  # from review: the answer stands
}


class HandlingError(ValueError):
    """The action is not allowed now (wrong status or role); the message says why, in Chinese."""


@dataclass(frozen=True)
class TicketFilter:
    status: str = ""
    category: str = ""
    department: str = ""
    channel: str = ""
    due_within: int | None = None  # working days
    overdue: bool = False
    attention: bool = False  # the citizen answered a notice or was dissatisfied
    search: str = ""  # a ticket number (or its start), or the citizen's phone number (hotline staff only)


def available_actions(
    member: StaffMember, status: str, ticket: Ticket | None = None, co: Sequence[dict[str, Any]] = ()
) -> list[str]:
    """What ``member`` can do to a ticket in ``status`` now (the page shows only these buttons). A
    co-handling department (协办) accepts and answers its part; the status flow is the lead's."""
    own_co = next((c for c in co if member.role == "department" and c["department"] == member.department), None)
    leads = ticket is None or member.role != "department" or ticket.department == member.department
    moves = [action for action, (since, _, roles) in NEXT.items() if leads and status in since and member.role in roles]
    co_moves = []
    if own_co is not None and status not in ("replied", "closed"):
        co_moves = ["co_accept", "co_reply"] if own_co["status"] == "pending" else ["co_reply"]
    co_set = ["co"] if member.role in HOTLINE and status != "closed" else []
    return [*moves, *co_moves, *co_set, "note", *(["extend"] if member.role in SUPERVISION and status != "closed" else [])]


ACTORS = {"citizen": "市民", "system": "系统", "setup": "系统"}


def _actor_labels(session: Session, actors: set[str]) -> dict[str, str]:
    """Who did it, as staff say it: 工号 and name for staff ("staff:1001" → "工号 1001 王晓"), 市民, 系统."""
    numbers = {a.split(":", 1)[1] for a in actors if a.startswith("staff:")}
    names = (
        dict(session.execute(select(StaffUser.staff_no, StaffUser.display_name).where(StaffUser.staff_no.in_(numbers))).all())
        if numbers
        else {}
    )
    labels_ = {a: ACTORS.get(a, a) for a in actors}
    for number in numbers:
        labels_[f"staff:{number}"] = f"工号 {number} {names.get(number, '')}".strip()
    return labels_


def _summary(ticket: Ticket, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What the ticket list and the ticket page both show of a ticket."""
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": names["statuses"][ticket.status],
        "department": ticket.department or "",
        "channel": ticket.channel,
        "channel_label": names["channels"].get(ticket.channel, ticket.channel),
        "accepted_at": as_utc(ticket.accepted_at).isoformat(),
        "deadline": ticket.deadline.isoformat(),
        "deadline_certain": ticket.deadline_certain,
        "deadline_state": ticket.deadline_state,
        "is_major": ticket.is_major,
        "attention": ticket.attention,
        "attention_label": names["attention"].get(ticket.attention or "", ""),
    }


def _visible(member: StaffMember, ticket: Ticket, co_ids: AbstractSet[int] = frozenset()) -> bool:
    """Hotline staff see every ticket; a department the ones it leads, and (``co_ids``) co-handles."""
    return member.role in HOTLINE or (
        member.role == "department" and (ticket.department == member.department or ticket.id in co_ids)
    )


def _co_ids(session: Session, member: StaffMember) -> set[int]:
    return co_ticket_ids(session, member.department) if member.role == "department" and member.department else set()


@dataclass
class TicketHandling:
    factory: sessionmaker
    calendar: WorkingCalendar
    router: Router = field(default_factory=Router.load)

    def departments(self) -> list[str]:
        """The departments tickets may be assigned to now (admins add and deactivate them)."""
        return department_names(self.factory, self.router)

    def listing(self, member: StaffMember, wanted: TicketFilter, *, today: date | None = None) -> list[dict[str, Any]]:
        """The tickets ``member`` may see that match ``wanted``, earliest deadline first."""
        today = today or beijing_today()
        limit_day = self.calendar.add_working_days(today, wanted.due_within)[0] if wanted.due_within else None
        query = select(Ticket).order_by(Ticket.deadline, Ticket.id)
        if wanted.search.strip():
            query = query.where(self._searched(member, wanted.search))
        if wanted.attention:
            query = query.where(Ticket.attention.is_not(None))
        for column, value in (
            (Ticket.status, wanted.status),
            (Ticket.category, wanted.category),
            (Ticket.department, wanted.department),
            (Ticket.channel, wanted.channel),
        ):
            if value:
                query = query.where(column == value)
        names = labels()
        rows = []
        with self.factory() as session:
            co_ids = _co_ids(session, member)
            for ticket in session.scalars(query.limit(2000)):
                if not _visible(member, ticket, co_ids):
                    continue
                if wanted.overdue and not (ticket.status != "closed" and ticket.deadline < today):
                    continue
                if limit_day and not (ticket.status != "closed" and ticket.deadline <= limit_day):
                    continue
                rows.append(
                    {**_summary(ticket, names), "category": names["categories"][ticket.category], "group_id": ticket.group_id}
                )
        return rows

    @staticmethod
    def _searched(member: StaffMember, search: str):
        """Tickets whose number starts with ``search``, or, for the hotline's own staff (a citizen on the
        phone gives their number), whose contact has that phone."""
        typed = re.sub(r"[\s\-_]", "", search).upper()
        by_number = Ticket.number.like(typed[:32].replace("%", "").replace("_", "") + "%")
        phone = normalize_phone(search)
        if phone and member.role in HOTLINE:
            return or_(by_number, Ticket.id.in_(select(TicketContact.ticket_id).where(TicketContact.phone == phone)))
        return by_number

    def detail(self, member: StaffMember, number: str, *, reveal: bool = False) -> dict[str, Any]:
        """Everything about one ticket; the citizen's identity masked unless revealed (audited)."""
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            contact = session.get(TicketContact, ticket.id)
            if reveal and member.role not in REVEAL_ROLES:
                raise HandlingError("您的角色无权查看市民身份信息")
            if reveal:
                audit(
                    session,
                    member.actor,
                    "ticket.reveal_contact",
                    target_type="ticket",
                    target_id=number,
                    category=ticket.category,
                )
            events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)).all()
            actor_labels = _actor_labels(session, {e.actor for e in events})
            names = labels()
            contact_names = (contact.name,) if contact is not None and contact.name else ()
            acting_department = member.role == "department"  # acts on the matter; the citizen stays the hotline's
            co = co_view(session, ticket.id)
            return {
                **_summary(ticket, names),
                "category": ticket.category,
                "category_label": names["categories"][ticket.category],
                "fields": (
                    ticket.fields
                    if reveal and not acting_department
                    else {k: mask_personal_data(str(v), names=contact_names) for k, v in ticket.fields.items()}
                ),
                "field_labels": {name: field_label(name) for name in ticket.fields},
                "working_days": ticket.working_days,
                "major_reason": ticket.major_reason,
                "latest_reply": ticket.latest_reply,
                "contact": _WITHHELD if acting_department and ticket.category == "report" else _contact(contact, revealed=reveal),
                # Departments never read the conversation: names, phones and the reporter's own words are in it.
                "transcript": []
                if acting_department
                else [
                    line.as_json()
                    for line in transcript(self.factory, ticket.conversation_id, masked=True, names=contact_names)[-100:]
                ],
                "notices": notices_of(session, ticket.id),
                "ratings": ratings_of(session, ticket.id),
                "events": [
                    {
                        "kind": e.kind,
                        "detail": e.detail,
                        "actor": e.actor,
                        "actor_label": actor_labels.get(e.actor, e.actor),
                        "at": as_utc(e.at).isoformat(),
                    }
                    for e in events
                ],
                "group": group_summary(session, ticket, lambda t: _visible(member, t)),
                "co_departments": co,
                "lead": member.role != "department" or ticket.department == member.department,
                "can_reveal": member.role in REVEAL_ROLES,
                "actions": available_actions(member, ticket.status, ticket, co),
            }

    def act(
        self,
        member: StaffMember,
        number: str,
        action: str,
        *,
        department: str = "",
        text: str = "",
        whole_group: bool = False,
        now: datetime | None = None,
    ) -> str:
        """Move the ticket along the status flow; returns the new status. ``whole_group`` with a reply:
        the same reply answers every not yet answered ticket of its same-source group (each citizen is told)."""
        if action not in NEXT:
            raise HandlingError("未知操作")
        allowed_from, status, roles = NEXT[action]
        now = now or utc_now()
        assignable = self.departments() if action == "assign" else []  # read before the write transaction
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            if member.role not in roles:
                raise HandlingError("您的角色不能执行此操作")
            if member.role == "department" and ticket.department != member.department:
                raise HandlingError("本部门是协办部门：请接收并答复本部门负责的部分，由主办部门统一答复市民")
            if ticket.status not in allowed_from:
                raise HandlingError(f"当前状态（{labels()['statuses'][ticket.status]}）不能执行此操作")
            detail: dict[str, Any] = {"from": ticket.status, "to": status}
            if action == "assign":
                if department.strip() not in assignable:
                    raise HandlingError("请选择承办部门（已停用的部门不能派单）")
                confirm_route(session, ticket, department.strip(), member, now)
                detail["department"] = ticket.department = department.strip()
            if action == "reply":
                if not text.strip():
                    raise HandlingError("请填写答复内容")
                detail["reply"] = text.strip()[:4000]
                ticket.latest_reply = reply_with_parts(session, ticket, detail["reply"])
                if whole_group:
                    detail["answered_together"] = self._reply_group(session, member, ticket, detail["reply"], now)
            ticket.status, ticket.attention = status, None  # staff have taken the next step
            if status == "closed":
                ticket.deadline_state = None
            if action in NOTICE_ON:
                queue_notice(session, ticket, NOTICE_ON[action], now)
            session.add(TicketEvent(ticket_id=ticket.id, kind=action, detail=detail, actor=f"staff:{member.staff_no}", at=now))
            audit(session, member.actor, f"ticket.{action}", target_type="ticket", target_id=number, to=status)
            return status

    def _reply_group(self, session: Session, member: StaffMember, ticket: Ticket, reply: str, now: datetime) -> list[str]:
        """The same reply on the group's other unanswered tickets (一件答复，同组市民都收到通知)."""
        answered = []
        for other in answered_together(session, ticket, lambda t: _visible(member, t)):
            session.add(
                TicketEvent(
                    ticket_id=other.id,
                    kind="reply",
                    actor=f"staff:{member.staff_no}",
                    at=now,
                    detail={"from": other.status, "to": "replied", "reply": reply, "with": ticket.number},
                )
            )
            other.status, other.latest_reply, other.attention = "replied", reply, None
            queue_notice(session, other, NOTICE_ON["reply"], now)
            answered.append(other.number)
        return answered

    def set_co(self, member: StaffMember, number: str, departments: list[str]) -> list[str]:
        """Set the co-handling departments (协办) of a ticket; hotline staff only."""
        if member.role not in HOTLINE:
            raise HandlingError("只有热线工作人员可以设置协办部门")
        allowed = self.departments()
        now = utc_now()
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            if ticket.status == "closed":
                raise HandlingError("已办结的工单不能再设置协办部门")
            try:
                added = set_co_departments(session, ticket, departments, allowed, f"staff:{member.staff_no}", now)
            except CoHandlingError as exc:
                raise HandlingError(str(exc)) from None
            audit(
                session,
                member.actor,
                "ticket.co_departments",
                target_type="ticket",
                target_id=number,
                departments=departments,
                added=added,
            )
            return [c.department for c in co_departments(session, ticket.id)]

    def co_act(self, member: StaffMember, number: str, action: str, text: str = "") -> None:
        """A co-handling department accepts the ticket (``co_accept``) or answers its part (``co_reply``)."""
        department = member.department
        if member.role != "department" or not department:
            raise HandlingError("协办由部门经办人接收和答复")
        now, actor = utc_now(), f"staff:{member.staff_no}"
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            try:
                if action == "co_accept":
                    accept(session, ticket, department, actor, now)
                elif action == "co_reply":
                    reply_part(session, ticket, department, text, actor, now)
                else:
                    raise HandlingError("未知操作")
            except CoHandlingError as exc:
                raise HandlingError(str(exc)) from None
            audit(session, member.actor, f"ticket.{action}", target_type="ticket", target_id=number, department=member.department)

    def group_action(self, member: StaffMember, number: str, action: str, *, into: str = "") -> dict[str, Any] | None:
        """confirm / split / merge (into another ticket's group) a same-source group; hotline staff only."""
        if member.role not in HOTLINE:
            raise HandlingError("只有热线工作人员可以调整同源诉求组")
        now, actor = utc_now(), f"staff:{member.staff_no}"
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            try:
                if action == "confirm":
                    confirm(session, ticket, actor, now)
                elif action == "split":
                    split(session, ticket, actor, now)
                elif action == "merge":
                    target = session.scalar(select(Ticket).where(Ticket.number == into.strip().upper()))
                    if target is None:
                        raise HandlingError("没有找到要并入的工单号")
                    merge(session, ticket, target, actor, now)
                else:
                    raise HandlingError("未知操作")
            except GroupError as exc:
                raise HandlingError(str(exc)) from None
            audit(
                session,
                member.actor,
                f"ticket.group_{action}",
                target_type="ticket",
                target_id=number,
                **({"into": into.strip().upper()} if action == "merge" else {}),
            )
            session.flush()
            return group_summary(session, ticket, lambda t: _visible(member, t))

    def note(self, member: StaffMember, number: str, text: str) -> None:
        if not text.strip():
            raise HandlingError("备注不能为空")
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            session.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    kind="note",
                    detail={"text": text.strip()[:2000]},
                    actor=f"staff:{member.staff_no}",
                    at=utc_now(),
                )
            )
            audit(session, member.actor, "ticket.note", target_type="ticket", target_id=number)

    def extend(self, member: StaffMember, number: str, working_days: int, reason: str) -> date:
        """Push the deadline ``working_days`` working days further, on the same calendar; needs a reason."""
        if member.role not in SUPERVISION:
            raise HandlingError("只有督办人员可以延期")
        if not 1 <= working_days <= 30 or not reason.strip():
            raise HandlingError("请填写延期的工作日数（1–30）和理由")
        with transaction(self.factory) as session:
            ticket = self._ticket(session, member, number)
            if ticket.status == "closed":
                raise HandlingError("已办结的工单不能延期")
            before = ticket.deadline
            ticket.deadline, certain = self.calendar.add_working_days(before, working_days)
            ticket.deadline_certain = ticket.deadline_certain and certain
            ticket.working_days += working_days
            ticket.deadline_state = None  # the job marks it again
            detail = {
                "from": before.isoformat(),
                "to": ticket.deadline.isoformat(),
                "working_days": working_days,
                "reason": reason.strip()[:500],
            }
            now = utc_now()
            session.add(
                TicketEvent(ticket_id=ticket.id, kind="extended", detail=detail, actor=f"staff:{member.staff_no}", at=now)
            )
            queue_notice(session, ticket, "extended", now)  # the citizen was promised the earlier date
            audit(session, member.actor, "ticket.extend", target_type="ticket", target_id=number, **detail)
            return ticket.deadline

    def _ticket(self, session: Session, member: StaffMember, number: str) -> Ticket:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None or not _visible(member, ticket, _co_ids(session, member)):
            raise LookupError(number)
        return ticket


_WITHHELD = {"anonymous": True, "name": "举报人信息保密", "phone": ""}


def _contact(contact: TicketContact | None, *, revealed: bool) -> dict[str, Any]:
    if contact is None or contact.anonymous:
        return {"anonymous": True, "name": "匿名", "phone": ""}
    if revealed:
        return {"anonymous": False, "name": contact.name or "", "phone": contact.phone or ""}
    return {"anonymous": False, "name": mask_name(contact.name or ""), "phone": mask_phone(contact.phone or "")}


def mark_deadlines(factory: sessionmaker, calendar: WorkingCalendar, *, today: date | None = None) -> dict[str, int]:
    """Mark open tickets due within one working day ("due_soon") or past due ("overdue"); unmark the rest.

    State lives in the tickets table, so a restarted job simply marks again.
    """
    today = today or beijing_today()
    soon = calendar.next_workday(today)
    counts = {"due_soon": 0, "overdue": 0}
    with transaction(factory) as session:
        for ticket in session.scalars(select(Ticket).where(Ticket.status != "closed")):
            state = "overdue" if ticket.deadline < today else "due_soon" if ticket.deadline <= soon else None
            if ticket.deadline_state != state:
                ticket.deadline_state = state
                if state:
                    session.add(
                        TicketEvent(
                            ticket_id=ticket.id,
                            kind=state,
                            detail={"deadline": ticket.deadline.isoformat()},
                            actor="system",
                            at=utc_now(),
                        )
                    )
            if state:
                counts[state] += 1
    return counts
