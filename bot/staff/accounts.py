"""Staff accounts and console sessions: create users, sign in, check and end sessions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utc_now
from bot.core.db import as_utc, transaction
from bot.staff.audit import SYSTEM, Actor, audit
from bot.staff.models import StaffSession, StaffUser
from bot.staff.passwords import hash_password, password_problem, verify_password
from bot.staff.roles import ROLES

# Verifying against this when the user does not exist keeps sign-in time the same either way.
_DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


class AccountError(ValueError):
    """A user could not be created or changed; the message says why."""


@dataclass(frozen=True)
class StaffMember:
    """A signed-in staff member as the console sees them."""

    user_id: int
    username: str
    staff_no: str
    display_name: str
    role: str
    department: str | None = None
    active: bool = True

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, staff_no=self.staff_no, role=self.role)


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie token (shown once) and its CSRF token."""

    token: str
    csrf_token: str
    member: StaffMember


def create_user(
    factory: sessionmaker,
    *,
    username: str,
    staff_no: str,
    role: str,
    password: str,
    display_name: str = "",
    department: str = "",
    actor: Actor = SYSTEM,
    departments: Collection[str] | None = None,
) -> StaffMember:
    """Create a staff account. Only role ``department`` keeps a department, which must be one of
    ``departments`` when given (the console passes the active ones; the command line does not).

    Raises:
        AccountError: for an unknown role, a weak password, a username or staff number in use, or a
        department user without a (known) department.
    """
    username, staff_no = username.strip(), staff_no.strip()
    if role not in ROLES:
        raise AccountError(f"角色应为以下之一：{'、'.join(ROLES)}")
    if not username or not staff_no.isdigit():
        raise AccountError("请填写用户名，工号只能是数字")
    kept_department = _department_of(role, department, departments)
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    with transaction(factory) as session:
        taken = session.scalar(select(StaffUser).where((StaffUser.username == username) | (StaffUser.staff_no == staff_no)))
        if taken is not None:
            raise AccountError("用户名或工号已被使用")
        user = StaffUser(
            username=username,
            staff_no=staff_no,
            display_name=display_name or username,
            role=role,
            department=kept_department,
            password_hash=hash_password(password),
            active=True,
            created_at=utc_now(),
        )
        session.add(user)
        session.flush()
        audit(session, actor, "user.create", target_type="staff_user", target_id=user.id, role=role, staff_no=staff_no)
        return _member(user)


def list_users(factory: sessionmaker, *, include_inactive: bool = False) -> list[StaffMember]:
    query = select(StaffUser).order_by(StaffUser.staff_no)
    with factory() as session:
        return [_member(u) for u in session.scalars(query if include_inactive else query.where(StaffUser.active))]


def set_user_active(factory: sessionmaker, username: str, active: bool, actor: Actor) -> StaffMember:
    """Deactivate an account (its sessions end at once) or reactivate it; no change is not audited.

    Raises:
        AccountError: for an unknown username, or an admin deactivating their own account.
    """
    with transaction(factory) as session:
        user = _user(session, username)
        if not active and user.id == actor.user_id:
            raise AccountError("不能停用自己的账号")
        if user.active != active:
            user.active = active
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            audit(
                session,
                actor,
                "user.activate" if active else "user.deactivate",
                target_type="staff_user",
                target_id=user.id,
                staff_no=user.staff_no,
            )
        return _member(user)


def change_password(factory: sessionmaker, actor: Actor, current: str, new: str, *, keep_token: str = "") -> None:
    """A staff member changes their own password; their other sessions end (a stolen one with them).

    Raises:
        AccountError: the current password is wrong, or the new one is weak.
    """
    problem = password_problem(new)
    with transaction(factory) as session:
        user = session.get(StaffUser, actor.user_id)
        if user is None or not verify_password(current, user.password_hash):
            raise AccountError("当前密码不正确")
        if problem:
            raise AccountError(problem)
        user.password_hash = hash_password(new)
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id, StaffSession.token_hash != _hash(keep_token)))
        audit(session, actor, "auth.password_changed", target_type="staff_user", target_id=user.id)


def reset_password(factory: sessionmaker, username: str, new: str, actor: Actor) -> StaffMember:
    """An admin sets a new password for someone who forgot theirs; every session of that account ends.

    Raises:
        AccountError: unknown username, or a weak password.
    """
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    with transaction(factory) as session:
        user = _user(session, username)
        user.password_hash = hash_password(new)
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        audit(session, actor, "user.password_reset", target_type="staff_user", target_id=user.id, staff_no=user.staff_no)
        return _member(user)


def set_user_department(
    factory: sessionmaker, username: str, department: str, actor: Actor, *, departments: Collection[str] | None = None
) -> StaffMember:
    """Move a department user to another department (one of ``departments`` when given).

    Raises:
        AccountError: for an unknown username, another role, or a missing or unknown department.
    """
    with transaction(factory) as session:
        user = _user(session, username)
        if user.role != "department":
            raise AccountError("只有部门经办人账号可以设置所属部门")
        moved_to = _department_of(user.role, department, departments)
        if user.department != moved_to:
            audit(
                session,
                actor,
                "user.set_department",
                target_type="staff_user",
                target_id=user.id,
                staff_no=user.staff_no,
                before=user.department,
                after=moved_to,
            )
            user.department = moved_to
        return _member(user)


def sign_in(factory: sessionmaker, username: str, password: str) -> SignedIn | None:
    """A new session for valid credentials of an active account, else None (the failure is audited).

    Guessing is slowed per client address by the caller (``bot/staff/login_backoff.py``); a named
    account is never locked. Blocking (scrypt): call it off the event loop.
    """
    username = username.strip()[:64]
    with transaction(factory) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        valid = verify_password(password, user.password_hash if user else _DUMMY_HASH)
        if user is None or not valid or not user.active:
            audit(session, SYSTEM, "auth.sign_in_failed", target_type="staff_login", target_id=username)
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = utc_now()
        session.add(StaffSession(token_hash=_hash(token), user_id=user.id, csrf_token=csrf, created_at=now, last_seen_at=now))
        user.last_login_at = now
        member = _member(user)
        audit(session, member.actor, "auth.sign_in", target_type="staff_user", target_id=user.id)
        return SignedIn(token=token, csrf_token=csrf, member=member)


def session_member(
    factory: sessionmaker, token: str, *, idle: timedelta, maximum: timedelta, touch: bool = True
) -> tuple[StaffMember, str] | None:
    """The member and CSRF token of a live session; an expired session is deleted and gives None.

    ``touch``: the request is the person's own doing and restarts the idle time; a page's background
    poll (``touch=False``) does not, so an unattended console still signs out.
    """
    if not token:
        return None
    now = utc_now()
    with transaction(factory) as session:
        row = session.get(StaffSession, _hash(token))
        if row is None:
            return None
        user = session.get(StaffUser, row.user_id)
        if user is None or not user.active or as_utc(row.last_seen_at) + idle < now or as_utc(row.created_at) + maximum < now:
            session.delete(row)
            return None
        if touch:
            row.last_seen_at = now
        return _member(user), row.csrf_token


def sign_out(factory: sessionmaker, token: str, actor: Actor) -> None:
    with transaction(factory) as session:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash(token)))
        audit(session, actor, "auth.sign_out", target_type="staff_user", target_id=actor.user_id)


def _member(user: StaffUser) -> StaffMember:
    return StaffMember(
        user_id=user.id,
        username=user.username,
        staff_no=user.staff_no,
        display_name=user.display_name,
        role=user.role,
        department=user.department,
        active=user.active,
    )


def _user(session: Session, username: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    if user is None:
        raise AccountError("没有这个账号")
    return user


def _department_of(role: str, department: str, departments: Collection[str] | None) -> str | None:
    """The department an account of ``role`` keeps: required for role department, None for the rest."""
    if role != "department":
        return None
    department = department.strip()
    if not department:
        raise AccountError("部门经办人必须选择所属部门")
    if departments is not None and department not in departments:
        raise AccountError(f"部门“{department}”不存在或已停用")
    return department


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
