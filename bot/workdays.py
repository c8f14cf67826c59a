"""Working days on the official Chinese calendar: statutory holidays off, make-up days (调休) on.

The ``chinesecalendar`` package carries the State Council's schedule up to the year it was released.
A deployment adds later years as data files (``<year>.yml`` with ``holidays`` and ``workdays`` lists,
in ``bot/calendars/`` or the folder ``WORKING_CALENDAR_DIR`` names) as soon as the schedule is
published. For a year with neither, only weekends are off: the deadline is then marked uncertain, a
warning is logged, and the citizen is told the date may move with that year's holiday schedule.

When the count starts: a case accepted on a working day before 17:00 Beijing time counts from that day;
one accepted later, or on a non-working day, counts from the next working day. The deadline is the
N-th working day after that day (the day itself is not counted, as in the Civil Code's rule on periods).
So a complaint accepted on Saturday 2026-11-28 is due on Thursday 2026-12-03.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import chinese_calendar
import yaml

logger = logging.getLogger(__name__)

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time in China
CUTOFF = time(17, 0)
BUILT_IN_DIR = Path(__file__).resolve().parent / "calendars"


@dataclass(frozen=True)
class YearSchedule:
    """One year's official days off and make-up working days."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    @classmethod
    def load(cls, path: Path) -> YearSchedule:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        year = int(raw.get("year") or path.stem)
        days = {key: frozenset(_dates(raw.get(key) or ())) for key in ("holidays", "workdays")}
        wrong = [d for d in days["holidays"] | days["workdays"] if d.year != year]
        if wrong:
            raise ValueError(f"{path.name}: dates outside {year}: {', '.join(map(str, sorted(wrong)))}")
        return cls(year, days["holidays"], days["workdays"])


def _dates(items: Iterable) -> Iterable[date]:
    """Dates from YAML: a date, or a range written "2027-02-06..2027-02-13"."""
    for item in items:
        if isinstance(item, date):
            yield item
            continue
        first, _, last = str(item).partition("..")
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if last else start
        while start <= end:
            yield start
            start += timedelta(days=1)


@dataclass(frozen=True)
class Deadline:
    """When a case must be answered."""

    counted_from: date
    due: date
    working_days: int
    certain: bool  # False if a year in between had no official schedule (weekends only)


class WorkingCalendar:
    """Decides working days from the package's data, loaded schedules, or weekends as a last resort."""

    def __init__(self, schedules: Iterable[YearSchedule] = (), *, cutoff: time = CUTOFF) -> None:
        self._schedules = {s.year: s for s in schedules}
        self._cutoff = cutoff
        self._warned: set[int] = set()

    @classmethod
    def from_folders(cls, *folders: Path | None) -> WorkingCalendar:
        """A calendar with every ``<year>.yml`` of the given folders (later folders win)."""
        schedules: dict[int, YearSchedule] = {}
        for folder in folders:
            if folder is not None and folder.is_dir():
                for path in sorted(folder.glob("*.yml")):
                    schedule = YearSchedule.load(path)
                    schedules[schedule.year] = schedule
        return cls(schedules.values())

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(whether ``day`` is a working day, whether that is official rather than a weekend guess)."""
        schedule = self._schedules.get(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True, True
            return day.weekday() < 5 and day not in schedule.holidays, True
        try:
            return bool(chinese_calendar.is_workday(day)), True
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                logger.warning("no official working-day schedule for %s: counting weekends only; "
                               "add bot/calendars/%s.yml (or WORKING_CALENDAR_DIR) once it is published", day.year, day.year)
            return day.weekday() < 5, False

    def covers(self, year: int) -> bool:
        """Whether ``year`` has an official schedule (package or loaded file)."""
        if year in self._schedules:
            return True
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def deadline(self, accepted_at: datetime, working_days: int) -> Deadline:
        """The due date of a case accepted at ``accepted_at`` (any time zone) with ``working_days`` to go."""
        if working_days < 1:
            raise ValueError("working_days must be at least 1")
        local = accepted_at.astimezone(BEIJING) if accepted_at.tzinfo else accepted_at.replace(tzinfo=BEIJING)
        day, certain = local.date(), True
        workday, known = self.is_workday(day)
        certain &= known
        if not workday or local.time() >= self._cutoff:
            day, known = self._next_workday(day)
            certain &= known
        counted_from = day
        for _ in range(working_days):
            day, known = self._next_workday(day)
            certain &= known
        return Deadline(counted_from, day, working_days, certain)

    def add_working_days(self, day: date, working_days: int) -> tuple[date, bool]:
        """The ``working_days``-th working day after ``day``, and whether the schedule was official."""
        certain = True
        for _ in range(working_days):
            day, known = self._next_workday(day)
            certain &= known
        return day, certain

    def next_workday(self, day: date) -> date:
        """The first working day after ``day``."""
        return self._next_workday(day)[0]

    def _next_workday(self, day: date) -> tuple[date, bool]:
        certain = True
        while True:
            day += timedelta(days=1)
            workday, known = self.is_workday(day)
            certain &= known
            if workday:
                return day, certain


def deployment_calendar(extra_dir: Path | None) -> WorkingCalendar:
    """The calendar a deployment uses: package data, the shipped files, then its own folder."""
    return WorkingCalendar.from_folders(BUILT_IN_DIR, extra_dir)
