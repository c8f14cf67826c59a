"""The hotline's clock: Beijing time (UTC+8, no daylight saving), the instant now, and today's date.

Timestamps are stored in UTC; everything a person reads or a deadline counts is in Beijing time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def beijing_today() -> date:
    """Today's date in Beijing, whatever the machine's own zone."""
    return utc_now().astimezone(BEIJING).date()
