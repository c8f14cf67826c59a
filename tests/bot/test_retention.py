"""Retention (个人信息保护法): conversation data goes after its period, ticket contacts after closing +
their period, the dashboard's figures of old periods stay the same; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.__main__ import main
from bot.console.watcher import Job, run_job
from bot.conversation.unanswered import FAQ_NO_MATCH, UnansweredQuestion, question_key
from bot.core.config import RetentionSettings
from bot.core.db import as_utc, transaction
from bot.handoff.models import Handoff, HandoffNote
from bot.handoff.transcript import ConversationEvent, transcript
from bot.messaging.undelivered import UndeliveredMessage
from bot.messaging.webchat.mailbox import MailboxMessage
from bot.retention.purge import PURGE_ACTION, RULES, purge, purge_if_due
from bot.review.models import NluReview
from bot.staff.models import AuditEntry, StaffUser
from bot.supervision.figures import compute_figures
from bot.tickets.models import Ticket, TicketContact, TicketEvent, TicketRating
from bot.tickets.workdays import BEIJING, WorkingCalendar
from tests.support.polling import wait_until_async

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)  # 12:00 in Beijing
POLICY = RetentionSettings()  # 180 days of conversation data, contacts 365 days after closing
OLD = NOW - timedelta(days=200)
RECENT = NOW - timedelta(days=10)
NAME, PHONE, WORDS = "张三", "13812345678", "我家楼下幸福路烧烤摊油烟太大"
PERSONAL = (NAME, PHONE, WORDS, "conv-old", "conv-open")


def _event(session, sender: str, kind: str, at: datetime, **data) -> None:
    session.add(
        ConversationEvent(
            sender_id=sender, data=json.dumps({"event": kind, "timestamp": at.timestamp(), **data}, ensure_ascii=False)
        )
    )


def _conversation(session, sender: str, at: datetime) -> None:
    """A citizen who gives name, phone and a complaint, the bot's replies, slots; twice that day."""
    _event(session, sender, "action", at, name="action_listen")
    _event(
        session,
        sender,
        "user",
        at,
        text=f"我叫{NAME}，电话{PHONE}，{WORDS}",
        parse_data={"intent": {"name": "complain", "confidence": 0.9}},
    )
    _event(session, sender, "slot", at + timedelta(seconds=1), name="contact_phone", value=PHONE)
    _event(session, sender, "bot", at + timedelta(seconds=2), text=f"好的{NAME}，已记录")
    _event(session, sender, "user", at + timedelta(minutes=5), text="还有一件事")


def _ticket(
    session,
    number: str,
    status: str,
    *,
    accepted: datetime,
    closed: datetime | None = None,
    conversation: str = "conv-ticket",
    anonymous: bool = False,
) -> int:
    ticket = Ticket(
        number=number,
        category="complaint",
        status=status,
        fields={"description": WORDS, "location": "幸福路"},
        channel="webchat",
        conversation_id=conversation,
        submission_key=f"{number}:1",
        department="城管局",
        accepted_at=accepted,
        deadline=(accepted + timedelta(days=5)).date(),
        deadline_certain=True,
        working_days=3,
        latest_reply="已责令整改",
    )
    session.add(ticket)
    session.flush()
    session.add(
        TicketContact(
            ticket_id=ticket.id,
            anonymous=anonymous,
            lookup_code_hash="ab" * 32 if anonymous else None,
            name=None if anonymous else NAME,
            phone=None if anonymous else PHONE,
        )
    )
    session.add(TicketEvent(ticket_id=ticket.id, kind="created", detail={}, actor="bot", at=accepted))
    if closed is not None:
        session.add(
            TicketEvent(
                ticket_id=ticket.id, kind="close", detail={"from": "replied", "to": "closed"}, actor="staff:1024", at=closed
            )
        )
    return ticket.id


def _seed(factory, now: datetime = NOW) -> None:
    old, recent = now - timedelta(days=200), now - timedelta(days=10)
    with transaction(factory) as session:
        staff = StaffUser(
            username="agent1", staff_no="1024", display_name="客服", role="agent", password_hash="x", created_at=old
        )
        session.add(staff)
        session.flush()
        _conversation(session, "conv-old", old)
        _conversation(session, "conv-old", old + timedelta(days=1))  # another day: another conversation-day
        _conversation(session, "conv-old", recent)
        _conversation(session, "conv-open", old)  # its ticket is still being handled
        _ticket(session, "TS202605010001", "in_progress", accepted=old, conversation="conv-open")
        for at in (old, recent):
            for reason in (FAQ_NO_MATCH, "fallback"):
                session.add(
                    UnansweredQuestion(
                        text=WORDS,
                        channel="webchat",
                        reason=reason,
                        question_key=question_key(WORDS),
                        conversation_id="conv-old",
                        created_at=at,
                    )
                )
            session.add(
                NluReview(
                    conversation_id="conv-old",
                    text=WORDS,
                    predicted="nlu_fallback",
                    confidence=0.4,
                    ranking=[],
                    reason="fallback",
                    created_at=at,
                )
            )
            session.add(UndeliveredMessage(channel="wechat", conversation_id="conv-old", text=WORDS, reason="45015", at=at))
            session.add(MailboxMessage(conversation_id="conv-old", message={"text": WORDS}, created_at=at))
            handoff = Handoff(
                conversation_id="conv-old",
                channel="webchat",
                reason="citizen_asked",
                status="returned",
                summary={"intent": "complain", "messages": [WORDS]},
                requested_at=at,
                claimed_at=at + timedelta(seconds=40),
                claimed_by=staff.id,
                ended_at=at + timedelta(minutes=9),
            )
            session.add(handoff)
            session.flush()
            session.add(HandoffNote(handoff_id=handoff.id, user_id=staff.id, text=f"{NAME}情绪激动", at=at))


def _count(factory, model, *where) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def _events_of(factory, sender: str) -> list[dict]:
    with factory() as session:
        rows = session.scalars(
            select(ConversationEvent.data).where(ConversationEvent.sender_id == sender).order_by(ConversationEvent.id)
        )
        return [json.loads(data) for data in rows]


def _audit_entries(factory) -> list[AuditEntry]:
    with factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == PURGE_ACTION)))


def test_old_conversation_text_goes_and_recent_text_stays(factory):
    _seed(factory)
    report = purge(factory, POLICY, now=NOW)
    old_conversation = [e for e in _events_of(factory, "conv-old") if e["timestamp"] < RECENT.timestamp()]
    # Of two old days of events, one citizen message per day is left, reduced to its kind and time.
    assert [set(e) for e in old_conversation] == [{"retention", "event", "timestamp"}] * 2
    assert [e["event"] for e in old_conversation] == ["user", "user"]
    assert NAME not in json.dumps(old_conversation, ensure_ascii=False)
    recent = [e for e in _events_of(factory, "conv-old") if e["timestamp"] >= RECENT.timestamp()]
    assert len(recent) == 5 and any(e.get("text", "").startswith(f"我叫{NAME}") for e in recent)
    assert len(_events_of(factory, "conv-open")) == 5  # a ticket still open keeps its transcript whole
    assert report.outcomes["events"] == {"deleted": 8, "emptied": 2}
    with factory() as session:
        questions = session.scalars(select(UnansweredQuestion).order_by(UnansweredQuestion.id)).all()
        old_decline = [q for q in questions if as_utc(q.created_at) < RECENT]
        assert [(q.reason, q.text, q.question_key, q.conversation_id) for q in old_decline] == [(FAQ_NO_MATCH, "", None, None)]
        assert sum(1 for q in questions if q.text == WORDS) == 2  # the recent ones
        handoffs = session.scalars(select(Handoff).order_by(Handoff.id)).all()
        assert [h.summary for h in handoffs] == [{}, {"intent": "complain", "messages": [WORDS]}]
        assert handoffs[0].claimed_at is not None and handoffs[0].status == "returned"  # the waits still count
    for model, column in (
        (NluReview, NluReview.created_at),
        (UndeliveredMessage, UndeliveredMessage.at),
        (MailboxMessage, MailboxMessage.created_at),
        (HandoffNote, HandoffNote.at),
    ):
        assert _count(factory, model) == 1 and _count(factory, model, column >= RECENT) == 1, model.__tablename__
    assert report.outcomes["unanswered_questions"] == {"deleted": 1, "emptied": 1}
    assert report.outcomes["handoffs"] == {"emptied": 1}
    assert all(
        report.outcomes[table] == {"deleted": 1}
        for table in ("nlu_reviews", "undelivered_messages", "webchat_mailbox", "handoff_notes")
    )


def test_an_emptied_conversation_leaves_no_transcript_lines(factory):
    _seed(factory)
    purge(factory, POLICY, now=NOW)
    lines = transcript(factory, "conv-old")
    assert lines and all(as_utc(datetime.fromisoformat(line.at)) >= RECENT for line in lines)


def test_the_dashboard_figures_of_an_old_period_do_not_change(factory):
    _seed(factory)
    with transaction(factory) as session:
        ticket_id = _ticket(session, "TS202605010002", "closed", accepted=OLD, closed=OLD + timedelta(days=2))
        session.add(
            TicketRating(
                ticket_id=ticket_id,
                round=1,
                rating="dissatisfied",
                comment="处理太慢",
                channel="webchat",
                rated_at=OLD + timedelta(days=2),
            )
        )
    start, end = OLD.astimezone(BEIJING).date() - timedelta(days=3), OLD.astimezone(BEIJING).date() + timedelta(days=3)
    today = NOW.astimezone(BEIJING).date()
    before = compute_figures(factory, start, end, today=today, calendar=WorkingCalendar())
    purge(factory, POLICY, now=NOW)
    after = compute_figures(factory, start, end, today=today, calendar=WorkingCalendar())
    assert before.conversations == 2  # conv-old and conv-open
    assert (after.conversations, after.volumes, after.self_service, after.handoffs, after.timeliness, after.satisfaction) == (
        before.conversations,
        before.volumes,
        before.self_service,
        before.handoffs,
        before.timeliness,
        before.satisfaction,
    )
    assert before.self_service.declined == 1 and before.handoffs.claimed == 1
    assert [q.count for q in before.top_unanswered] == [2]
    assert after.top_unanswered == []  # the questions' words are gone; the declines are still counted


def test_contacts_of_tickets_closed_long_ago_are_anonymised_and_the_case_stays(factory):
    with transaction(factory) as session:
        long_closed = _ticket(
            session, "TS202410010001", "closed", accepted=NOW - timedelta(days=420), closed=NOW - timedelta(days=400)
        )
        lately_closed = _ticket(
            session, "TS202508010001", "closed", accepted=NOW - timedelta(days=120), closed=NOW - timedelta(days=100)
        )
        still_open = _ticket(session, "TS202406010001", "in_progress", accepted=NOW - timedelta(days=500))
        # Closed long ago, then 不满意: 待复核 again, so its contact is needed again.
        reopened = _ticket(
            session, "TS202409010001", "review", accepted=NOW - timedelta(days=450), closed=NOW - timedelta(days=440)
        )
        anonymous = _ticket(
            session,
            "JB202410010001",
            "closed",
            accepted=NOW - timedelta(days=420),
            closed=NOW - timedelta(days=400),
            anonymous=True,
        )
    report = purge(factory, POLICY, now=NOW)
    assert report.outcomes["ticket_contacts"] == {"anonymised": 1}
    with factory() as session:
        contacts = {c.ticket_id: c for c in session.scalars(select(TicketContact))}
        assert (contacts[long_closed].name, contacts[long_closed].phone, contacts[long_closed].anonymous) == (None, None, False)
        for kept in (lately_closed, still_open, reopened):
            assert (contacts[kept].name, contacts[kept].phone) == (NAME, PHONE)
        assert contacts[anonymous].lookup_code_hash == "ab" * 32
        ticket = session.get(Ticket, long_closed)
        assert (ticket.status, ticket.fields, ticket.latest_reply) == (
            "closed",
            {"description": WORDS, "location": "幸福路"},
            "已责令整改",
        )
        history = session.scalars(
            select(TicketEvent.kind).where(TicketEvent.ticket_id == long_closed).order_by(TicketEvent.id)
        ).all()
        assert history == ["created", "close"]


def _snapshot(factory) -> dict[str, list]:
    models = (
        ConversationEvent,
        UnansweredQuestion,
        NluReview,
        UndeliveredMessage,
        MailboxMessage,
        Handoff,
        HandoffNote,
        TicketContact,
        Ticket,
        TicketEvent,
    )
    with factory() as session:
        return {
            m.__tablename__: [
                tuple(getattr(row, c.key) for c in m.__table__.columns)
                for row in session.scalars(select(m).order_by(*m.__table__.primary_key.columns))
            ]
            for m in models
        }


def test_a_dry_run_counts_what_a_real_run_does_and_changes_nothing(factory):
    _seed(factory)
    with transaction(factory) as session:
        _ticket(session, "TS202410010001", "closed", accepted=NOW - timedelta(days=420), closed=NOW - timedelta(days=400))
    before = _snapshot(factory)
    dry = purge(factory, POLICY, now=NOW, dry_run=True)
    assert _snapshot(factory) == before and _audit_entries(factory) == []
    real = purge(factory, POLICY, now=NOW)
    assert dry.outcomes == real.outcomes and _snapshot(factory) != before
    assert [rule.table for rule in RULES] == list(real.outcomes)
    assert all(n == 0 for outcome in purge(factory, POLICY, now=NOW).outcomes.values() for n in outcome.values())


def test_a_real_run_writes_one_audit_entry_with_counts_and_no_personal_data(factory):
    _seed(factory)
    with transaction(factory) as session:
        _ticket(session, "TS202410010001", "closed", accepted=NOW - timedelta(days=420), closed=NOW - timedelta(days=400))
    report = purge(factory, POLICY, now=NOW)
    (entry,) = _audit_entries(factory)
    assert entry.user_id is None and entry.staff_no is None  # the system did it
    assert entry.detail["counts"] == report.outcomes
    assert entry.detail["counts"]["ticket_contacts"] == {"anonymised": 1}
    assert (entry.detail["conversation_days"], entry.detail["contact_days"]) == (180, 365)
    stored = json.dumps(entry.detail, ensure_ascii=False) + f"{entry.target_type} {entry.target_id}"
    assert not [value for value in (*PERSONAL, "TS2024", "conv-") if value in stored]


def test_the_command_prints_per_table_counts_and_a_dry_run_changes_nothing(factory, database_url, monkeypatch, capsys):
    now = datetime.now(timezone.utc)
    _seed(factory, now)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RETENTION_CONVERSATION_DAYS", "180")
    before = _snapshot(factory)
    assert main(["privacy", "purge", "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert _snapshot(factory) == before and _audit_entries(factory) == []
    assert "events                8 to delete, 2 to empty" in dry
    assert "ticket_contacts       0 to anonymise" in dry and "Dry run: nothing was changed." in dry
    assert main(["privacy", "purge"]) == 0
    done = capsys.readouterr().out
    assert "events                8 deleted, 2 emptied" in done and "handoffs              1 emptied" in done
    assert len(_audit_entries(factory)) == 1 and _audit_entries(factory)[0].detail["run_by"] == "command"
    assert not [value for value in PERSONAL if value in dry + done]


def test_the_command_on_a_database_never_set_up_brings_it_up_to_date_first(sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["privacy", "purge", "--dry-run"]) == 0
    assert "Dry run: nothing was changed." in capsys.readouterr().out


def test_the_daily_job_purges_once_a_day(factory):
    _seed(factory, datetime.now(timezone.utc))
    first = purge_if_due(factory, POLICY)
    assert first is not None and first.outcomes["events"] == {"deleted": 8, "emptied": 2}
    assert purge_if_due(factory, POLICY) is None  # the audit log says it ran today
    assert purge_if_due(factory, POLICY, now=datetime.now(timezone.utc) + timedelta(days=1)) is not None
    assert [e.detail["run_by"] for e in _audit_entries(factory)] == ["daily_job", "daily_job"]


def test_the_purge_job_runs_when_the_console_starts(factory):
    _seed(factory, datetime.now(timezone.utc))

    async def run_watcher() -> None:
        async def purge_round(_grant) -> None:
            await asyncio.to_thread(purge_if_due, factory, POLICY)

        job = asyncio.create_task(run_job(factory, "console-1", Job("retention_purge", 3600, purge_round)))
        try:
            await wait_until_async(lambda: _audit_entries(factory), timeout=10, message="the purge job did not run")
        finally:
            job.cancel()

    asyncio.run(run_watcher())
    assert len(_audit_entries(factory)) == 1
    assert _count(factory, NluReview) == 1


def test_periods_come_from_the_settings(factory):
    _seed(factory)
    longer = purge(factory, RetentionSettings(conversation_days=365, contact_days=730), now=NOW)
    assert all(n == 0 for outcome in longer.outcomes.values() for n in outcome.values())
    assert longer.cutoffs.conversations == datetime(2025, 11, 30, 16, 0, tzinfo=timezone.utc)  # Beijing midnight
    assert date(2025, 12, 1) == longer.cutoffs.conversations.astimezone(BEIJING).date()


def test_every_rule_and_every_kept_table_names_a_real_table():
    from bot.core.db import Base
    from bot.core.table_modules import import_all_models
    from bot.retention.purge import KEPT

    import_all_models()
    named = [rule.table for rule in RULES] + list(KEPT)
    assert len(named) == len(set(named)) and set(named) <= set(Base.metadata.tables)
    assert all(rule.why and rule.effect for rule in RULES)
