"""Which handling departments exist: the routing directory's (``departments.yml``) plus those admins
added (``departments`` table), minus those admins deactivated. Every other module asks here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utc_now
from bot.core.db import transaction
from bot.staff.audit import Actor, audit
from bot.staff.models import StaffUser
from bot.tickets.models import Department, Ticket
from bot.tickets.routing import Router

NAME_LENGTH = (2, 64)


class DepartmentError(ValueError):
    """A department could not be added or changed; the message (Chinese) says why."""


def department_names(factory: sessionmaker, router: Router) -> list[str]:
    """The active departments: the routing directory's in its order, then admin-added ones alphabetically."""
    with factory() as session:
        return [name for name, active in _directory(session, router) if active]


def is_deactivated(session: Session, name: str) -> bool:
    """Whether an admin deactivated ``name`` (tickets must not be assigned to it)."""
    return session.scalar(select(Department.id).where(Department.name == name, Department.active.is_(False))) is not None


def department_overview(factory: sessionmaker, router: Router) -> list[dict[str, Any]]:
    """Every known department, deactivated ones too, with its active staff and open (not closed) tickets."""
    with factory() as session:
        staff = dict(
            session.execute(
                select(StaffUser.department, func.count(StaffUser.id))
                .where(StaffUser.role == "department", StaffUser.active.is_(True))
                .group_by(StaffUser.department)
            ).all()
        )
        open_tickets = dict(
            session.execute(
                select(Ticket.department, func.count(Ticket.id))
                .where(Ticket.status != "closed", Ticket.department.is_not(None))
                .group_by(Ticket.department)
            ).all()
        )
        routing = _routing(router)
        return [
            {
                "name": name,
                "active": active,
                "routing": name in routing,
                "staff": staff.get(name, 0),
                "open_tickets": open_tickets.get(name, 0),
            }
            for name, active in _directory(session, router)
        ]


def add_department(factory: sessionmaker, name: str, actor: Actor, *, router: Router) -> str:
    """Add a department by hand (or reactivate a deactivated one of that name); returns the name.

    Raises:
        DepartmentError: for a name of the wrong length or with a "/", or one already active.
    """
    name = _valid_name(name)
    try:
        with transaction(factory) as session:
            row = session.scalar(select(Department).where(Department.name == name))
            if (row is None and name in _routing(router)) or (row is not None and row.active):
                raise DepartmentError(f"部门“{name}”已存在")
            if row is None:
                session.add(Department(name=name, active=True, created_at=utc_now()))
                audit(session, actor, "department.add", target_type="department", target_id=name)
            else:
                row.active = True
                audit(session, actor, "department.activate", target_type="department", target_id=name)
    except IntegrityError:  # added by someone else at the same moment
        raise DepartmentError(f"部门“{name}”已存在") from None
    return name


def set_department_active(factory: sessionmaker, name: str, active: bool, actor: Actor, *, router: Router) -> None:
    """Deactivate (no new tickets go there) or reactivate a department; no change is not audited.

    Raises:
        DepartmentError: when no department has that name.
    """
    name = name.strip()
    try:
        with transaction(factory) as session:
            row = session.scalar(select(Department).where(Department.name == name))
            if row is None and name not in _routing(router):
                raise DepartmentError(f"部门“{name}”不存在")
            if (row.active if row is not None else True) == active:
                return
            if row is None:  # a routing department gets its row when first deactivated
                session.add(Department(name=name, active=active, created_at=utc_now()))
            else:
                row.active = active
            audit(
                session,
                actor,
                "department.activate" if active else "department.deactivate",
                target_type="department",
                target_id=name,
            )
    except IntegrityError:  # its row was written by someone else at the same moment: the caller retries
        raise DepartmentError("部门状态刚被他人修改，请刷新后重试") from None


def _directory(session: Session, router: Router) -> list[tuple[str, bool]]:
    """Every known department and whether it is active, in display order."""
    rows = {row.name: row.active for row in session.scalars(select(Department))}
    routing = _routing(router)
    added = sorted(name for name in rows if name not in routing)
    return [(name, rows.get(name, True)) for name in routing] + [(name, rows[name]) for name in added]


def _routing(router: Router) -> list[str]:
    return list(dict.fromkeys(d.name for d in router.departments))


def _valid_name(name: str) -> str:
    name = " ".join(str(name).split())
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise DepartmentError(f"部门名称需为 {low}–{high} 个字")
    if "/" in name:
        raise DepartmentError("部门名称不能包含“/”")
    return name
