"""The supervision figures of a date range (Beijing time, both ends included), computed from the
records each time they are asked for. Every definition is written out in docs/FIGURES.md."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.unanswered import FAQ_NO_MATCH, UnansweredQuestion
from bot.core.clock import BEIJING
from bot.core.db import as_utc
from bot.faq.models import FaqFeedback, FaqServe
from bot.handoff.models import Handoff
from bot.handoff.transcript import ConversationEvent
from bot.tickets.models import CATEGORIES, RATINGS, Ticket, TicketCoDepartment, TicketEvent, TicketRating
from bot.tickets.service import labels
from bot.tickets.workdays import WorkingCalendar, deployment_calendar

UNASSIGNED = "待分派"
SATISFIED = ("satisfied", "basically_satisfied")
TOP_QUESTIONS = 10


@dataclass(frozen=True)
class Volumes:
    """Tickets accepted in the range; the dictionaries are in display order."""

    tickets: int
    by_day: dict[str, int]  # every day of the range (ISO date), zeros included
    by_category: dict[str, int]  # every category (Chinese name), zeros included
    by_channel: dict[str, int]  # most first
    by_department: dict[str, int]  # most first; none → 待分派; a co-handled ticket counts for each department


@dataclass(frozen=True)
class SelfService:
    """咨询自助解决率: consultations the knowledge base settled without a person."""

    served: int  # FAQ answers served
    declined: int  # FAQ declines (no entry fitted)
    unhelpful: int  # answers the citizen marked "not solved"
    asked: int  # served + declined
    self_served: int  # served − unhelpful, never below 0
    rate: float | None  # self_served / asked


@dataclass(frozen=True)
class Handoffs:
    """转人工率 and how long citizens waited for a person."""

    requested: int
    rate: float | None  # requested / conversations
    claimed: int  # requests that a person took over (at any time)
    unclaimed: int  # requests with status "unclaimed"
    waiting: int  # requests still waiting for a person now: left out of the connect rate
    connect_rate: float | None  # 接通率: claimed / (requested − waiting)
    wait_mean_seconds: float | None
    wait_median_seconds: float | None
    wait_p90_seconds: float | None


@dataclass(frozen=True)
class Timeliness:
    """及时率 of the tickets due in the range."""

    answered: int  # with a reply (its first reply counts)
    on_time: int  # first reply on or before the deadline (Beijing dates)
    late_unanswered: int  # no reply and the deadline before today
    not_yet_due: int  # no reply, deadline today or later: left out of the rate
    rate: float | None  # on_time / (answered + late_unanswered)


@dataclass(frozen=True)
class Dispatch:
    """派单准确率: tickets accepted in the range that stayed with the department first sent to."""

    dispatched: int  # sent to a department (by the router at acceptance, or by staff later)
    kept: int  # never assigned to another department afterwards
    rate: float | None  # kept / dispatched


@dataclass(frozen=True)
class Reopens:
    """重新打开率: closings in the range that the citizen's 不满意 reopened (→ 待复核)."""

    closed: int  # "close" events in the range (a ticket closed twice counts twice)
    reopened: int  # of those, closings rated 不满意 (the rating of that closing's round)
    rate: float | None  # reopened / closed


@dataclass(frozen=True)
class Satisfaction:
    """满意率 of the ratings given in the range."""

    rated: int
    by_rating: dict[str, int]  # 满意 / 基本满意 / 不满意
    rate: float | None  # (满意 + 基本满意) / rated


@dataclass(frozen=True)
class OverdueTicket:
    number: str
    category: str
    department: str
    deadline: date
    working_days_overdue: int


@dataclass(frozen=True)
class TopQuestion:
    text: str  # masked when it was stored
    count: int
    last_date: date


@dataclass(frozen=True)
class Figures:
    start: date
    end: date
    today: date
    volumes: Volumes
    conversations: int
    self_service: SelfService
    handoffs: Handoffs
    timeliness: Timeliness
    satisfaction: Satisfaction
    dispatch: Dispatch
    reopens: Reopens
    timeliness_by_department: dict[str, Timeliness]  # the lead's first reply, each co-department's part
    overdue: list[OverdueTicket]
    top_unanswered: list[TopQuestion]

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-able values (dates as ISO strings)."""
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class TicketRow:
    """One ticket of the range for the export: no name, phone or content."""

    number: str
    category: str
    status: str
    department: str
    channel: str
    accepted: datetime  # Beijing time
    deadline: date
    first_reply: date | None  # Beijing date
    on_time: bool | None  # None: not answered and not yet past its deadline
    rating: str | None  # the latest closing's rating
    deadline_certain: bool = True  # False: 预计, counted on weekends only over an unloaded year


def compute_figures(
    factory: sessionmaker, start: date, end: date, *, today: date, calendar: WorkingCalendar | None = None
) -> Figures:
    """The figures for [start, end]; ``today`` decides what is late; ``calendar`` counts working days
    overdue (the built-in official calendar when not given)."""
    if start > end:
        raise ValueError("start after end")
    calendar = calendar or deployment_calendar(None)
    lo, hi = day_bounds(start, end)
    with factory() as session:
        conversations = _conversations(session, lo, hi)
        return Figures(
            start=start,
            end=end,
            today=today,
            volumes=_volumes(session, lo, hi, start, end),
            conversations=conversations,
            self_service=_self_service(session, lo, hi),
            handoffs=_handoffs(session, lo, hi, conversations),
            timeliness=_timeliness(session, start, end, today),
            satisfaction=_satisfaction(session, lo, hi),
            dispatch=_dispatch(session, lo, hi),
            timeliness_by_department=_timeliness_by_department(session, start, end, today),
            reopens=_reopens(session, lo, hi),
            overdue=_overdue(session, today, calendar),
            top_unanswered=_top_unanswered(session, lo, hi),
        )


def ticket_rows(factory: sessionmaker, start: date, end: date, *, today: date) -> list[TicketRow]:
    """The tickets accepted in the range, in order of acceptance."""
    lo, hi = day_bounds(start, end)
    first = _first_replies()
    query = (
        select(Ticket, first.c.at)
        .outerjoin(first, first.c.ticket_id == Ticket.id)
        .where(Ticket.accepted_at >= lo, Ticket.accepted_at < hi)
        .order_by(Ticket.accepted_at, Ticket.id)
    )
    names = labels()
    with factory() as session:
        rows = session.execute(query).all()
        ratings = _latest_ratings(session, lo, hi)
    result = []
    for ticket, replied_at in rows:
        replied = beijing_day(replied_at) if replied_at else None
        rating = ratings.get(ticket.id)
        result.append(
            TicketRow(
                number=ticket.number,
                category=names["categories"][ticket.category],
                status=names["statuses"].get(ticket.status, ticket.status),
                department=ticket.department or UNASSIGNED,
                channel=channel_label(ticket.channel),
                accepted=as_utc(ticket.accepted_at).astimezone(BEIJING),
                deadline=ticket.deadline,
                first_reply=replied,
                on_time=on_time(ticket.deadline, replied, today),
                rating=names["ratings"].get(rating, rating) if rating else None,
                deadline_certain=bool(ticket.deadline_certain),
            )
        )
    return result


def on_time(deadline: date, first_reply: date | None, today: date) -> bool | None:
    """Whether a ticket was answered in time; None while it is unanswered and not yet past its deadline."""
    if first_reply is not None:
        return first_reply <= deadline
    return False if deadline < today else None


def working_days_overdue(calendar: WorkingCalendar, deadline: date, today: date) -> int:
    """The working days after ``deadline`` up to and including ``today``."""
    count, day = 0, calendar.next_workday(deadline)
    while day <= today:
        count, day = count + 1, calendar.next_workday(day)
    return count


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) Beijing time, as UTC instants."""
    lo = datetime.combine(start, time(), BEIJING)
    hi = datetime.combine(end + timedelta(days=1), time(), BEIJING)
    return lo.astimezone(timezone.utc), hi.astimezone(timezone.utc)


def beijing_day(moment: datetime) -> date:
    """The Beijing calendar day of a stored timestamp."""
    return as_utc(moment).astimezone(BEIJING).date()


def channel_label(channel: str) -> str:
    return labels()["channels"].get(channel, channel)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _ranked(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _count(session: Session, column, lo: datetime, hi: datetime, *conditions) -> int:
    return int(session.scalar(select(func.count(column)).where(column >= lo, column < hi, *conditions)) or 0)


def _volumes(session: Session, lo: datetime, hi: datetime, start: date, end: date) -> Volumes:
    rows = session.execute(
        select(Ticket.category, Ticket.channel, Ticket.department, Ticket.accepted_at).where(
            Ticket.accepted_at >= lo, Ticket.accepted_at < hi
        )
    ).all()
    co = session.scalars(
        select(TicketCoDepartment.department)
        .join(Ticket, Ticket.id == TicketCoDepartment.ticket_id)
        .where(Ticket.accepted_at >= lo, Ticket.accepted_at < hi)
    ).all()
    days = Counter(beijing_day(row.accepted_at) for row in rows)
    categories = Counter(row.category for row in rows)
    names = labels()["categories"]
    return Volumes(
        tickets=len(rows),
        by_day={(start + timedelta(days=n)).isoformat(): days[start + timedelta(days=n)] for n in range((end - start).days + 1)},
        by_category={names[c]: categories[c] for c in CATEGORIES},
        by_channel=_ranked(Counter(channel_label(row.channel) for row in rows)),
        by_department=_ranked(Counter(row.department or UNASSIGNED for row in rows) + Counter(co)),
    )


def _conversations(session: Session, lo: datetime, hi: datetime) -> int:
    """Distinct senders with a citizen message ("user" event) in the range."""
    first, last = lo.timestamp(), hi.timestamp()
    query = select(ConversationEvent.sender_id, ConversationEvent.data).where(ConversationEvent.data.like('%"user"%'))
    senders = set()
    for sender, data in session.execute(query):
        try:
            event = json.loads(data or "{}")
            stamp = float(event.get("timestamp") or 0)
        except (ValueError, TypeError, AttributeError):
            continue
        if event.get("event") == "user" and first <= stamp < last:
            senders.add(sender)
    return len(senders)


def _self_service(session: Session, lo: datetime, hi: datetime) -> SelfService:
    served = _count(session, FaqServe.served_at, lo, hi)
    declined = _count(session, UnansweredQuestion.created_at, lo, hi, UnansweredQuestion.reason == FAQ_NO_MATCH)
    unhelpful = _count(session, FaqFeedback.created_at, lo, hi, FaqFeedback.helpful.is_(False))
    asked, self_served = served + declined, max(served - unhelpful, 0)
    return SelfService(served, declined, unhelpful, asked, self_served, _ratio(self_served, asked))


def _handoffs(session: Session, lo: datetime, hi: datetime, conversations: int) -> Handoffs:
    rows = session.execute(
        select(Handoff.status, Handoff.requested_at, Handoff.claimed_at).where(
            Handoff.requested_at >= lo, Handoff.requested_at < hi
        )
    ).all()
    waits = sorted((as_utc(claimed) - as_utc(requested)).total_seconds() for _, requested, claimed in rows if claimed is not None)
    waiting = sum(1 for status, _, _ in rows if status == "waiting")
    return Handoffs(
        requested=len(rows),
        rate=_ratio(len(rows), conversations),
        claimed=len(waits),
        unclaimed=sum(1 for status, _, _ in rows if status == "unclaimed"),
        waiting=waiting,
        connect_rate=_ratio(len(waits), len(rows) - waiting),
        wait_mean_seconds=statistics.fmean(waits) if waits else None,
        wait_median_seconds=statistics.median(waits) if waits else None,
        # nearest rank: the smallest wait that at least 90 % of the waits do not exceed
        wait_p90_seconds=waits[math.ceil(0.9 * len(waits)) - 1] if waits else None,
    )


def _dispatch(session: Session, lo: datetime, hi: datetime) -> Dispatch:
    """The first department of each ticket accepted in the range (the router's at acceptance, else the
    first staff assignment) against every later assignment."""
    accepted = select(Ticket.id).where(Ticket.accepted_at >= lo, Ticket.accepted_at < hi)
    events = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.kind, TicketEvent.detail)
        .where(TicketEvent.ticket_id.in_(accepted), TicketEvent.kind.in_(("created", "assign")))
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    ).all()
    sent: dict[int, list[str]] = {}
    for ticket_id, _, detail in events:
        department = (detail or {}).get("department")
        if department:
            sent.setdefault(ticket_id, []).append(department)
    kept = sum(1 for departments in sent.values() if len(set(departments)) == 1)
    return Dispatch(len(sent), kept, _ratio(kept, len(sent)))


def _reopens(session: Session, lo: datetime, hi: datetime) -> Reopens:
    """Closings in the range and, per closing (its round: the n-th close of its ticket), whether the
    citizen rated that round 不满意."""
    in_range = select(TicketEvent.ticket_id).where(TicketEvent.kind == "close", TicketEvent.at >= lo, TicketEvent.at < hi)
    all_closes = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.at)
        .where(TicketEvent.kind == "close", TicketEvent.ticket_id.in_(in_range))
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    ).all()
    rounds: set[tuple[int, int]] = set()
    seen: Counter[int] = Counter()
    for ticket_id, at in all_closes:
        seen[ticket_id] += 1
        if lo <= as_utc(at) < hi:
            rounds.add((ticket_id, seen[ticket_id]))
    dissatisfied = session.execute(
        select(TicketRating.ticket_id, TicketRating.round).where(
            TicketRating.rating == "dissatisfied", TicketRating.ticket_id.in_(in_range)
        )
    ).all()
    reopened = sum(1 for row in dissatisfied if (row.ticket_id, row.round) in rounds)
    return Reopens(len(rounds), reopened, _ratio(reopened, len(rounds)))


def _first_replies():
    """Each ticket's first "reply" event time."""
    return (
        select(TicketEvent.ticket_id, func.min(TicketEvent.at).label("at"))
        .where(TicketEvent.kind == "reply")
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )


def _timeliness_by_department(session: Session, start: date, end: date, today: date) -> dict[str, Timeliness]:
    """及时率 per department over the tickets due in the range: the lead department by its first reply,
    each co-department by the time it answered its part."""
    first = _first_replies()
    due = (Ticket.deadline >= start, Ticket.deadline <= end)
    lead = session.execute(
        select(Ticket.department, Ticket.deadline, first.c.at)
        .outerjoin(first, first.c.ticket_id == Ticket.id)
        .where(*due, Ticket.department.is_not(None))
    ).all()
    co = session.execute(
        select(TicketCoDepartment.department, Ticket.deadline, TicketCoDepartment.replied_at)
        .join(Ticket, Ticket.id == TicketCoDepartment.ticket_id)
        .where(*due)
    ).all()
    by_department: dict[str, list[tuple[date, datetime | None]]] = {}
    for department, deadline, replied in [*lead, *co]:
        by_department.setdefault(department, []).append((deadline, replied))
    return {department: _verdicts(rows, today) for department, rows in sorted(by_department.items())}


def _verdicts(rows: list[tuple[date, datetime | None]], today: date) -> Timeliness:
    verdicts = [
        (replied is not None, on_time(deadline, beijing_day(replied) if replied else None, today)) for deadline, replied in rows
    ]
    answered = sum(1 for was_answered, _ in verdicts if was_answered)
    late_unanswered = sum(1 for was_answered, verdict in verdicts if not was_answered and verdict is False)
    in_time = sum(1 for _, verdict in verdicts if verdict is True)
    return Timeliness(
        answered,
        in_time,
        late_unanswered,
        sum(1 for _, verdict in verdicts if verdict is None),
        _ratio(in_time, answered + late_unanswered),
    )


def _timeliness(session: Session, start: date, end: date, today: date) -> Timeliness:
    first = _first_replies()
    rows = session.execute(
        select(Ticket.deadline, first.c.at)
        .outerjoin(first, first.c.ticket_id == Ticket.id)
        .where(Ticket.deadline >= start, Ticket.deadline <= end)
    ).all()
    return _verdicts([tuple(row) for row in rows], today)


def _satisfaction(session: Session, lo: datetime, hi: datetime) -> Satisfaction:
    counts = Counter(session.scalars(select(TicketRating.rating).where(TicketRating.rated_at >= lo, TicketRating.rated_at < hi)))
    names, rated = labels()["ratings"], sum(counts.values())
    return Satisfaction(rated, {names[r]: counts[r] for r in RATINGS}, _ratio(sum(counts[r] for r in SATISFIED), rated))


def _overdue(session: Session, today: date, calendar: WorkingCalendar) -> list[OverdueTicket]:
    query = (
        select(Ticket.number, Ticket.category, Ticket.department, Ticket.deadline)
        .where(Ticket.status != "closed", Ticket.deadline < today)
        .order_by(Ticket.deadline, Ticket.id)
    )
    names = labels()["categories"]
    return [
        OverdueTicket(
            number, names[category], department or UNASSIGNED, deadline, working_days_overdue(calendar, deadline, today)
        )
        for number, category, department, deadline in session.execute(query)
    ]


def _top_unanswered(session: Session, lo: datetime, hi: datetime) -> list[TopQuestion]:
    q = UnansweredQuestion
    last = func.max(q.created_at)
    # Declines past the retention period keep no text or key (bot/retention/purge.py): counted above, not listed.
    query = (
        select(func.min(q.text), func.count(), last)
        .where(q.created_at >= lo, q.created_at < hi, q.question_key.is_not(None))
        .group_by(q.question_key)
        .order_by(func.count().desc(), last.desc(), q.question_key)
        .limit(TOP_QUESTIONS)
    )
    return [TopQuestion(text, int(count), beijing_day(latest)) for text, count, latest in session.execute(query)]


def _latest_ratings(session: Session, lo: datetime, hi: datetime) -> dict[int, str]:
    """The latest closing's rating of each ticket accepted in the range."""
    query = (
        select(TicketRating.ticket_id, TicketRating.rating)
        .join(Ticket, Ticket.id == TicketRating.ticket_id)
        .where(Ticket.accepted_at >= lo, Ticket.accepted_at < hi)
        .order_by(TicketRating.round)
    )
    return dict(session.execute(query).all())  # later rounds overwrite earlier ones


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value
