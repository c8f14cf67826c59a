"""What the FAQ editor needs beyond storing entries: finding and ranking them, usage counts, safe
answer text, differences between versions, import previews, and the unanswered questions."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.unanswered import UnansweredQuestion
from bot.core.clock import beijing_today, utc_now
from bot.core.db import as_utc, transaction
from bot.faq.models import FaqFeedback, FaqServe
from bot.faq.store import EntryData, InvalidEntry, check_entry, list_entries, save_checked_in
from bot.faq.transfer import parse_row, read_rows
from bot.staff.audit import AuditNote, write_note

NEVER = datetime.min.replace(tzinfo=timezone.utc)  # sorts an entry without a stored time last
_TAG = re.compile(r"<[^>]*>")
_SCRIPTISH = re.compile(r"(javascript|vbscript|data)\s*:", re.IGNORECASE)
DIFF_FIELDS = (
    "question",
    "similar_questions",
    "answer",
    "category",
    "hotline",
    "department",
    "source",
    "effective_date",
    "expires_on",
    "status",
)


def clean_text(text: str) -> str:
    """Answer and question text as plain text: tags and script URLs removed, entities decoded."""
    text = html.unescape(_TAG.sub("", text or ""))
    return _SCRIPTISH.sub("", text).replace("\r\n", "\n").strip()


def record_served(factory: sessionmaker, *, entry_id: str, version: int, channel: str) -> None:
    with transaction(factory) as session:
        session.add(FaqServe(entry_id=entry_id, entry_version=version, channel=channel[:32], served_at=utc_now()))


@dataclass(frozen=True)
class Usage:
    served: int = 0
    helpful: int = 0
    unhelpful: int = 0


def usage(factory: sessionmaker) -> dict[str, Usage]:
    """Times served and feedback per entry."""
    with factory() as session:
        served = dict(session.execute(select(FaqServe.entry_id, func.count()).group_by(FaqServe.entry_id)).all())
        feedback = session.execute(
            select(
                FaqFeedback.entry_id,
                func.sum(case((FaqFeedback.helpful.is_(True), 1), else_=0)),
                func.sum(case((FaqFeedback.helpful.is_(False), 1), else_=0)),
            ).group_by(FaqFeedback.entry_id)
        ).all()
    result = {entry: Usage(served=count) for entry, count in served.items()}
    for entry, helpful, unhelpful in feedback:
        result[entry] = Usage(result.get(entry, Usage()).served, int(helpful or 0), int(unhelpful or 0))
    return result


@dataclass(frozen=True)
class EntryFilter:
    category: str = ""
    hotline: str = ""
    department: str = ""
    status: str = ""  # draft, published, retired, or "expired"
    not_reviewed_months: int = 0


@dataclass(frozen=True)
class Listed:
    entry: EntryData
    usage: Usage
    expired: bool


def find_entries(factory: sessionmaker, wanted: EntryFilter, *, today: date | None = None) -> list[Listed]:
    """Entries matching the filter (newest change first); expired ones are marked."""
    today = today or beijing_today()
    counts = usage(factory)
    stale_before = utc_now() - timedelta(days=30 * wanted.not_reviewed_months)
    found = []
    for entry in list_entries(factory):
        expired = entry.expires_on is not None and entry.expires_on <= today
        if (
            (wanted.category and entry.category != wanted.category)
            or (wanted.hotline and entry.hotline != wanted.hotline)
            or (wanted.department and entry.department != wanted.department)
        ):
            continue
        if (wanted.status == "expired" and not expired) or (
            wanted.status not in ("", "expired") and entry.status != wanted.status
        ):
            continue
        if wanted.not_reviewed_months and (entry.updated_at or NEVER) >= stale_before:
            continue
        found.append(Listed(entry, counts.get(entry.id, Usage()), expired))
    return sorted(found, key=lambda item: item.entry.updated_at or NEVER, reverse=True)


def differences(before: dict, after: dict) -> list[dict]:
    """Field by field what changed between two revision snapshots."""
    changed = []
    for name in DIFF_FIELDS:
        old, new = before.get(name), after.get(name)
        if old != new:
            changed.append({"field": name, "before": old, "after": new})
    return changed


@dataclass(frozen=True)
class PreviewRow:
    line: int
    entry_id: str
    outcome: str  # new, changed, unchanged, rejected
    reason: str = ""
    changes: list[str] = field(default_factory=list)


def preview_import(factory: sessionmaker, path: Path) -> list[PreviewRow]:
    """What importing ``path`` would do, row by row, without changing anything."""
    stored = {entry.id: entry for entry in list_entries(factory)}
    seen: dict[str, int] = {}
    rows = []
    for line, row in read_rows(path):
        entry_id = (row.get("id") or "").strip()
        if entry_id in seen:
            rows.append(PreviewRow(line, entry_id, "rejected", f"编号 {entry_id} 已在第 {seen[entry_id]} 行出现"))
            continue
        seen[entry_id] = line
        try:
            entry = parse_row(row, stored.get(entry_id))
        except InvalidEntry as exc:
            rows.append(PreviewRow(line, entry_id, "rejected", str(exc)))
            continue
        before = stored.get(entry_id)
        if before is None:
            rows.append(PreviewRow(line, entry_id, "new"))
        elif before == entry:
            rows.append(PreviewRow(line, entry_id, "unchanged"))
        else:
            rows.append(
                PreviewRow(
                    line, entry_id, "changed", changes=[d["field"] for d in differences(before.content(), entry.content())]
                )
            )
    return rows


@dataclass(frozen=True)
class UnansweredGroup:
    keys: list[str]  # the question keys (normalised texts) merged into this group
    text: str
    count: int
    first_at: datetime
    last_at: datetime
    conversations: list[str]


SIMILAR_QUESTIONS = 0.5  # share of character pairs two questions need in common to be grouped


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _similar(a: set[str], b: set[str]) -> bool:
    return len(a & b) / len(a | b) >= SIMILAR_QUESTIONS


def unanswered_groups(factory: sessionmaker, *, limit: int = 100) -> list[UnansweredGroup]:
    """Open unanswered questions grouped by similarity (same normalised text, or most character
    pairs in common), most asked first."""
    with factory() as session:
        rows = session.scalars(
            select(UnansweredQuestion)
            .where(
                UnansweredQuestion.dismissed_at.is_(None),
                UnansweredQuestion.resolved_entry_id.is_(None),
                UnansweredQuestion.question_key.is_not(None),
            )
            .order_by(UnansweredQuestion.id)
        ).all()
    by_key: dict[str, list[UnansweredQuestion]] = {}
    for row in rows:
        by_key.setdefault(row.question_key, []).append(row)
    clusters: list[tuple[set[str], list[str]]] = []  # (character pairs of the first key, keys)
    for key in sorted(by_key, key=lambda k: -len(by_key[k])):
        pairs = _pairs(key)
        home = next((cluster for cluster in clusters if _similar(cluster[0], pairs)), None)
        if home is None:
            clusters.append((pairs, [key]))
        else:
            home[1].append(key)
    result = []
    for _, keys in clusters:
        members = sorted((m for k in keys for m in by_key[k]), key=lambda m: m.id)
        text = Counter(m.text for m in members).most_common(1)[0][0]
        conversations = list(dict.fromkeys(m.conversation_id for m in members if m.conversation_id))
        result.append(
            UnansweredGroup(
                keys, text, len(members), as_utc(members[0].created_at), as_utc(members[-1].created_at), conversations[:20]
            )
        )
    return sorted(result, key=lambda g: (-g.count, -g.last_at.timestamp()))[:limit]


def group_text(factory: sessionmaker, keys: list[str]) -> str | None:
    """The most asked wording among the open questions with these keys (None when all were dealt with)."""
    with factory() as session:
        texts = session.scalars(
            select(UnansweredQuestion.text)
            .where(
                UnansweredQuestion.question_key.in_(keys),
                UnansweredQuestion.dismissed_at.is_(None),
                UnansweredQuestion.resolved_entry_id.is_(None),
            )
            .order_by(UnansweredQuestion.id)
        ).all()
    return Counter(texts).most_common(1)[0][0] if texts else None  # ties: the earliest wording


def close_unanswered(factory: sessionmaker, keys: list[str], *, audited: AuditNote | None = None) -> int:
    """Dismiss a group of unanswered questions; returns the rows closed (``audited`` counts them)."""
    with transaction(factory) as session:
        closed = _close(session, keys, {"dismissed_at": utc_now()})
        write_note(session, audited, rows=closed)
        return closed


def answer_unanswered(
    factory: sessionmaker,
    keys: list[str],
    entry: EntryData,
    *,
    expected_version: int | None,
    actor: str,
    audited: AuditNote | None = None,
) -> None:
    """An entry now answers a group: it is created (``expected_version`` None) or updated with the group's
    question, and the group is marked answered by it, in one transaction with ``audited``.

    Raises ``InvalidEntry`` or ``StaleEdit`` as ``save_checked`` does; nothing is then changed."""
    check_entry(entry)
    with transaction(factory) as session:
        save_checked_in(session, entry, expected_version=expected_version, actor=actor)
        _close(session, keys, {"resolved_entry_id": entry.id})
        write_note(session, audited)


def _close(session: Session, keys: list[str], values: dict[str, Any]) -> int:
    return session.execute(
        update(UnansweredQuestion)
        .where(
            UnansweredQuestion.question_key.in_(keys),
            UnansweredQuestion.dismissed_at.is_(None),
            UnansweredQuestion.resolved_entry_id.is_(None),
        )
        .values(**values)
    ).rowcount
