"""How long personal data is kept (个人信息保护法, arts. 19 and 47), and the purge that applies it.

Personal data may be kept only as long as its purpose needs. Conversation text serves the handling
of a request and the editors' follow-up of questions the bot missed: after
``RETENTION_CONVERSATION_DAYS`` (180 by default) it goes. A ticket's name and phone serve answering
the citizen: ``RETENTION_CONTACT_DAYS`` (365) after the ticket closed they go; the case itself (its
content and history) and the audit log stay. Where the supervisors' dashboard counts rows
(``bot/supervision/figures.py``) the rows stay and only what quotes or identifies the citizen is
emptied, so the figures of past periods do not change.

Periods are whole Beijing days: a row of day D goes once D is more than the period before today.
``RULES`` is the one place that says what happens to each table and why; ``docs/RETENTION.md`` explains
it to people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.dml import UpdateBase

from bot.conversation.unanswered import FAQ_NO_MATCH, UnansweredQuestion
from bot.core.clock import BEIJING, utc_now
from bot.core.config import RetentionSettings
from bot.core.db import as_utc, transaction
from bot.handoff.models import OPEN_STATUSES, Handoff, HandoffNote
from bot.messaging.undelivered import UndeliveredMessage
from bot.messaging.webchat.mailbox import MailboxMessage
from bot.retention.events_table import purge_events
from bot.review.models import NluReview
from bot.staff.audit import SYSTEM, audit
from bot.staff.models import AuditEntry
from bot.tickets.models import Ticket, TicketContact, TicketEvent

PURGE_ACTION = "privacy.purge"  # the audit entry of every real run
# The daily job runs when the last purge is this old; an hour under a day, as it checks hourly.
DUE_AFTER = timedelta(hours=23)
CONVERSATION, CONTACT = "conversation", "contact"  # which period a rule counts

Outcome = dict[str, int]  # effect ("deleted", "emptied", "anonymised") → rows
Purger = Callable[[sessionmaker, datetime, bool], Outcome]  # (factory, cut-off, dry run)


@dataclass(frozen=True)
class Cutoffs:
    """The instants (UTC: SQLite compares stored UTC text) before which rows are past their period."""

    conversations: datetime
    contacts: datetime  # tickets closed before this lose their contact

    @classmethod
    def at(cls, policy: RetentionSettings, now: datetime) -> Cutoffs:
        today = now.astimezone(BEIJING).date()

        def midnight(days: int) -> datetime:
            return datetime.combine(today - timedelta(days=days), time(), BEIJING).astimezone(timezone.utc)

        return cls(conversations=midnight(policy.conversation_days), contacts=midnight(policy.contact_days))

    def of(self, period: str) -> datetime:
        return self.conversations if period == CONVERSATION else self.contacts


def _count_or_apply(
    factory: sessionmaker, statement: UpdateBase, model: type, where: tuple[ColumnElement, ...], dry_run: bool
) -> int:
    if dry_run:
        with factory() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    with transaction(factory) as session:
        return session.execute(statement.where(*where).execution_options(synchronize_session=False)).rowcount


def _events(factory: sessionmaker, cutoff: datetime, dry_run: bool) -> Outcome:
    with factory() as session:
        held = frozenset(session.scalars(select(Ticket.conversation_id).where(Ticket.status != "closed")))
    done = purge_events(factory, cutoff, held=held, dry_run=dry_run)
    return {"deleted": done.deleted, "emptied": done.emptied}


def _unanswered(factory: sessionmaker, cutoff: datetime, dry_run: bool) -> Outcome:
    q = UnansweredQuestion
    old = q.created_at < cutoff
    not_yet_emptied = or_(q.text != "", q.question_key.is_not(None), q.conversation_id.is_not(None))
    return {
        "deleted": _count_or_apply(factory, delete(q), q, (old, q.reason != FAQ_NO_MATCH), dry_run),
        "emptied": _count_or_apply(
            factory,
            update(q).values(text="", question_key=None, conversation_id=None),
            q,
            (old, q.reason == FAQ_NO_MATCH, not_yet_emptied),
            dry_run,
        ),
    }


def _deleting(column: Any) -> Purger:
    """A rule that deletes the rows whose ``column`` (a time) is before the cut-off."""
    model = column.class_

    def apply(factory: sessionmaker, cutoff: datetime, dry_run: bool) -> Outcome:
        return {"deleted": _count_or_apply(factory, delete(model), model, (column < cutoff,), dry_run)}

    return apply


def _handoffs(factory: sessionmaker, cutoff: datetime, dry_run: bool) -> Outcome:
    h = Handoff
    where = (h.requested_at < cutoff, h.status.not_in(OPEN_STATUSES), cast(h.summary, Text) != "{}")
    return {"emptied": _count_or_apply(factory, update(h).values(summary={}), h, where, dry_run)}


def _contacts(factory: sessionmaker, cutoff: datetime, dry_run: bool) -> Outcome:
    # Closed long ago = status closed now, and its latest closing (a 待复核 ticket closes again) before the cut-off.
    closed_long_ago = (
        select(TicketEvent.ticket_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.status == "closed", TicketEvent.kind == "close")
        .group_by(TicketEvent.ticket_id)
        .having(func.max(TicketEvent.at) < cutoff)
    )
    c = TicketContact
    where = (c.ticket_id.in_(closed_long_ago), or_(c.name.is_not(None), c.phone.is_not(None)))
    return {"anonymised": _count_or_apply(factory, update(c).values(name=None, phone=None), c, where, dry_run)}


@dataclass(frozen=True)
class Rule:
    """What happens to one table's rows past their period, and why."""

    table: str
    period: str  # CONVERSATION or CONTACT: which cut-off ``apply`` gets
    effect: str
    why: str
    apply: Purger


RULES: tuple[Rule, ...] = (
    Rule(
        "events",
        CONVERSATION,
        "deleted, except the first citizen message per conversation and Beijing day, emptied to its kind and "
        "time; conversations with a ticket not yet closed stay whole",
        "Rasa's record of every conversation; the dashboard counts conversations (distinct senders with a "
        "citizen message per range of days) from it; staff read an open ticket's transcript",
        _events,
    ),
    Rule(
        "unanswered_questions",
        CONVERSATION,
        "deleted, except FAQ declines: their text, grouping key and conversation emptied",
        "what citizens asked (masked) for the editors; the self-service rate counts the declines",
        _unanswered,
    ),
    Rule(
        "nlu_reviews",
        CONVERSATION,
        "deleted",
        "citizen messages (masked) to label; export the labelled ones as training data before",
        _deleting(NluReview.created_at),
    ),
    Rule(
        "undelivered_messages",
        CONVERSATION,
        "deleted",
        "messages (masked) kept for a call-back; half a year later nobody calls back",
        _deleting(UndeliveredMessage.at),
    ),
    Rule(
        "webchat_mailbox",
        CONVERSATION,
        "deleted",
        "staff replies and notices waiting for a web chat page; held notices turn into call-backs after 3 days",
        _deleting(MailboxMessage.created_at),
    ),
    Rule(
        "handoffs",
        CONVERSATION,
        "summary (intent, form fields, last messages) emptied; the row stays",
        "the dashboard's handoff rate and waiting times count the requests",
        _handoffs,
    ),
    Rule(
        "handoff_notes",
        CONVERSATION,
        "deleted",
        "staff notes on a conversation quote and describe the citizen",
        _deleting(HandoffNote.at),
    ),
    Rule(
        "ticket_contacts",
        CONTACT,
        "name and phone emptied once the ticket has been closed that long",
        "they serve answering the citizen (notices, call-backs, look-ups); the ticket's content and history stay",
        _contacts,
    ),
)

# Tables with citizen data that stay, and why (no rule runs on them).
KEPT: dict[str, str] = {
    "tickets": "the case file: content, department, deadlines, replies; no name or phone",
    "ticket_events": "the ticket's history, the citizen's follow-ups and rating comments included",
    "ticket_ratings": "the satisfaction rate counts them; a comment is part of the ticket's history too",
    "ticket_notices": "the ticket's delivery history; no text",
    "routing_confirmations": "the router's training data: a ticket's content, masked, which stays with the ticket",
    "audit_log": "accountability for staff actions; written without personal data",
}


@dataclass(frozen=True)
class PurgeReport:
    """What one purge did (or, dry, would do), per table."""

    policy: RetentionSettings
    cutoffs: Cutoffs
    outcomes: dict[str, Outcome]
    dry_run: bool

    def lines(self) -> list[str]:
        """One line per table: ``events: 120 deleted, 30 emptied`` (dry: ``120 to delete, …``)."""
        verbs = {"deleted": "delete", "emptied": "empty", "anonymised": "anonymise"}
        width = max(len(table) for table in self.outcomes)
        return [
            f"{table:<{width}}  "
            + ", ".join(f"{n} to {verbs[effect]}" if self.dry_run else f"{n} {effect}" for effect, n in outcome.items())
            for table, outcome in self.outcomes.items()
        ]

    def audit_detail(self) -> dict[str, Any]:
        """Periods, cut-offs and counts: nothing about any citizen."""
        return {
            "conversation_days": self.policy.conversation_days,
            "contact_days": self.policy.contact_days,
            "conversations_before": self.cutoffs.conversations.isoformat(),
            "contacts_closed_before": self.cutoffs.contacts.isoformat(),
            "counts": self.outcomes,
        }


def purge(
    factory: sessionmaker,
    policy: RetentionSettings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    run_by: str = "command",
) -> PurgeReport:
    """Apply every rule (``dry_run``: count only). A real run ends with one audit entry; a run that
    fails part-way writes none, so the daily job tries again within the hour."""
    cutoffs = Cutoffs.at(policy, now or utc_now())
    outcomes = {rule.table: rule.apply(factory, cutoffs.of(rule.period), dry_run) for rule in RULES}
    report = PurgeReport(policy, cutoffs, outcomes, dry_run)
    if not dry_run:
        with transaction(factory) as session:
            audit(session, SYSTEM, PURGE_ACTION, target_type="retention", run_by=run_by, **report.audit_detail())
    return report


def purge_if_due(factory: sessionmaker, policy: RetentionSettings, *, now: datetime | None = None) -> PurgeReport | None:
    """The daily job: purge unless a purge (by this job or the command) ran within the last day.
    The audit log is the state, so a restarted console does not purge again (and should two consoles
    race, the second purge finds nothing left to do)."""
    now = now or utc_now()
    with factory() as session:
        last = session.scalar(select(func.max(AuditEntry.at)).where(AuditEntry.action == PURGE_ACTION))
    if last is not None and as_utc(last) > now - DUE_AFTER:
        return None
    return purge(factory, policy, now=now, run_by="daily_job")
