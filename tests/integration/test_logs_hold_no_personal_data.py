"""A full conversation — a complaint with name and phone, a ticket, a handoff with more personal words —
and then not one log line of any server holds the phone number, the name or the citizen's words."""

from __future__ import annotations

import random
import re
import time
import uuid

import pytest

from tests.integration.conftest import say, texts

pytestmark = pytest.mark.stack
GIVEN = "雨晴子涵梓萱思远浩然"


def test_no_log_line_holds_a_phone_a_name_or_what_the_citizen_wrote(stack):
    rng = random.Random(uuid.uuid4().int)
    name = rng.choice(["欧阳", "司马", "上官", "诸葛"]) + "".join(rng.sample(GIVEN, 2))
    phone = "139" + "".join(rng.choice("0123456789") for _ in range(8))
    marker = "".join(rng.sample("梧桐银杏香樟玉兰海棠紫薇", 4))  # a street no other test writes
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"

    say(stack, citizen, f"我要投诉，{marker}路的烧烤店天天半夜吵得人睡不着")
    for answer in (name, phone):  # what, where, when and who came with the first message
        say(stack, citizen, answer)
    accepted = texts(say(stack, citizen, "/affirm"))
    number = re.search(r"工单号 (TS\d{12})", accepted).group(1)
    assert "已为您转接人工客服" in texts(say(stack, citizen, "转人工"))
    say(stack, citizen, f"我叫{name}，手机{phone}，住在{marker}路")
    time.sleep(1.0)  # let the servers flush what they log about these turns

    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in stack.log_dir.glob("*.log")}
    assert {"rasa.log", "actions.log", "console.log"} <= set(logs)
    assert number in logs["actions.log"]  # the logs do cover this conversation
    for file, text in logs.items():
        for secret, what in ((phone, "phone"), (name, "name"), (marker, "words")):
            lines = [line for line in text.splitlines() if secret in line]
            assert not lines, f"{file} logs the citizen's {what}: {lines[:2]}"
