"""What the complaint, report and suggestion forms know without Rasa: fields, prefill, corrections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import yaml

from bot.conversation.validation import meaningful_chars
from bot.conversation.when import parse_when

FIELDS_FILE = Path(__file__).with_name("case_fields.yml")
NOT_GIVEN = "未提供"
ONGOING = re.compile(r"每天|天天|经常|一直|长期|总是|每晚|每到|持续|好几天|这几天|最近")
_AMOUNT = r"[一二两三四五六七八九十半几\d]+个?(?:多)?(?:月|周|星期|礼拜|天|年|小时)(?:了|多)?"
_PART_OF_DAY = r"(?:半夜|深夜|凌晨|早上|上午|中午|下午|傍晚|晚上|夜里|夜间|周末|节假日)"
# The phrase that says when ongoing trouble happens: "每天半夜", "最近一个月", "持续两周了", "一直".
_ONGOING_PHRASE = re.compile(
    rf"(?:每天|天天|每晚|每到|经常|总是|长期|一直)(?:都)?{_PART_OF_DAY}?(?:{_PART_OF_DAY})?"
    rf"|(?:最近|这|持续了?|已经)(?:{_AMOUNT}|几天|段时间)|好几天|这几天|最近|持续"
)
DESCRIBED_TIME = re.compile(r"^(持续发生（[^（）]*）|\d{4}年\d{1,2}月\d{1,2}日.*)$")  # what describe_time writes
# "我要投诉" and the like before the account itself: the ticket keeps what happened, not the request.
_REQUEST_PREFIX = re.compile(
    r"^(?:您好|你好)?[，,。\s]*(?:我)?(?:要|想)?(?:投诉|举报|反映|反应|建议)(?:一下|个事|一件事)?[，,:：\s]*"
)
# Who is involved, as a first message names it: "幸福路烧烤店", "XX建筑公司", "隔壁工地".
_PARTY = re.compile(
    r"([\u4e00-\u9fa5A-Za-z0-9]{0,8}?)(烧烤店|饭店|餐馆|餐厅|饭馆|小吃店|超市|商场|公司|工厂|厂|工地|物业|学校|幼儿园|医院|"
    r"诊所|药店|酒吧|KTV|ktv|网吧|歌厅|健身房|培训机构|中介|4S店|店)"
)
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
    """When it happened, as the summary shows it: a date, or 持续发生（每天半夜） for ongoing trouble; None
    if unclear. What it wrote before comes back unchanged (a prefilled field is validated again)."""
    text = (text or "").strip()
    if DESCRIBED_TIME.match(text):
        return text
    when = parse_when(text, now)
    if when is not None:
        return when.describe()
    if match := _ONGOING_PHRASE.search(text):
        return f"持续发生（{match.group(0).rstrip('都')}）"
    if ONGOING.search(text):
        return "持续发生"
    return None


def account_of(text: str) -> str:
    """The citizen's account without the request in front of it: "我要投诉，幸福路…" → "幸福路…"."""
    stripped = _REQUEST_PREFIX.sub("", (text or "").strip(), count=1)
    return stripped if meaningful_chars(stripped) >= 4 else (text or "").strip()


def find_party(text: str) -> str | None:
    """Who is involved, when a first message names a business or site with something that tells it
    apart ("幸福路烧烤店", "楼下的餐馆"; not a bare "化工厂"), else None."""
    match = _PARTY.search(account_of(text))
    if not match:
        return None
    # "门口新开了一家烧烤店" names no one in particular; "幸福路烧烤店", "楼下的餐馆" do.
    qualifier = re.sub(r"^.*?(?:开了一家|新开的|一家|这家|那家|有家|有个|有一个|一个)", "", match.group(1))
    return qualifier + match.group(2) if meaningful_chars(qualifier) >= 2 else None


def prefill(text: str, now: datetime) -> dict[str, str]:
    """Fields a first message already answers: 'XX路的餐馆每天半夜噪音扰民' gives description, place, time."""
    if not describes_something(text):
        return {}
    fields = {"case_description": account_of(text)}
    if place := find_place(text):
        fields["case_location"] = place
    if when := describe_time(text, now):
        fields["case_time"] = when
    if party := find_party(text):
        fields["case_party"] = party
    return fields


def correction(text: str) -> tuple[str, str | None] | None:
    """Which field "电话写错了" / "地址改成人民路8号" changes, and the new value if one was given."""
    for slot, words in _config()["correction_words"].items():
        if any(word in (text or "") for word in words):
            match = re.search(r"(?:改成|改为|换成|应该是|是)[:：]?\s*(.+)$", text)
            value = match.group(1).strip(" 。.！!") if match else None
            return slot, value or None
    return None
