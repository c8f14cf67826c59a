"""Consultations end to end: the running assistant answers from the database and follows its edits."""

import uuid

from bot.faq.store import get_entry, save_entry, set_status
from tests.integration.conftest import say, stack_database, texts, tracker, wait_for_faq_index
from tests.support.polling import wait_until


def _answered(stack, question: str, expected: str, *, timeout: float = 30.0) -> str:
    """Ask (each time as a new citizen) until the reply contains ``expected``; returns that reply."""

    def reply() -> str | None:
        text = texts(say(stack, f"citizen-{uuid.uuid4().hex[:8]}", question))
        return text if expected in text else None

    return wait_until(reply, timeout=timeout, interval=0.2, message=f"{expected!r} not answered within {timeout} s")


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


def test_an_edit_publish_and_retire_are_served_without_restart(stack):
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
    assert new_answer in _answered(stack, question, new_answer)

    set_status(factory, "MI-001", "retired", actor="editor-1")
    # Nobody asks meanwhile: the action server notices by itself. Once its index is built from the
    # knowledge base with the entry retired (it logs the build), the answer must no longer be given.
    wait_for_faq_index(stack)
    assert new_answer not in texts(say(stack, "after-retire", question))  # a retired answer is no longer given

    set_status(factory, "MI-001", "published", actor="editor-1")
    assert new_answer in _answered(stack, question, new_answer)
