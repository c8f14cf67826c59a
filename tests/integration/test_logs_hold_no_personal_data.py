"""A full conversation — a complaint with name and phone, a ticket, a handoff with more personal words —
and then not one log line of any server holds the phone number, the name or the citizen's words."""

from __future__ import annotations

import json
import random
import re
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.console.job_lease import heartbeats
from bot.handoff.transcript import ConversationEvent
from bot.messaging.conversation_ids import conversation_id
from tests.integration.conftest import say, stack_database, texts
from tests.support.polling import wait_until

pytestmark = pytest.mark.stack
GIVEN = "雨晴子涵梓萱思远浩然"
# The console's jobs that read conversations every few seconds (and may log about them).
FREQUENT_JOBS = ("handoff_queue", "ticket_notices", "nlu_review")


def _rounds_started_after(factory, moments: dict[str, datetime]) -> dict[str, datetime] | None:
    """When each job last started a round, if every one did after its moment in ``moments``."""
    beats = heartbeats(factory)
    return beats if all(job in beats and beats[job] > moments[job] for job in moments) else None


def _wait_until_everything_about_it_is_logged(stack, conversation: str, last_words: str) -> None:
    """What the servers log about a turn is not all written during it: the event writer stores it
    afterwards and the console's jobs read it on their next rounds. Wait for the last message in the
    events table, then for a whole round of each frequent job after that (a round that started later
    has ended once the next one starts)."""
    factory = stack_database(stack)

    def stored() -> bool:
        with factory() as session:
            rows = session.scalars(select(ConversationEvent.data).where(ConversationEvent.sender_id == conversation)).all()
        return any(last_words in (json.loads(row).get("text") or "") for row in rows)

    wait_until(stored, timeout=30, interval=0.2, message="the event writer did not store the last message")
    now = datetime.now(timezone.utc)
    started = wait_until(
        lambda: _rounds_started_after(factory, dict.fromkeys(FREQUENT_JOBS, now)),
        timeout=60,
        interval=0.2,
        message=f"the console's jobs {FREQUENT_JOBS} did not all run after the conversation",
    )
    wait_until(
        lambda: _rounds_started_after(factory, {job: started[job] for job in FREQUENT_JOBS}),
        timeout=60,
        interval=0.2,
        message=f"the console's jobs {FREQUENT_JOBS} did not all finish a round after the conversation",
    )


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
    # Only once everything the servers log about these turns is written does "no line holds it" mean something.
    _wait_until_everything_about_it_is_logged(stack, conversation_id("rest", citizen), f"住在{marker}路")

    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in stack.log_dir.glob("*.log")}
    assert {"rasa.log", "actions.log", "console.log"} <= set(logs)
    assert number in logs["actions.log"]  # the logs do cover this conversation
    for file, text in logs.items():
        for secret, what in ((phone, "phone"), (name, "name"), (marker, "words")):
            lines = [line for line in text.splitlines() if secret in line]
            assert not lines, f"{file} logs the citizen's {what}: {lines[:2]}"
