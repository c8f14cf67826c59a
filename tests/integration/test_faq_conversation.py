"""Consultations end to end: the running assistant answers from the database and follows its edits."""

import time
import uuid

from bot.faq.store import get_entry, save_entry, set_status
from tests.integration.conftest import say, stack_database, texts, tracker

LIVE_WITHIN_SECONDS = 2.0


def _ask_until(stack, question: str, expected: str, *, within: float) -> tuple[str, float]:
    started = time.monotonic()
    while True:
        reply = texts(say(stack, f"citizen-{uuid.uuid4().hex[:8]}", question))
        elapsed = time.monotonic() - started
        if expected in reply or elapsed > within:
            return reply, elapsed


def test_a_consultation_is_answered_with_feedback_buttons_and_feedback_is_kept(stack):
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    replies = say(stack, sender, "请问去外地看病，医保异地就医备案要怎么弄")
    assert "国家医保服务平台" in texts(replies)
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny"]
    assert "很高兴帮到您" in texts(say(stack, sender, "/affirm"))
    events = tracker(stack, sender)["events"]
    assert [e["name"] for e in events if e["event"] == "action"][-2:] == ["action_record_faq_feedback", "action_listen"]


def test_choices_for_a_vague_question_round_trip(stack):
    sender = f"citizen-{uuid.uuid4().hex[:8]}"
    choices = say(stack, sender, "我想问社保的事情")[-1]["buttons"]
    assert choices[-1]["payload"] == "/none_of_these"
    answer = texts(say(stack, sender, choices[0]["payload"]))
    assert answer and "您是想问" not in answer
    say(stack, sender, "我想问社保的事情")
    assert "没有这个问题的可靠答案" in texts(say(stack, sender, "/none_of_these"))


def test_an_edit_publish_and_retire_are_served_within_two_seconds_without_restart(stack):
    factory = stack_database(stack)
    question = "异地就医备案怎么办理"
    say(stack, "warm-up", question)  # the action server has built its index
    entry = get_entry(factory, "MI-001")
    new_answer = f"（已更新 {uuid.uuid4().hex[:6]}）请通过国家医保服务平台App办理备案。"
    save_entry(
        factory,
        type(entry)(**{**entry.content(), "similar_questions": entry.similar_questions, "answer": new_answer}),
        actor="editor-1",
    )
    reply, elapsed = _ask_until(stack, question, new_answer, within=LIVE_WITHIN_SECONDS + 1)
    assert new_answer in reply and elapsed <= LIVE_WITHIN_SECONDS

    set_status(factory, "MI-001", "retired", actor="editor-1")
    time.sleep(LIVE_WITHIN_SECONDS)  # nobody asks meanwhile: the action server notices by itself
    assert new_answer not in texts(say(stack, "after-retire", question))  # a retired answer is no longer given

    set_status(factory, "MI-001", "published", actor="editor-1")
    reply, elapsed = _ask_until(stack, question, new_answer, within=LIVE_WITHIN_SECONDS + 1)
    assert new_answer in reply and elapsed <= LIVE_WITHIN_SECONDS
