"""A complaint end to end over REST: prefill, a question in the middle, validation, correction, ticket."""

import re
import uuid

from tests.integration.conftest import say, texts

TICKET = re.compile(r"工单号 (TS\d{12})")


def test_a_complaint_is_taken_down_completely_and_gets_a_number_and_a_date(stack):
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    first = texts(say(stack, citizen, "我要投诉，楼下烧烤店天天半夜吵得人睡不着"))
    assert "在什么地方" in first  # what happened, when and who were taken from the first message
    assert "怎么称呼" in texts(say(stack, citizen, "人民路12号"))  # 楼下烧烤店 was named: not asked again
    interrupted = texts(say(stack, citizen, "对了，请问异地就医备案怎么办理？"))
    assert "怎么称呼" in interrupted  # answered or not, the form asks the same field again
    assert "联系电话" in texts(say(stack, citizen, "张先生"))
    assert "号码好像不对" in texts(say(stack, citizen, "123"))
    summary = say(stack, citizen, "13812345678")
    shown = texts(summary)
    assert "138****5678" in shown and "13812345678" not in shown and "人民路12号" in shown
    assert "持续发生（天天半夜）" in shown and "楼下烧烤店" in shown and "我要投诉" not in shown
    assert [b["payload"] for b in summary[-1]["buttons"]] == ["/affirm", "我要修改", "/cancel"]
    assert "联系电话" in texts(say(stack, citizen, "电话写错了"))
    assert "139****5678" in texts(say(stack, citizen, "13912345678"))
    notice = texts(say(stack, citizen, "/affirm"))
    assert TICKET.search(notice) and "个工作日内" in notice and "日前" in notice


def test_a_citizen_can_cancel_a_complaint_at_any_point(stack):
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    say(stack, citizen, "我要投诉")
    assert "已取消" in texts(say(stack, citizen, "算了不投诉了"))


def test_an_anonymous_report_is_taken_without_name_or_phone_and_looked_up_with_its_code(stack):
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    assert "举报的是谁" in texts(say(stack, citizen, "我要举报，青山镇有个化工厂夜里偷偷往河里排污水"))
    assert "什么时候" in texts(say(stack, citizen, "镇东头那家化工厂"))
    assert "证据" in texts(say(stack, citizen, "上周五晚上"))
    asked = say(stack, citizen, "我拍了视频")
    assert [b["title"] for b in asked[-1]["buttons"]] == ["匿名举报", "实名举报"]
    summary = texts(say(stack, citizen, "匿名"))
    assert "青山镇" in summary and "姓名" not in summary and "联系电话" not in summary
    accepted = texts(say(stack, citizen, "/affirm"))
    number = re.search(r"工单号 (JB\d{12})", accepted).group(1)
    code = re.search(r"查询码是 ([A-Z0-9]{8})", accepted).group(1)
    assert "10个工作日内" in accepted

    later = f"citizen-{uuid.uuid4().hex[:8]}"
    say(stack, later, f"查一下工单{number}")
    assert "举报" in texts(say(stack, later, code.lower()))


def test_a_suggestion_needs_no_contact(stack):
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    asked = texts(say(stack, citizen, "建议人民路地铁站出口多设几个共享单车停放点"))
    assert "联系电话" in asked and "跳过" in asked  # content and place came with the first message
    summary = texts(say(stack, citizen, "跳过"))
    assert "联系电话：未提供" in summary
    accepted = texts(say(stack, citizen, "/affirm"))
    assert re.search(r"工单号 JY\d{12}", accepted) and "15个工作日内" in accepted
