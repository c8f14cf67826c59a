"""Working days on the official Chinese calendar: statutory holidays off, make-up days (调休) on.

The ``chinesecalendar`` package carries the State Council's schedule up to the year it was released.
Later years come from an admin who loads the published schedule in the console (stored in the
database, ``bot/tickets/calendar_years.py``; every process reads it again within
``REFRESH_SECONDS``), or from data files (``<year>.yml`` with ``holidays`` and ``workdays`` lists, in
``bot/tickets/calendars/`` or the folder ``WORKING_CALENDAR_DIR`` names). For a year with none of these, only
weekends are off: the deadline is then marked uncertain (预计), a warning is logged, and the citizen is
told the date may move with that year's holiday schedule.

When the count starts: a case accepted on a working day before 17:00 Beijing time counts from that day;
one accepted later, or on a non-working day, counts from the next working day. The deadline is the
N-th working day after that day (the day itself is not counted, as in the Civil Code's rule on periods).
So a complaint accepted on Saturday 2026-11-28 is due on Thursday 2026-12-03.
"""

from __future__ import annotations

import logging
import time as monotonic_clock
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar
import yaml

from bot.core.clock import BEIJING

logger = logging.getLogger(__name__)

CUTOFF = time(17, 0)
BUILT_IN_DIR = Path(__file__).resolve().parent / "calendars"
REFRESH_SECONDS = 30.0  # how soon a process sees a schedule an admin loaded


class ScheduleError(ValueError):
    """A year's schedule that cannot be right (the message is for the admin who loads it, in Chinese)."""


@dataclass(frozen=True)
class YearSchedule:
    """One year's official days off and make-up working days."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    @classmethod
    def load(cls, path: Path) -> YearSchedule:
        try:
            return cls.from_mapping(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, year=int(path.stem))
        except ScheduleError as exc:
            raise ScheduleError(f"{path.name}: {exc}") from None

    @classmethod
    def from_mapping(cls, raw: object, *, year: int | None = None) -> YearSchedule:
        """A schedule from the YAML layout (``year``, ``holidays``, ``workdays``), checked: every date in
        that year, make-up days on weekends, no day both off and on, some days off."""
        if not isinstance(raw, dict):
            raise ScheduleError("格式应为：year、holidays（放假日期）、workdays（调休上班日期）")
        try:
            year = int(raw.get("year") or year or 0)
        except (TypeError, ValueError):
            raise ScheduleError("年份应为四位数字") from None
        if not 2000 <= year <= 2100:
            raise ScheduleError("年份应为四位数字（2000–2100）")
        days: dict[str, frozenset[date]] = {}
        for key, name in (("holidays", "放假日期"), ("workdays", "调休上班日期")):
            items = raw.get(key) or ()
            if isinstance(items, (str, date)):
                items = [items]
            try:
                days[key] = frozenset(_dates(items))
            except (TypeError, ValueError):
                raise ScheduleError(f"{name}中有无法识别的日期（应写作 {year}-01-01 或 {year}-02-06..{year}-02-12）") from None
        return cls(year, days["holidays"], days["workdays"]).checked()

    def checked(self) -> YearSchedule:
        outside = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if outside:
            raise ScheduleError(f"以下日期不在 {self.year} 年：{'、'.join(map(str, outside))}")
        if not self.holidays:
            raise ScheduleError(f"{self.year} 年没有任何放假日期：请按国务院办公厅的放假通知填写")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ScheduleError(f"以下日期既是放假日又是调休上班日：{'、'.join(map(str, both))}")
        weekdays = sorted(d for d in self.workdays if d.weekday() < 5)
        if weekdays:
            raise ScheduleError(f"调休上班日应在周末，以下日期本来就是工作日：{'、'.join(map(str, weekdays))}")
        return self

    def as_mapping(self) -> dict[str, object]:
        """The YAML layout, dates as ISO strings in order."""
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
            "workdays": [d.isoformat() for d in sorted(self.workdays)],
        }


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

    def __init__(
        self,
        schedules: Iterable[YearSchedule] = (),
        *,
        cutoff: time = CUTOFF,
        loaded: Callable[[], Iterable[YearSchedule]] | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ) -> None:
        """``loaded``: the schedules admins loaded (read again every ``refresh_seconds``; they win over
        the files of ``schedules``)."""
        self._files = {s.year: s for s in schedules}
        self._schedules = dict(self._files)
        self._cutoff = cutoff
        self._warned: set[int] = set()
        self._loaded = loaded
        self._refresh_seconds = refresh_seconds
        self._next_refresh = 0.0

    def _schedule(self, year: int) -> YearSchedule | None:
        if self._loaded is not None and monotonic_clock.monotonic() >= self._next_refresh:
            self.refresh()
        return self._schedules.get(year)

    def refresh(self) -> None:
        """Read the loaded schedules now; if that fails (database away), keep the last ones."""
        assert self._loaded is not None
        self._next_refresh = monotonic_clock.monotonic() + self._refresh_seconds
        try:
            loaded = {s.year: s for s in self._loaded()}
        except Exception:
            logger.warning("could not read the loaded working calendars; keeping the last ones", exc_info=True)
            return
        self._schedules = self._files | loaded
        self._warned -= loaded.keys()

    @classmethod
    def from_folders(cls, *folders: Path | None, loaded: Callable[[], Iterable[YearSchedule]] | None = None) -> WorkingCalendar:
        """A calendar with every ``<year>.yml`` of the given folders (later folders win), and the
        schedules ``loaded`` returns over them."""
        schedules: dict[int, YearSchedule] = {}
        for folder in folders:
            if folder is not None and folder.is_dir():
                for path in sorted(folder.glob("*.yml")):
                    schedule = YearSchedule.load(path)
                    schedules[schedule.year] = schedule
        return cls(schedules.values(), loaded=loaded)

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(whether ``day`` is a working day, whether that is official rather than a weekend guess)."""
        schedule = self._schedule(day.year)
        if schedule is not None:
            if day in schedule.workdays:
                return True, True
            return day.weekday() < 5 and day not in schedule.holidays, True
        try:
            return bool(chinese_calendar.is_workday(day)), True
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                logger.warning(
                    "no official working-day schedule for %s: counting weekends only; "
                    "add bot/tickets/calendars/%s.yml (or WORKING_CALENDAR_DIR) once it is published",
                    day.year,
                    day.year,
                )
            return day.weekday() < 5, False

    def covers(self, year: int) -> bool:
        """Whether ``year`` has an official schedule (package, loaded by an admin, or a file)."""
        if self._schedule(year) is not None:
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


def deployment_calendar(extra_dir: Path | None, loaded: Callable[[], Iterable[YearSchedule]] | None = None) -> WorkingCalendar:
    """The calendar a deployment uses: package data, the shipped files, its own folder, then what its
    admins loaded (``loaded``: for example ``bot.tickets.calendar_years.loaded_schedules(factory)``)."""
    return WorkingCalendar.from_folders(BUILT_IN_DIR, extra_dir, loaded=loaded)
