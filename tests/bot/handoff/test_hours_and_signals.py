"""Staff hours, escalation signals, the summary staff read and the notices citizens get."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.handoff.escalation import EscalationTerms, angry_outbursts
from bot.handoff.hours import StaffHours
from bot.handoff.queue_texts import moved_notice, queued_notice, staff_joined_notice
from bot.handoff.summary import summarize


def _beijing(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 1, (hour - 8) % 24, minute, tzinfo=timezone.utc)


def test_staff_hours_by_day_across_midnight_and_around_the_clock():
    day, night, always = StaffHours.parse("08:30-20:30"), StaffHours.parse("20:00-08:00"), StaffHours.parse("00:00-24:00")
    assert day.is_open(_beijing(8, 30)) and not day.is_open(_beijing(20, 30)) and not day.is_open(_beijing(3))
    assert night.is_open(_beijing(23)) and night.is_open(_beijing(7, 59)) and not night.is_open(_beijing(12))
    assert all(always.is_open(_beijing(h)) for h in range(24))
    assert always.describe() == "00:00-24:00"


def test_sensitive_topics_and_anger_are_found_in_spaced_text():
    terms = EscalationTerms.load()
    assert terms.signals("我们 准备 集体上访").topic == "群体性事件"
    assert terms.signals("什么破机器人，气死我了").angry
    calm = terms.signals("小区垃圾桶满了没人清理，浓烟滚滚")
    assert calm.topic is None and not calm.angry


def test_a_city_supplies_its_own_words(tmp_path: Path):
    own = tmp_path / "words.yml"
    own.write_text("sensitive_topics:\n  讨薪: [欠薪]\nanger: [岂有此理]\n", encoding="utf-8")
    terms = EscalationTerms.load(own)
    assert terms.signals("老板欠薪三个月").topic == "讨薪" and terms.signals("岂有此理").angry


def test_only_messages_that_were_nothing_but_anger_count_as_outbursts():
    parse_data = [
        {"escalation": {"angry": True, "overrode": "nlu_fallback", "topic": None}},
        {"escalation": {"angry": True, "overrode": None, "topic": None}},  # angry but a real complaint
        {"escalation": {"angry": False, "overrode": None}},
        {},
    ]
    assert angry_outbursts(parse_data) == 1


def test_the_summary_names_the_intent_masks_personal_data_and_keeps_the_last_messages():
    events = [
        {"event": "user", "text": "我要投诉", "parse_data": {"intent": {"name": "complain"}}},
        {"event": "bot", "text": "请描述您要投诉的事情"},
        {"event": "user", "text": "/request_human", "parse_data": {"intent": {"name": "request_human"}}},
        {"event": "user", "text": "我电话13812345678", "parse_data": {"intent": {"name": "request_human"}}},
    ]
    slots = {"case_description": "油烟扰民", "contact_phone": "13812345678", "contact_name": "张三丰", "hotline_name": "x"}
    summary = summarize(events=events, slots=slots, active_form="complaint_form", intent_labels={"complain": "我要投诉"})
    assert summary["intent"] == "complain" and summary["intent_label"] == "我要投诉"
    assert {f["label"]: f["value"] for f in summary["fields"]} == {
        "事情经过": "油烟扰民",
        "联系电话": "138****5678",
        "姓名": "张**",
    }
    assert [m["text"] for m in summary["last_messages"]] == ["我要投诉", "请描述您要投诉的事情", "我电话138****5678"]


def test_notices_tell_the_place_and_the_wait():
    assert "您是下一位" in queued_notice(1, 3) and "3 分钟" in queued_notice(1, 3)
    assert "前面还有 2 位" in queued_notice(3, 9)
    assert "第一位" in moved_notice(1, 2) and "前面还有 1 位" in moved_notice(2, 4)
    assert staff_joined_notice("1024") == "您好，工号 1024 为您服务。"


def test_the_summary_names_every_intent_as_staff_say_it():
    events = [{"event": "user", "text": "讲个笑话", "parse_data": {"intent": {"name": "out_of_scope"}}}]
    assert summarize(events=events, slots={}, active_form=None, intent_labels={})["intent_label"] == "与热线无关的闲聊"
    assert summarize(events=[], slots={}, active_form=None, intent_labels={})["intent_label"] == "未识别"
