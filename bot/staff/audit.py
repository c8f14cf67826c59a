"""The audit log: every staff action is written here, in the same transaction as the action."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utc_now
from bot.staff.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in staff member (or the system, with ``user_id`` None)."""

    user_id: int | None
    staff_no: str | None
    role: str


SYSTEM = Actor(user_id=None, staff_no=None, role="system")


def audit(
    session: Session, actor: Actor, action: str, *, target_type: str | None = None, target_id: object = None, **detail: Any
) -> None:
    """Add an audit entry to ``session`` (committed with the action it records)."""
    session.add(
        AuditEntry(
            at=utc_now(),
            user_id=actor.user_id,
            staff_no=actor.staff_no,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=detail,
        )
    )


@dataclass(frozen=True)
class AuditNote:
    """An audit entry for a service to write inside the transaction of the change it records (so a
    change is never kept without its entry, nor an entry without its change)."""

    actor: Actor
    action: str
    target_type: str | None = None
    target_id: object = None
    detail: dict[str, Any] = field(default_factory=dict)


def write_note(session: Session, note: AuditNote | None, **outcome: Any) -> None:
    """Add ``note`` to ``session`` (nothing when None), with what the change came to in ``outcome``."""
    if note is not None:
        audit(session, note.actor, note.action, target_type=note.target_type, target_id=note.target_id, **note.detail, **outcome)


def recent_audit(
    factory: sessionmaker,
    *,
    limit: int = 200,
    target_type: str | None = None,
    target_id: object = None,
    action: str = "",
    staff_no: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
) -> list[AuditEntry]:
    """The newest audit entries, optionally for one record, one action or staff member, a time range;
    ``before_id`` pages back (entries older than that one)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    if action:
        query = query.where(AuditEntry.action == action)
    if staff_no:
        query = query.where(AuditEntry.staff_no == staff_no)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    with factory() as session:
        return list(session.scalars(query))


@lru_cache(maxsize=1)
def _labels() -> dict[str, str]:
    return yaml.safe_load(Path(__file__).with_name("audit_labels.yml").read_text(encoding="utf-8"))


def action_labels() -> dict[str, str]:
    """Every labelled audit action (code → what staff read), for filters."""
    return dict(_labels())


def action_label(action: str) -> str:
    """How an audit action reads to staff (``audit_labels.yml``); the code itself when none is written."""
    return _labels().get(action, action)
