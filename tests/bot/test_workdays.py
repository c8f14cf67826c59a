from datetime import date, datetime, timezone

import pytest

from bot.core.config import PROJECT_ROOT
from bot.tickets.workdays import BEIJING, WorkingCalendar, YearSchedule

FIXTURE_YEAR = PROJECT_ROOT / "tests" / "fixtures" / "calendars"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def test_the_issue_example_saturday_complaint_is_due_on_thursday():
    deadline = WorkingCalendar().deadline(_at("2026-11-28 10:00"), 3)
    assert (deadline.counted_from, deadline.due, deadline.certain) == (date(2026, 11, 30), date(2026, 12, 3), True)


def test_before_and_after_five_pm_on_a_working_day():
    calendar = WorkingCalendar()
    assert calendar.deadline(_at("2026-11-24 16:59"), 3).due == date(2026, 11, 27)  # Tue → Fri
    assert calendar.deadline(_at("2026-11-24 17:00"), 3).due == date(2026, 11, 30)  # counts from Wed → Mon


def test_utc_times_are_taken_in_beijing_time():
    # 2026-11-24 09:30 UTC is 17:30 in Beijing: after the cut-off.
    assert WorkingCalendar().deadline(datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc), 3).due == date(2026, 11, 30)


def test_national_day_week_and_its_make_up_saturday():
    # 2026: Mid-Autumn 9-26/27 and National Day 10-1..10-7 off; Sunday 9-20 and Saturday 10-10 are working days.
    calendar = WorkingCalendar()
    assert calendar.is_workday(date(2026, 9, 20)) == (True, True)
    assert calendar.deadline(_at("2026-09-30 10:00"), 3).due == date(2026, 10, 10)  # 10-8, 10-9, Sat 10-10
    assert calendar.deadline(_at("2026-09-25 18:00"), 10).due == date(2026, 10, 16)


def test_spring_festival_with_its_weekend_working_days():
    calendar = WorkingCalendar()
    # 2026: Saturdays 2-14 and 2-28 are working days; 2-15..2-23 off.
    assert calendar.deadline(_at("2026-02-13 09:00"), 3).due == date(2026, 2, 25)  # Sat 2-14, 2-24, 2-25
    # 15 working days: Sat 2-14, 2-24..2-27, Sat 2-28, 3-2..3-6, 3-9..3-12
    assert calendar.deadline(_at("2026-02-13 09:00"), 15).due == date(2026, 3, 12)


def test_a_year_without_official_data_counts_weekends_only_and_says_so(caplog):
    calendar = WorkingCalendar()
    deadline = calendar.deadline(_at("2026-12-28 10:00"), 5)  # crosses into 2027, which the package lacks
    assert deadline.due == date(2027, 1, 4) and deadline.certain is False
    assert "2027" in caplog.text and not calendar.covers(2027) and calendar.covers(2026)
    assert calendar.deadline(_at("2026-12-21 10:00"), 3).certain is True  # stays inside 2026


def test_a_loaded_schedule_file_covers_its_year_across_the_year_end():
    calendar = WorkingCalendar.from_folders(FIXTURE_YEAR)
    assert calendar.covers(2027)
    deadline = calendar.deadline(_at("2026-12-30 10:00"), 3)  # 12-31, (1-1 off), 1-4, 1-5
    assert (deadline.due, deadline.certain) == (date(2027, 1, 5), True)
    assert calendar.deadline(_at("2027-02-05 10:00"), 2).due == date(2027, 2, 15)  # Sat 2-13 works, then Mon 2-15


def test_a_schedule_with_dates_of_another_year_is_refused(tmp_path):
    (tmp_path / "2028.yml").write_text("year: 2028\nholidays: [2027-10-01]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"2028\.yml: 以下日期不在 2028 年"):
        YearSchedule.load(tmp_path / "2028.yml")


def test_a_deployment_folder_is_read_from_the_settings(tmp_path):
    from bot.core.config import ConfigError, load_settings
    from bot.tickets.workdays import deployment_calendar

    (tmp_path / "2027.yml").write_text((FIXTURE_YEAR / "2027.yml").read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings({"WORKING_CALENDAR_DIR": str(tmp_path)}, env_file=tmp_path / "none")
    assert deployment_calendar(settings.working_calendar_dir).covers(2027)
    with pytest.raises(ConfigError, match="WORKING_CALENDAR_DIR"):
        load_settings({"WORKING_CALENDAR_DIR": str(tmp_path / "missing")}, env_file=tmp_path / "none")
