"""When something happened, from how citizens say it: 昨天下午, 上周五, 3月5号, 前天晚上8点, 两天前.

Returns a date and, when said, a time of day, resolved against "now" in Beijing time. Only the past
and today are meant (a complaint is about what happened); a date that would fall in the future is
taken from last year ("12月30号" said in January). Anything not understood returns None so that the
form can ask again instead of storing a wrong date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.clock import BEIJING

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "今早": 0, "今晚": 0, "昨天": 1, "昨日": 1, "昨晚": 1, "前天": 2, "大前天": 3}
# Part of the day → (default hour, whether a bare hour after it is in the afternoon/evening).
_PARTS = {
    "凌晨": (3, False),
    "早上": (8, False),
    "早晨": (8, False),
    "上午": (10, False),
    "中午": (12, False),
    "下午": (15, True),
    "傍晚": (18, True),
    "晚上": (20, True),
    "夜里": (23, True),
    "半夜": (0, False),
    "今早": (8, False),
    "今晚": (20, True),
    "昨晚": (20, True),
}
_NUMBER = r"[0-9零〇一二两三四五六七八九十]{1,3}"


@dataclass(frozen=True)
class When:
    """A resolved date, with the time of day when the citizen said one."""

    day: date
    at: time | None = None

    def describe(self) -> str:
        """How the summary shows it back: 2026年11月27日 15:00."""
        text = f"{self.day.year}年{self.day.month}月{self.day.day}日"
        return f"{text} {self.at.strftime('%H:%M')}" if self.at else text


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(units, 0) if units else 0)
    value = 0
    for ch in text:
        if ch not in _DIGITS:
            return None
        value = value * 10 + _DIGITS[ch]
    return value


def parse_when(text: str, now: datetime) -> When | None:
    """The date (and time) ``text`` refers to, or None if it names none."""
    local = now.astimezone(BEIJING) if now.tzinfo else now.replace(tzinfo=BEIJING)
    today = local.date()
    day = _day(text.replace(" ", ""), today)
    if day is None or day > today:
        return None
    return When(day, _time_of_day(text))


def _day(text: str, today: date) -> date | None:
    if match := re.search(rf"(?:(\d{{4}})年)?({_NUMBER})月({_NUMBER})[日号]", text):
        month, day = _number(match.group(2)), _number(match.group(3))
        year = int(match.group(1)) if match.group(1) else today.year
        try:
            result = date(year, month or 0, day or 0)
        except ValueError:
            return None
        return result.replace(year=year - 1) if result > today and not match.group(1) else result
    if match := re.search(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    if match := re.search(rf"({_NUMBER})天(?:以)?前", text):
        return today - timedelta(days=_number(match.group(1)) or 0)
    if re.search(r"(下|明|后)(?:周|星期|礼拜|天|年|个月)", text):
        return None  # the future: not when something happened
    if match := re.search(r"(上上|上|这|本)?(?:周|星期|礼拜)([一二三四五六日天末])", text):
        weekday = _WEEKDAYS[match.group(2)]
        monday = today - timedelta(days=today.weekday())
        weeks_back = {"上上": 2, "上": 1}.get(match.group(1) or "", 0)
        result = monday - timedelta(weeks=weeks_back) + timedelta(days=weekday)
        if not match.group(1) and result > today:  # "周五" said on a Wednesday: last week's
            result -= timedelta(weeks=1)
        return result
    for word in sorted(_RELATIVE_DAYS, key=len, reverse=True):
        if word in text:
            return today - timedelta(days=_RELATIVE_DAYS[word])
    if any(word in text for word in ("刚才", "刚刚", "现在", "正在")):  # "一直" is ongoing, not a day
        return today
    return None


def _time_of_day(text: str) -> time | None:
    part = next((p for p in sorted(_PARTS, key=len, reverse=True) if p in text), None)
    if match := re.search(rf"({_NUMBER})[点时:：](半|(\d{{1,2}})分?)?", text):
        hour = _number(match.group(1))
        minute = 30 if match.group(2) == "半" else int(match.group(3) or 0)
        if hour is None or hour > 24 or minute > 59:
            return None
        if part and _PARTS[part][1] and hour < 12:
            hour += 12
        return time(hour % 24, minute)
    return time(_PARTS[part][0], 0) if part else None
