"""Creating tickets (idempotently, with number, route and deadline) and looking them up."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.validation import normalize_phone
from bot.core.clock import BEIJING, utc_now
from bot.core.config import Deadlines
from bot.core.db import transaction
from bot.messaging.conversation_ids import stored_forms
from bot.staff.audit import AuditNote, write_note
from bot.tickets.departments import is_deactivated
from bot.tickets.lookup_guard import Attempts, attempts, record_failure
from bot.tickets.major import MajorRules
from bot.tickets.models import CATEGORIES, Ticket, TicketContact, TicketEvent
from bot.tickets.numbering import next_number, normalize_number
from bot.tickets.routing import Router, routing_text
from bot.tickets.same_source import SameSourceLinker, link_to_group, others_in_group
from bot.tickets.workdays import WorkingCalendar

LABELS_FILE = Path(__file__).with_name("labels.yml")
# One conversation, 24 hours: a citizen with many problems calls; more than this online is a script.
MAX_TICKETS_PER_DAY = 10
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone
CODE_LENGTH = 8


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    """Chinese names of categories and statuses."""
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


class TicketLimitReached(Exception):
    """This conversation took down ``MAX_TICKETS_PER_DAY`` tickets in the last 24 hours."""


@dataclass(frozen=True)
class TicketDraft:
    """Everything a form collected, ready to become a ticket."""

    category: str
    fields: dict[str, str]
    channel: str
    conversation_id: str
    submission_key: str  # the same key twice means the same submission: one ticket
    name: str | None = None
    phone: str | None = None
    anonymous: bool = False
    major_reason: str | None = None  # complaints: set when the major rules (or the citizen) say so
    created_by: str = "citizen"  # or "staff:<工号>" when staff took it down in the console


@dataclass(frozen=True)
class CreatedTicket:
    """What the citizen is told after submitting."""

    number: str
    category: str
    department: str | None
    due: date
    working_days: int
    deadline_certain: bool
    is_major: bool
    lookup_code: str | None = None  # anonymous reports only; shown once
    new: bool = True
    same_source: int = 0  # other citizens who reported the same matter (同源诉求), linked to this ticket


@dataclass(frozen=True)
class TicketView:
    """What a citizen may see of a ticket."""

    number: str
    category: str
    status: str
    department: str | None
    due: date
    latest_reply: str | None
    labels: dict[str, str] = field(default_factory=dict, compare=False)
    due_certain: bool = True  # False: counted on weekends only over a year without a holiday schedule (预计)


@dataclass(frozen=True)
class LookupResult:
    """A look-up's outcome: the ticket when the check was right; how many tries are left today."""

    view: TicketView | None
    attempts: Attempts

    @property
    def locked(self) -> bool:
        return self.view is None and self.attempts.locked


@dataclass
class TicketDesk:
    """The ticket rules of one deployment: calendar, deadlines, routing and major-complaint rules."""

    factory: sessionmaker
    calendar: WorkingCalendar
    deadlines: Deadlines
    router: Router = field(default_factory=Router.load)
    major_rules: MajorRules = field(default_factory=MajorRules.load)
    code_key: str = ""  # HOTLINE_SECRET_KEY (bot/core/server_keys.py): keys the anonymous codes' HMAC
    linker: SameSourceLinker | None = None  # links same-source appeals (同源诉求); None: every ticket alone

    def working_days(self, category: str, is_major: bool) -> int:
        d = self.deadlines
        return {
            "complaint": d.major_complaint if is_major else d.complaint,
            "report": d.report,
            "suggestion": d.suggestion,
            "consultation": d.consultation,
        }[category]

    def is_repeat_complaint(self, session: Session, draft: TicketDraft, department: str | None, now: datetime) -> bool:
        since = now - timedelta(days=self.major_rules.repeat_within_days)
        query = select(Ticket.id).where(
            Ticket.category == "complaint",
            Ticket.conversation_id == draft.conversation_id,
            Ticket.channel == draft.channel,
            Ticket.department == department,
            Ticket.accepted_at >= since,
        )
        return department is not None and session.scalar(query.limit(1)) is not None

    @staticmethod
    def _taken_today(session: Session, draft: TicketDraft, now: datetime) -> int:
        return (
            session.scalar(
                select(func.count(Ticket.id)).where(
                    Ticket.channel == draft.channel[:32],
                    Ticket.conversation_id == draft.conversation_id[:128],
                    Ticket.accepted_at >= now - timedelta(days=1),
                )
            )
            or 0
        )

    def create(self, draft: TicketDraft, *, now: datetime | None = None, audited: AuditNote | None = None) -> CreatedTicket:
        """Create the ticket, or return the one this submission already created. ``audited``: staff took
        it down; the entry is written in the ticket's transaction, naming the ticket and its category.

        Raises:
            TicketLimitReached: a citizen's conversation already took down ``MAX_TICKETS_PER_DAY`` today.
        """
        if draft.category not in CATEGORIES:
            raise ValueError(f"unknown category {draft.category!r}")
        now = now or utc_now()
        try:
            with transaction(self.factory) as session:
                existing = session.scalar(select(Ticket).where(Ticket.submission_key == draft.submission_key))
                if existing is not None:
                    return self._again(session, existing)
                created = self._insert(session, draft, now)
                if audited is not None:
                    write_note(session, replace(audited, target_id=created.number), category=draft.category)
                return created
        except IntegrityError:  # the same submission raced us to the unique key: report that one
            with transaction(self.factory) as session:
                existing = session.scalar(select(Ticket).where(Ticket.submission_key == draft.submission_key))
                if existing is None:
                    raise
                return self._again(session, existing)

    def _insert(self, session: Session, draft: TicketDraft, now: datetime) -> CreatedTicket:
        if draft.created_by == "citizen" and self._taken_today(session, draft, now) >= MAX_TICKETS_PER_DAY:
            raise TicketLimitReached(draft.channel)
        text = routing_text(draft.fields)
        department = self.router.route(text)
        if department is not None and is_deactivated(session, department):
            department = None  # an admin deactivated it: staff assign the ticket by hand (待分派)
        reason = draft.major_reason
        if draft.category == "complaint":
            reason = self.major_rules.reason(text, is_repeat=self.is_repeat_complaint(session, draft, department, now)) or reason
        is_major = draft.category == "complaint" and reason is not None
        days = self.working_days(draft.category, is_major)
        deadline = self.calendar.deadline(now, days)
        ticket = Ticket(
            number=next_number(session, draft.category, now.astimezone(BEIJING).date()),
            category=draft.category,
            status="assigned" if department else "unassigned",
            fields=dict(draft.fields),
            channel=draft.channel[:32],
            conversation_id=draft.conversation_id[:128],
            submission_key=draft.submission_key[:160],
            department=department,
            accepted_at=now,
            deadline=deadline.due,
            deadline_certain=deadline.certain,
            working_days=days,
            is_major=is_major,
            major_reason=reason if is_major else None,
        )
        session.add(ticket)
        session.flush()
        code = _new_code() if draft.anonymous else None
        session.add(
            TicketContact(
                ticket_id=ticket.id,
                name=None if draft.anonymous else draft.name,
                phone=None if draft.anonymous else draft.phone,
                anonymous=draft.anonymous,
                lookup_code_hash=_hash(code, self.code_key) if code else None,
            )
        )
        detail = {"status": ticket.status, "department": department, "major_reason": ticket.major_reason}
        match = self.linker.join(session, ticket, now) if self.linker is not None else None
        if match is not None:  # the same matter as an open ticket: handled together, by its department
            detail["same_source_as"] = match.number
            link_to_group(session, ticket, match, now)
            if match.department and not is_deactivated(session, match.department):
                ticket.department, ticket.status = match.department, "assigned"
                detail |= {"department": match.department, "status": "assigned"}
        session.add(TicketEvent(ticket_id=ticket.id, kind="created", actor=draft.created_by, at=now, detail=detail))
        return _created(ticket, code, same_source=others_in_group(session, ticket))

    def _again(self, session: Session, ticket: Ticket) -> CreatedTicket:
        contact = session.get(TicketContact, ticket.id)
        code = None
        if contact is not None and contact.anonymous:  # the first code was never shown: issue a new one
            code = _new_code()
            contact.lookup_code_hash = _hash(code, self.code_key)
        return _created(ticket, code, new=False, same_source=others_in_group(session, ticket))

    def look_up(self, number: str, check: str, *, now: datetime | None = None) -> LookupResult:
        """A ticket by number, only with the right check: the full phone number given when it was
        taken, or an anonymous report's code. Wrong checks count per ticket and day
        (``bot/tickets/lookup_guard.py``); once locked, not even the right check opens it that day."""
        number = normalize_number(number) or ""
        day = (now or utc_now()).astimezone(BEIJING).date()
        with transaction(self.factory) as session:
            tried = attempts(session, number, day)
            if tried.locked:
                return LookupResult(None, tried)
            ticket = session.scalar(select(Ticket).where(Ticket.number == number)) if number else None
            contact = session.get(TicketContact, ticket.id) if ticket is not None else None
            if ticket is None or contact is None or not _checks(contact, check, self.code_key):
                return LookupResult(None, record_failure(session, number, day))
            return LookupResult(_view(ticket), tried)

    def tickets_of(self, *, channel: str, conversation_id: str, limit: int = 5) -> list[TicketView]:
        """The latest tickets created from one channel user (for "我的工单")."""
        query = (
            select(Ticket)
            .where(Ticket.channel == channel, Ticket.conversation_id.in_(stored_forms(channel, conversation_id)))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        with transaction(self.factory) as session:
            return [_view(t) for t in session.scalars(query)]


def _checks(contact: TicketContact, check: str, key: str) -> bool:
    if contact.anonymous:
        given = (check or "").strip().upper()
        return bool(given and contact.lookup_code_hash) and _code_matches(contact, given, key)
    phone, known = normalize_phone(check or ""), normalize_phone(contact.phone or "")
    return bool(phone and known) and hmac.compare_digest(phone or "", known or "")


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _hash(code: str, key: str) -> str:
    """The stored form of an anonymous report's code: an HMAC with the server key, so a copy of the
    database alone does not let anyone try the 31^8 codes offline."""
    return hmac.new(key.encode(), code.encode(), hashlib.sha256).hexdigest()


def _code_matches(contact: TicketContact, given: str, key: str) -> bool:
    if hmac.compare_digest(_hash(given, key), contact.lookup_code_hash):
        return True
    if hmac.compare_digest(hashlib.sha256(given.encode()).hexdigest(), contact.lookup_code_hash):
        contact.lookup_code_hash = _hash(given, key)  # a code given before codes were keyed: keyed from now on
        return True
    return False


def _created(ticket: Ticket, code: str | None, *, new: bool = True, same_source: int = 0) -> CreatedTicket:
    return CreatedTicket(
        ticket.number,
        ticket.category,
        ticket.department,
        ticket.deadline,
        ticket.working_days,
        ticket.deadline_certain,
        ticket.is_major,
        code,
        new,
        same_source,
    )


def _view(ticket: Ticket) -> TicketView:
    names = labels()
    return TicketView(
        ticket.number,
        ticket.category,
        ticket.status,
        ticket.department,
        ticket.deadline,
        ticket.latest_reply,
        {"category": names["categories"][ticket.category], "status": names["statuses"][ticket.status]},
        due_certain=bool(ticket.deadline_certain),
    )
