"""Tickets end to end over REST: a question left as a message, then looked up by number and phone number."""

import re
import uuid

from tests.integration.conftest import say, texts

NUMBER = re.compile(r"\b(ZX\d{12})\b")


def test_a_declined_question_is_left_as_a_message_and_looked_up_later(stack):
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    say(stack, citizen, "没钱请律师能申请法律援助吗")  # not in the sample: choices or a decline
    declined = say(stack, citizen, "/none_of_these")
    assert [b["payload"] for b in declined[-1]["buttons"]] == ["/request_human", "/leave_message"]
    asked = texts(say(stack, citizen, "/leave_message"))
    assert "联系电话" in asked  # the question itself was kept from the declined turn
    assert "号码好像不对" in texts(say(stack, citizen, "123"))
    notice = texts(say(stack, citizen, "138 1234 5678"))
    number = NUMBER.search(notice).group(1)
    assert "咨询留言已受理" in notice and "个工作日内" in notice

    other = f"citizen-{uuid.uuid4().hex[:8]}"
    assert "完整手机号" in texts(say(stack, other, f"查一下工单{number}"))
    assert "后四位" not in texts(say(stack, other, "5678"))  # the digits staff see are no longer a check
    wrong = texts(say(stack, other, "13900001111"))
    assert "没有查到" in wrong and "还可以再试4次" in wrong and "完整手机号" in wrong  # a second chance, no transfer
    status = texts(say(stack, other, "138 1234 5678"))
    assert number in status and "咨询留言" in status and "答复期限" in status

    assert number in texts(say(stack, citizen, "我的工单"))
