"""Hot spots (热点诉求): same-source groups and places whose tickets of the last 24 hours are well above
their usual level. The rule is written out in docs/FIGURES.md; ``alert_new_hot_spots`` (a console job)
writes an audit entry the first time a spot crosses the alert threshold in a day, and the dashboard
shows a banner while one is above it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.core.clock import utc_now
from bot.core.db import as_utc, transaction
from bot.staff.audit import SYSTEM, audit
from bot.staff.models import AuditEntry
from bot.tickets.models import Ticket, TicketGroup
from bot.tickets.same_source import appeal_of, place_key

WINDOW = timedelta(hours=24)
BASELINE_DAYS = 28  # the usual level: the average day of the 28 days before the window
HOT_MIN, HOT_FACTOR = 3, 3.0  # hot: at least 3 tickets and 3 × the usual day
ALERT_MIN, ALERT_FACTOR = 5, 5.0  # alert (banner, audit log): at least 5 tickets and 5 × the usual day
ALERT_ACTION = "hotspot.alert"


@dataclass(frozen=True)
class HotSpot:
    kind: str  # "group" (同源诉求组) or "place" (地点)
    key: str  # the group's id, or the normalised place
    label: str  # what staff read: the place as a citizen wrote it
    last_24h: int
    usual_per_day: float
    alert: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def hot_spots(factory: sessionmaker, now: datetime | None = None) -> list[HotSpot]:
    """The spots above their usual level now, alerts first, then the most tickets."""
    now = now or utc_now()
    window_start, baseline_start = now - WINDOW, now - WINDOW - timedelta(days=BASELINE_DAYS)
    with factory() as session:
        rows = session.execute(
            select(Ticket.group_id, Ticket.fields, Ticket.accepted_at).where(
                Ticket.accepted_at >= baseline_start, Ticket.accepted_at < now
            )
        ).all()
        group_ids = {group_id for group_id, _, _ in rows if group_id is not None}
        places = (
            dict(session.execute(select(TicketGroup.id, TicketGroup.place).where(TicketGroup.id.in_(group_ids))).all())
            if group_ids
            else {}
        )
    recent: Counter = Counter()
    before: Counter = Counter()
    labels: dict[tuple[str, str], str] = {}
    for group_id, fields, accepted_at in rows:
        place = appeal_of(fields or {}).place
        key = place_key(place)
        units = [("place", key)] if key else []
        if group_id is not None:
            units.append(("group", str(group_id)))
            labels.setdefault(("group", str(group_id)), places.get(group_id) or place)
        for unit in units:
            labels.setdefault(unit, place)
            (recent if as_utc(accepted_at) >= window_start else before)[unit] += 1
    spots = []
    for unit, count in recent.items():
        usual = before[unit] / BASELINE_DAYS
        if count >= max(HOT_MIN, HOT_FACTOR * usual):
            alert = count >= max(ALERT_MIN, ALERT_FACTOR * usual)
            spots.append(HotSpot(unit[0], unit[1], labels[unit], count, round(usual, 2), alert))
    return sorted(spots, key=lambda s: (not s.alert, -s.last_24h, s.kind, s.key))


def alert_new_hot_spots(factory: sessionmaker, now: datetime | None = None) -> list[HotSpot]:
    """Audit-log the spots that crossed the alert threshold and were not alerted in the last 24 hours
    (one entry per spot and day, whichever console runs the job); returns them."""
    now = now or utc_now()
    alerts = [spot for spot in hot_spots(factory, now) if spot.alert]
    if not alerts:
        return []
    with transaction(factory) as session:
        recent = set(
            session.scalars(select(AuditEntry.target_id).where(AuditEntry.action == ALERT_ACTION, AuditEntry.at >= now - WINDOW))
        )
        new = [spot for spot in alerts if f"{spot.kind}:{spot.key}" not in recent]
        for spot in new:
            audit(
                session,
                SYSTEM,
                ALERT_ACTION,
                target_type="hot_spot",
                target_id=f"{spot.kind}:{spot.key}",
                label=spot.label,
                last_24h=spot.last_24h,
                usual_per_day=spot.usual_per_day,
            )
    return new


def alerts_between(factory: sessionmaker, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The hot-spot alerts of a period (the weekly report lists them), oldest first."""
    with factory() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == ALERT_ACTION, AuditEntry.at >= start, AuditEntry.at < end)
            .order_by(AuditEntry.id)
        )
        return [{"at": as_utc(e.at), "kind": (e.target_id or "").split(":", 1)[0], **(e.detail or {})} for e in entries]
