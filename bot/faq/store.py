"""Reading and changing the knowledge base; every change writes a revision and so bumps the version."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import beijing_today, utc_now
from bot.core.db import as_utc, transaction
from bot.faq.models import HOTLINE_SCOPES, STATUSES, FaqEntry, FaqFeedback, FaqRevision
from bot.staff.audit import AuditNote, write_note


@dataclass(frozen=True)
class EntryData:
    """An entry's content, independent of the database row."""

    id: str
    question: str
    answer: str
    category: str
    similar_questions: tuple[str, ...] = ()
    hotline: str = "all"
    department: str = ""
    source: str = ""
    effective_date: date | None = None
    status: str = "published"
    expires_on: date | None = None
    version: int = field(default=0, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)  # as stored; not content

    def phrasings(self) -> tuple[str, ...]:
        """The standard question first, then the similar ones."""
        return (self.question, *self.similar_questions)

    def content(self) -> dict:
        """The fields a change is about (what a revision snapshot stores)."""
        data = asdict(self)
        data.pop("version")
        data.pop("updated_at")
        data["similar_questions"] = list(self.similar_questions)
        data["effective_date"] = self.effective_date.isoformat() if self.effective_date else None
        data["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        return data


class InvalidEntry(ValueError):
    """The entry cannot be stored; the message says why (shown to editors and in import reports)."""


def check_entry(data: EntryData) -> None:
    """Raise InvalidEntry unless the entry can be served."""
    problems = []
    if not data.id.strip() or len(data.id) > 32:
        problems.append("编号应为 1–32 个字符")
    if not data.question.strip():
        problems.append("问题不能为空")
    if not data.answer.strip():
        problems.append("答案不能为空")
    if not data.category.strip():
        problems.append("分类不能为空")
    if data.hotline not in HOTLINE_SCOPES:
        problems.append(f"适用热线应为以下之一：{'、'.join(HOTLINE_SCOPES)}")
    if data.status not in STATUSES:
        problems.append(f"状态应为以下之一：{'、'.join(STATUSES)}")
    if problems:
        raise InvalidEntry("；".join(problems))


def _to_data(row: FaqEntry) -> EntryData:
    return EntryData(
        id=row.id,
        question=row.question,
        answer=row.answer,
        category=row.category,
        similar_questions=tuple(row.similar_questions or ()),
        hotline=row.hotline,
        department=row.department,
        source=row.source,
        effective_date=row.effective_date,
        status=row.status,
        expires_on=row.expires_on,
        version=row.version,
        updated_at=as_utc(row.updated_at) if row.updated_at else None,
    )


def _apply(row: FaqEntry, data: EntryData) -> None:
    row.question = data.question
    row.similar_questions = list(data.similar_questions)
    row.answer = data.answer
    row.category = data.category
    row.hotline = data.hotline
    row.department = data.department
    row.source = data.source
    row.effective_date = data.effective_date
    row.expires_on = data.expires_on
    row.status = data.status


def _revise(session: Session, row: FaqEntry, action: str, actor: str, now: datetime) -> None:
    row.updated_at = now
    row.updated_by = actor
    session.add(
        FaqRevision(
            entry_id=row.id,
            version=row.version,
            action=action,
            snapshot=_to_data(row).content(),
            changed_at=now,
            changed_by=actor,
        )
    )


def _save(session: Session, data: EntryData, actor: str, now: datetime) -> str:
    row = session.get(FaqEntry, data.id)
    if row is None:
        row = FaqEntry(id=data.id, version=1, updated_at=now, updated_by=actor)
        _apply(row, data)
        session.add(row)
        session.flush()
        _revise(session, row, "created", actor, now)
        return "created"
    if _to_data(row) == data:
        return "unchanged"
    _apply(row, data)
    row.version += 1
    _revise(session, row, "updated", actor, now)
    return "updated"


def save_entries(factory: sessionmaker, entries: list[EntryData], *, actor: str, audited: AuditNote | None = None) -> list[str]:
    """Create or update entries by id in one transaction; "created", "updated" or "unchanged" each.
    ``audited`` is written in the same transaction, with the counts of created and updated entries."""
    for data in entries:
        check_entry(data)
    now = utc_now()
    with transaction(factory) as session:
        outcomes = [_save(session, data, actor, now) for data in entries]
        write_note(session, audited, created=outcomes.count("created"), updated=outcomes.count("updated"))
        return outcomes


def save_entry(factory: sessionmaker, data: EntryData, *, actor: str) -> str:
    """Create or update one entry by id; returns "created", "updated" or "unchanged"."""
    return save_entries(factory, [data], actor=actor)[0]


def set_status(factory: sessionmaker, entry_id: str, status: str, *, actor: str, audited: AuditNote | None = None) -> EntryData:
    """Publish, retire or return an entry to draft (a new version)."""
    if status not in STATUSES:
        raise InvalidEntry(f"状态应为以下之一：{'、'.join(STATUSES)}")
    with transaction(factory) as session:
        row = session.get(FaqEntry, entry_id)
        if row is None:
            raise KeyError(entry_id)
        if row.status != status:
            row.status = status
            row.version += 1
            action = {"published": "published", "retired": "retired", "draft": "drafted"}[status]
            _revise(session, row, action, actor, utc_now())
        write_note(session, audited, version=row.version)
        return _to_data(row)


def get_entry(factory: sessionmaker, entry_id: str) -> EntryData | None:
    """The entry with this id, whatever its status."""
    with transaction(factory) as session:
        row = session.get(FaqEntry, entry_id)
        return _to_data(row) if row is not None else None


def saved_entry(factory: sessionmaker, entry_id: str) -> EntryData:
    """An entry just saved (``LookupError`` if it is gone: deleted meanwhile)."""
    entry = get_entry(factory, entry_id)
    if entry is None:
        raise LookupError(entry_id)
    return entry


def list_entries(factory: sessionmaker, *, status: str | None = None) -> list[EntryData]:
    """Entries ordered by id, optionally only those with one status."""
    query = select(FaqEntry).order_by(FaqEntry.id)
    if status is not None:
        query = query.where(FaqEntry.status == status)
    with transaction(factory) as session:
        return [_to_data(row) for row in session.scalars(query)]


def _latest_revision(session: Session) -> int:
    return int(session.scalar(select(func.max(FaqRevision.id))) or 0)


def catalogue_version(factory: sessionmaker) -> int:
    """A number that grows with every change to the knowledge base (its latest revision id)."""
    with transaction(factory) as session:
        return _latest_revision(session)


def published_snapshot(factory: sessionmaker, *, today: date | None = None) -> tuple[int, list[EntryData]]:
    """The version and the entries served on ``today`` (published, not expired), read together.

    Plain rows rather than ORM objects: the index is rebuilt from this after every edit, and at
    10,000 entries building ORM objects alone took a second.
    """
    today = today or beijing_today()
    table = FaqEntry.__table__
    with transaction(factory) as session:
        version = _latest_revision(session)
        served = (table.c.status == "published") & (table.c.expires_on.is_(None) | (table.c.expires_on > today))
        rows = session.execute(select(table).where(served).order_by(table.c.id))
        return version, [_to_data(row) for row in rows]


def revisions(factory: sessionmaker, entry_id: str) -> list[FaqRevision]:
    """An entry's revisions, oldest first."""
    with transaction(factory) as session:
        query = select(FaqRevision).where(FaqRevision.entry_id == entry_id).order_by(FaqRevision.id)
        return list(session.scalars(query))


def record_feedback(factory: sessionmaker, *, entry_id: str, helpful: bool, channel: str) -> None:
    """Store whether a served answer solved the citizen's problem (against the version served now)."""
    with transaction(factory) as session:
        row = session.get(FaqEntry, entry_id)
        if row is None:
            raise KeyError(entry_id)
        session.add(
            FaqFeedback(
                entry_id=entry_id,
                entry_version=row.version,
                helpful=helpful,
                channel=(channel or "unknown")[:32],
                created_at=utc_now(),
            )
        )


def feedback_counts(factory: sessionmaker, entry_id: str) -> tuple[int, int]:
    """(helpful, not helpful) counts for an entry."""
    with transaction(factory) as session:
        query = select(FaqFeedback.helpful, func.count()).where(FaqFeedback.entry_id == entry_id).group_by(FaqFeedback.helpful)
        counts = dict(session.execute(query).all())
        return int(counts.get(True, 0)), int(counts.get(False, 0))


class StaleEdit(Exception):
    """Someone changed the entry since the editor opened it."""

    def __init__(self, current: int, by: str) -> None:
        super().__init__(f"entry is at version {current} (changed by {by})")
        self.current, self.by = current, by


def save_checked(
    factory: sessionmaker, data: EntryData, *, expected_version: int | None, actor: str, audited: AuditNote | None = None
) -> str:
    """Create (``expected_version`` None) or update an entry only if nobody changed it meanwhile;
    ``audited`` is written in the same transaction.

    Raises:
        InvalidEntry: the content cannot be served, or a new entry's id is taken.
        StaleEdit: the stored version is not ``expected_version``.
    """
    check_entry(data)
    with transaction(factory) as session:
        outcome = save_checked_in(session, data, expected_version=expected_version, actor=actor)
        write_note(session, audited)
        return outcome


def save_checked_in(session: Session, data: EntryData, *, expected_version: int | None, actor: str) -> str:
    """``save_checked`` inside the caller's transaction (``data`` already checked)."""
    row = session.get(FaqEntry, data.id)
    if expected_version is None and row is not None:
        raise InvalidEntry(f"编号 {data.id} 已被使用")
    if expected_version is not None:
        if row is None:
            raise KeyError(data.id)
        if row.version != expected_version:
            raise StaleEdit(row.version, row.updated_by)
    return _save(session, data, actor, utc_now())


def last_content_editor(factory: sessionmaker, entry_id: str) -> str | None:
    """Who last changed what the entry says (not merely its status)."""
    with transaction(factory) as session:
        query = (
            select(FaqRevision.changed_by)
            .where(FaqRevision.entry_id == entry_id, FaqRevision.action.in_(("created", "updated", "rolled_back")))
            .order_by(FaqRevision.id.desc())
            .limit(1)
        )
        return session.scalar(query)


def restore_revision(
    factory: sessionmaker, entry_id: str, revision_id: int, *, actor: str, audited: AuditNote | None = None
) -> EntryData:
    """Make an earlier revision's content (and status) the entry's next version."""
    with transaction(factory) as session:
        revision = session.get(FaqRevision, revision_id)
        row = session.get(FaqEntry, entry_id)
        if revision is None or row is None or revision.entry_id != entry_id:
            raise KeyError(entry_id)
        snapshot = revision.snapshot
        restored = EntryData(
            id=entry_id,
            question=snapshot["question"],
            answer=snapshot["answer"],
            category=snapshot["category"],
            similar_questions=tuple(snapshot.get("similar_questions") or ()),
            hotline=snapshot["hotline"],
            department=snapshot.get("department") or "",
            source=snapshot.get("source") or "",
            effective_date=date.fromisoformat(snapshot["effective_date"]) if snapshot.get("effective_date") else None,
            status=snapshot["status"],
            expires_on=date.fromisoformat(snapshot["expires_on"]) if snapshot.get("expires_on") else None,
        )
        if _to_data(row) != restored:
            _apply(row, restored)
            row.version += 1
            _revise(session, row, "rolled_back", actor, utc_now())
        write_note(session, audited)
        return _to_data(row)
