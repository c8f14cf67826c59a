"""What the complaint, report and suggestion forms know without Rasa: fields, prefill, corrections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml

from bot.validation import meaningful_chars
from bot.when import parse_when

FIELDS_FILE = Path(__file__).with_name("case_fields.yml")
CATEGORY_OF_FORM = {"complaint_form": "complaint", "report_form": "report", "suggestion_form": "suggestion"}
NOT_GIVEN = "未提供"
ONGOING = re.compile(r"每天|天天|经常|一直|长期|总是|每晚|每到|持续|好几天|这几天|最近")
# A place as citizens name it: "XX路(12号)", "XX小区", "XX村" … after a boundary (time words, 在, 我家 …).
_PLACE = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{1,10}?(?:路|街|大道|巷|胡同|小区|花园|新村|村|镇|乡|广场|市场|公园|大厦|商场|医院|学校|车站|地铁站)"
    r"(?:[0-9一二三四五六七八九十]+号)?)"
)
_PLACE_BOUNDARY = re.compile(
    r"今天|昨天|前天|上周.|这周.|星期.|周[一二三四五六日天末]|上午|下午|晚上|凌晨|中午|早上|半夜|每天|天天|经常|一直|最近"
    r"|\d+月\d+[日号]|\d+点|我家|我们|楼下|楼上|门口|附近|旁边|对面|建议|投诉|举报|反映|希望|要求"
    r"|[在我你他她的是了把被，。,.！!？?\s]"
)
_GENERIC_REQUEST = re.compile(r"^(我)?(要|想)?(投诉|举报|建议|提建议|提个建议|反映|反映问题|反映个问题)[一下个吧啊。！!.]*$")


@dataclass(frozen=True)
class FormSpec:
    """The fields of one form, in the order they are asked, and which may be skipped."""

    category: str
    fields: tuple[str, ...]
    optional: frozenset[str]


@lru_cache(maxsize=1)
def _config() -> dict:
    return yaml.safe_load(FIELDS_FILE.read_text(encoding="utf-8"))


def form_spec(category: str) -> FormSpec:
    config = _config()
    return FormSpec(category, tuple(config["forms"][category]), frozenset(config.get("optional", {}).get(category) or ()))


def field_label(slot: str) -> str:
    """How staff and citizens read a field's name; a field without a label shows its name."""
    return _config()["labels"].get(slot, slot)


def describes_something(text: str) -> bool:
    """Whether a first message says what happened (not just "我要投诉")."""
    stripped = (text or "").strip()
    return meaningful_chars(stripped) >= 6 and not _GENERIC_REQUEST.match(stripped)


def find_place(text: str) -> str | None:
    """A place named in the text ("XX路的餐馆…" → "XX路"), or None."""
    match = _PLACE.search(_PLACE_BOUNDARY.sub(" ", text or ""))
    return match.group(1) if match else None


def describe_time(text: str, now: datetime) -> str | None:
    """When it happened, as the summary shows it: a date, or 持续发生 for ongoing trouble; None if unclear."""
    when = parse_when(text, now)
    if when is not None:
        return when.describe()
    if match := ONGOING.search(text or ""):
        return f"持续发生（{_clause_around(text, match.start())}）"
    return None


def _clause_around(text: str, at: int, limit: int = 16) -> str:
    """The clause of ``text`` (between punctuation) holding position ``at``, from there, at most ``limit``
    characters: "…从今年十月开始，每天晚上营业到凌晨，…" → "每天晚上营业到凌晨"."""
    end = re.search(r"[，。！？；,.!?;\n]", text[at:])
    return text[at : at + (end.start() if end else len(text))][:limit].strip()


def prefill(text: str, now: datetime) -> dict[str, str]:
    """Fields a first message already answers: 'XX路的餐馆每天半夜噪音扰民' gives description, place, time."""
    if not describes_something(text):
        return {}
    fields = {"case_description": text.strip()}
    if place := find_place(text):
        fields["case_location"] = place
    if when := describe_time(text, now):
        fields["case_time"] = when
    return fields


def correction(text: str) -> tuple[str, str | None] | None:
    """Which field "电话写错了" / "地址改成人民路8号" changes, and the new value if one was given."""
    for slot, words in _config()["correction_words"].items():
        if any(word in (text or "") for word in words):
            match = re.search(r"(?:改成|改为|换成|应该是|是)[:：]?\s*(.+)$", text)
            value = match.group(1).strip(" 。.！!") if match else None
            return slot, value or None
    return None
