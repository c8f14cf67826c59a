"""Staff tables: accounts with roles, console sessions, and the audit log."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String

from bot.core.db import Base


class StaffUser(Base):
    """A person who signs in to the console; ``staff_no`` (工号) is what citizens are told."""

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    staff_no = Column(String(16), nullable=False, unique=True)
    display_name = Column(String(64), nullable=False)
    role = Column(String(16), nullable=False)
    department = Column(String(64))  # for role "department": the tickets of this department only
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_login_at = Column(DateTime(timezone=True))


class StaffSession(Base):
    """A signed-in browser. Only the token's hash is stored, so a database leak signs nobody in."""

    __tablename__ = "staff_sessions"

    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_seen_at = Column(DateTime(timezone=True), nullable=False)


class AuditEntry(Base):
    """One staff action: who, what, on which record, when. Details never hold clear personal data."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, index=True)
    user_id = Column(Integer, ForeignKey("staff_users.id"))
    staff_no = Column(String(16))
    action = Column(String(48), nullable=False, index=True)
    target_type = Column(String(32))
    target_id = Column(String(64))
    detail = Column(JSON, nullable=False, default=dict)
