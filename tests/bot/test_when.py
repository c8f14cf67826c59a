from datetime import date, datetime, time

import pytest

from bot.conversation.when import parse_when
from bot.tickets.workdays import BEIJING

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=BEIJING)  # a Saturday


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("昨天下午", date(2026, 11, 27), time(15, 0)),
        ("昨晚11点左右", date(2026, 11, 27), time(23, 0)),
        ("前天晚上8点半", date(2026, 11, 26), time(20, 30)),
        ("上周五", date(2026, 11, 20), None),
        ("周三下午三点", date(2026, 11, 25), time(15, 0)),
        ("3月5号", date(2026, 3, 5), None),
        ("十二月三十日", date(2025, 12, 30), None),  # would be in the future: last year's
        ("2026-11-01", date(2026, 11, 1), None),
        ("两天前", date(2026, 11, 26), None),
        ("今天早上", date(2026, 11, 28), time(8, 0)),
        ("刚才", date(2026, 11, 28), None),
        ("每天半夜都这样", None, None),
    ],
)
def test_how_citizens_say_when(text, day, at):
    result = parse_when(text, NOW)
    if day is None:
        assert result is None or result.day == NOW.date()
    else:
        assert (result.day, result.at) == (day, at)


@pytest.mark.parametrize("text", ["不记得了", "2月30号", "下周一", "明天", "'; DROP TABLE tickets; --", "😀"])
def test_what_is_not_a_past_date_is_not_guessed(text):
    assert parse_when(text, NOW) is None


def test_the_summary_shows_the_date_back():
    assert parse_when("昨天下午3点", NOW).describe() == "2026年11月27日 15:00"
