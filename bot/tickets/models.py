"""Ticket tables: the case, the citizen's contact (kept apart from the content), its history, numbering."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint

from bot.core.db import Base

CATEGORIES = ("complaint", "report", "suggestion", "consultation")
# 待分派 已派单 处理中 已答复 已办结, and 待复核 (the citizen was dissatisfied with the closed ticket)
STATUSES = ("unassigned", "assigned", "in_progress", "replied", "closed", "review")
NOTICE_KINDS = ("assigned", "replied", "closed", "extended", "rescheduled")  # what the citizen is told about (反馈)
# pending → sent (handed to the channel) | held (web chat closed: shown when the citizen comes back)
# | undelivered (staff call back) → called_back
NOTICE_STATUSES = ("pending", "sent", "held", "undelivered", "called_back")
RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")  # 满意 基本满意 不满意


class Ticket(Base):
    """One case as accepted: what it is about, where it went, and by when it must be answered."""

    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False, unique=True)
    category = Column(String(16), nullable=False, index=True)
    status = Column(String(16), nullable=False, index=True)
    fields = Column(JSON, nullable=False)  # the content the citizen gave; no name or phone
    channel = Column(String(32), nullable=False)
    conversation_id = Column(String(128), nullable=False, index=True)
    # One submission of one form run: a retried or repeated submit finds the ticket it already made.
    submission_key = Column(String(160), nullable=False, unique=True)
    department = Column(String(64))
    accepted_at = Column(DateTime(timezone=True), nullable=False)
    deadline = Column(Date, nullable=False, index=True)
    deadline_certain = Column(Boolean, nullable=False, default=True)
    working_days = Column(Integer, nullable=False)
    is_major = Column(Boolean, nullable=False, default=False)
    major_reason = Column(Text)
    latest_reply = Column(Text)
    # Set by the deadline job: "due_soon" (due within one working day) or "overdue"; None otherwise.
    deadline_state = Column(String(16), index=True)
    # Set when the citizen answered a notice ("还是没解决") or was dissatisfied; cleared by staff's next step.
    attention = Column(String(32), index=True)
    # 同源诉求: the group of tickets about the same matter (bot/tickets/same_source.py), if any
    group_id = Column(Integer, ForeignKey("ticket_groups.id"), index=True)


class TicketContact(Base):
    """Who to answer, separate from the content so that roles which handle content never see it."""

    __tablename__ = "ticket_contacts"

    ticket_id = Column(Integer, ForeignKey("tickets.id"), primary_key=True)
    name = Column(String(64))
    phone = Column(String(32))
    anonymous = Column(Boolean, nullable=False, default=False)
    lookup_code_hash = Column(String(64))  # anonymous reports: the one-time code, hashed


class TicketEvent(Base):
    """Everything that happened to a ticket, in order."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    detail = Column(JSON, nullable=False, default=dict)
    actor = Column(String(64), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)


class TicketSequence(Base):
    """The last number given per prefix and day (numbers restart every day)."""

    __tablename__ = "ticket_sequences"
    __table_args__ = (UniqueConstraint("prefix", "day"),)

    id = Column(Integer, primary_key=True)
    prefix = Column(String(4), nullable=False)
    day = Column(String(8), nullable=False)
    last = Column(Integer, nullable=False)


class TicketNotice(Base):
    """A notice to the citizen about their ticket (outbox): written with the status change, delivered
    by the console's notice job, so a restart or a Rasa outage delays it but never loses it."""

    __tablename__ = "ticket_notices"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    kind = Column(String(16), nullable=False)  # NOTICE_KINDS
    status = Column(String(16), nullable=False, index=True)  # NOTICE_STATUSES
    attempts = Column(Integer, nullable=False, default=0)
    reason = Column(String(255))  # why it was not delivered
    created_at = Column(DateTime(timezone=True), nullable=False)
    sent_at = Column(DateTime(timezone=True))
    mailbox_id = Column(Integer)  # held: the web chat mailbox message that waits for the citizen
    # pending, not before this time: the citizen was in a form or with a person (bot/console/notice_job.py)
    not_before = Column(DateTime(timezone=True))
    called_back_at = Column(DateTime(timezone=True))
    called_back_by = Column(String(16))  # 工号


class TicketRating(Base):
    """The citizen's satisfaction with a closed ticket (回访): once per closing."""

    __tablename__ = "ticket_ratings"
    __table_args__ = (UniqueConstraint("ticket_id", "round"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    round = Column(Integer, nullable=False)  # the how-many-th closing this rates
    rating = Column(String(24), nullable=False)  # RATINGS
    comment = Column(Text)
    channel = Column(String(32), nullable=False)
    rated_at = Column(DateTime(timezone=True), nullable=False, index=True)


class Department(Base):
    """A handling department tickets are assigned to, managed by admins (routing keywords stay in
    ``departments.yml``; a department added here is assigned by hand)."""

    __tablename__ = "departments"

    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False, unique=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False)


class RoutingConfirmation(Base):
    """A department staff chose for a ticket (assigned from 待分派 or reassigned): what the router
    learns from on ``python -m bot tickets route retrain``. The text is the ticket's content, masked."""

    __tablename__ = "routing_confirmations"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, unique=True)  # the latest choice
    text = Column(Text, nullable=False)
    department = Column(String(64), nullable=False)
    previous_department = Column(String(64))  # where the ticket was before (None: 待分派)
    confirmed_by = Column(String(64), nullable=False)
    confirmed_at = Column(DateTime(timezone=True), nullable=False)


class LookupFailure(Base):
    """Wrong look-up checks per ticket number and Beijing day, from any session or channel."""

    __tablename__ = "lookup_failures"
    __table_args__ = (UniqueConstraint("number", "day"),)

    id = Column(Integer, primary_key=True)
    number = Column(String(32), nullable=False)
    day = Column(Date, nullable=False)
    failures = Column(Integer, nullable=False)


class CalendarYear(Base):
    """One year's official holiday schedule (放假安排) as an admin loaded it from the State Council's notice."""

    __tablename__ = "calendar_years"

    year = Column(Integer, primary_key=True, autoincrement=False)
    holidays = Column(JSON, nullable=False)  # ISO dates off
    workdays = Column(JSON, nullable=False)  # ISO make-up working days (调休) on weekends
    source = Column(String(200))  # the notice it was copied from, e.g. 国办发明电〔2026〕7号
    loaded_by = Column(String(64), nullable=False)
    loaded_at = Column(DateTime(timezone=True), nullable=False)


class TicketGroup(Base):
    """Tickets of several citizens about one matter (同源诉求), linked by the bot, checked by staff."""

    __tablename__ = "ticket_groups"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    place = Column(String(200))  # as the first citizen wrote it
    confirmed_at = Column(DateTime(timezone=True))  # staff confirmed the link
    confirmed_by = Column(String(64))


class TicketSignature(Base):
    """What a new ticket is compared on: the sentence vector of its description (no text)."""

    __tablename__ = "ticket_signatures"

    ticket_id = Column(Integer, ForeignKey("tickets.id"), primary_key=True)
    vector = Column(LargeBinary, nullable=False)


CO_STATUSES = ("pending", "accepted", "replied")  # 待接收 已接收 已答复


class TicketCoDepartment(Base):
    """A co-handling department (协办) of a ticket: it accepts and answers its part within the ticket's
    deadline; the lead department (``Ticket.department``, 主办) answers the citizen with the parts."""

    __tablename__ = "ticket_co_departments"
    __table_args__ = (UniqueConstraint("ticket_id", "department"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    department = Column(String(64), nullable=False, index=True)
    status = Column(String(16), nullable=False)  # CO_STATUSES
    reply = Column(Text)
    added_at = Column(DateTime(timezone=True), nullable=False)
    accepted_at = Column(DateTime(timezone=True))
    replied_at = Column(DateTime(timezone=True))
