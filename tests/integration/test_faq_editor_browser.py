"""The FAQ editor in a real browser, with a citizen in the web chat on the other side: a draft stays
unseen, publishing and editing reach the citizen within seconds, a rollback restores the old answer,
an import preview shows a rejected row, an unanswered question becomes an entry that answers it."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select

from bot.conversation.unanswered import UnansweredQuestion
from bot.messaging.conversation_ids import conversation_id
from tests.integration.conftest import (
    say,
    signed_in_page,
    stack_database,
    staff_account,
    tracker,
    wait_for_faq_index,
)
from tests.support.polling import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.browser]
WAIT_MS = 30_000
QUESTION = "请问城市绿道夜间照明的开放时间是几点"


class Citizen:
    def __init__(self, browser, stack) -> None:
        from playwright.sync_api import expect

        self.stack = stack
        self.page = browser.new_page(locale="zh-CN")
        self.page.goto(stack.webchat_url)
        expect(self.page.locator("#status")).to_have_text("已连接", timeout=WAIT_MS)

    def ask(self, text: str) -> str:
        """Send ``text``; the bot's first reply to it (a clarification is answered with 都不是)."""
        bots = self.page.locator(".msg.bot")
        before = bots.count()
        said_before = self._user_turns()
        self.page.fill("#input", text)
        self.page.press("#input", "Enter")
        wait_until(lambda: bots.count() > before, timeout=30, interval=0.1, message=f"no answer to {text!r}")
        # The rest of the turn: once the assistant has ended it (the conversation waits for the citizen
        # again), its later messages are on their way and cannot be taken for the next question's answer.
        wait_until(lambda: self._user_turns(ended=True) > said_before, timeout=30, message=f"the turn of {text!r} did not end")
        return bots.nth(before).inner_text()

    def ask_until(self, text: str, expected: str, timeout: float = 20) -> float:
        """Ask until the answer contains ``expected``; returns the seconds it took (printed, not asserted)."""
        started = time.monotonic()
        wait_until(
            lambda: expected in self.ask(text),
            timeout=timeout,
            interval=1,
            message=f"{expected!r} not answered within {timeout} s",
        )
        return time.monotonic() - started

    def _user_turns(self, ended: bool = False) -> int:
        """How many messages of the citizen's the assistant has taken in this page's conversation; with
        ``ended``, not counting one whose turn is still running."""
        if not self.page.locator(".msg.user").count():
            return 0  # no conversation yet (reading its tracker would start one)
        token = self.page.evaluate("localStorage.getItem('hotline.session_id')")
        events = tracker(self.stack, conversation_id("webchat", token.split(".")[0]))["events"]
        said = sum(1 for event in events if event["event"] == "user")
        running = ended and said and not (events[-1]["event"] == "action" and events[-1]["name"] == "action_listen")
        return said - 1 if running else said


def _editor_page(browser, stack):
    return signed_in_page(browser, stack, staff_account(stack, "editor"))


def _unanswered(stack, question: str) -> bool:
    """``question`` is among the unanswered questions the editor's list shows."""
    with stack_database(stack)() as session:
        return (
            session.scalar(select(UnansweredQuestion.id).where(UnansweredQuestion.text.contains(question)).limit(1)) is not None
        )


def _save(page, expect_text: str) -> None:
    from playwright.sync_api import expect

    page.click("#save")
    expect(page.locator("#save-status")).to_contain_text(expect_text, timeout=WAIT_MS)


def test_draft_publish_edit_and_rollback_reach_the_citizen_within_seconds(stack, browser, tmp_path):
    from playwright.sync_api import expect

    say(stack, f"warm-up-{uuid.uuid4().hex[:8]}", QUESTION)  # the action server has built its index (its watcher follows edits)
    editor = _editor_page(browser, stack)
    citizen = Citizen(browser, stack)
    entry_id = f"GW-{uuid.uuid4().hex[:4].upper()}"
    editor.click("#new-entry")
    editor.fill("#e-id", entry_id)
    editor.fill("#e-question", QUESTION)
    editor.fill("#e-similar", "绿道晚上开灯吗\n绿道照明时间")
    editor.fill("#e-answer", "城市绿道夜间照明每天18:00至22:00开放。")
    editor.fill("#e-category", "城市管理")
    expect(editor.locator("#preview-webchat")).to_have_text("城市绿道夜间照明每天18:00至22:00开放。", timeout=WAIT_MS)
    _save(editor, "草稿")
    wait_for_faq_index(stack)  # the action server's index is built with the draft saved: its absence now means something
    assert "18:00" not in citizen.ask(QUESTION)  # a draft is invisible

    editor.click("#publish")
    expect(editor.locator("#e-status")).to_have_text("已发布", timeout=WAIT_MS)
    published_in = citizen.ask_until(QUESTION, "18:00至22:00")

    editor.fill("#e-answer", "城市绿道夜间照明每天18:30至22:30开放。")
    asked = []
    editor.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    editor.click("#save")  # a published entry: the editor is asked first, and says no
    expect(editor.locator("#e-version")).to_have_text("2")
    assert "立即对市民生效" in asked[0] and "答案" in asked[0] and "标准问题" not in asked[0]
    editor.once("dialog", lambda dialog: dialog.accept())
    _save(editor, "已发布")
    edited_in = citizen.ask_until(QUESTION, "18:30至22:30")
    expect(editor.locator("#duplicates li")).to_have_count(0)  # an answer edit raises no near-duplicate warning

    editor.locator("#history .pick").nth(0).check()
    editor.locator("#history .pick").nth(1).check()
    editor.click("#compare")
    expect(editor.locator("#diff li").first).to_contain_text("答案：", timeout=WAIT_MS)
    expect(editor.locator("#diff ins").first).to_have_text("3")  # only the changed characters are marked: 18:00 → 18:30
    expect(editor.locator("#diff del").first).to_have_text("0")

    editor.once("dialog", lambda dialog: dialog.accept())
    editor.locator("#history tbody tr", has_text="发布").locator("button.rollback").click()
    expect(editor.locator("#flash")).to_contain_text("已回滚", timeout=WAIT_MS)
    citizen.ask_until(QUESTION, "18:00至22:00")
    print(f"published → citizen {published_in:.1f} s, edited → citizen {edited_in:.1f} s")
    editor.screenshot(path=str(tmp_path / "faq-editor.png"))
    editor.close()
    citizen.page.close()


def test_an_import_preview_shows_a_rejected_row_with_its_reason(stack, browser, tmp_path):
    from playwright.sync_api import expect

    upload = tmp_path / "faq.csv"
    upload.write_text(
        "id,question,similar_questions,answer,category,hotline\nIMP-1,新的问题,,新的答复,其他,all\nIMP-2,,,,其他,all\n",
        encoding="utf-8",
    )
    editor = _editor_page(browser, stack)
    editor.click("button[data-tab=bulk]")
    editor.set_input_files("#import-file", str(upload))
    editor.click("#import-form button")
    rejected = editor.locator("#import-rows tr.outcome-rejected")
    expect(rejected).to_contain_text("问题不能为空", timeout=WAIT_MS)
    expect(editor.locator("#import-counts")).to_contain_text("新增 1", timeout=WAIT_MS)
    editor.close()


def test_an_unanswered_question_becomes_an_entry_that_then_answers_it(stack, browser):
    from playwright.sync_api import expect

    citizen = Citizen(browser, stack)
    question = "公园草坪上放风筝是怎么规定的"
    first = citizen.ask(question)
    if "都不是" in first:  # unsure: the citizen says none of the choices fits, which records it too
        citizen.page.locator("button.quick-reply", has_text="都不是").last.click()
    wait_until(lambda: _unanswered(stack, question), timeout=30, interval=0.2, message=f"{question!r} not recorded as unanswered")
    editor = _editor_page(browser, stack)
    editor.click("button[data-tab=unanswered]")
    row = editor.locator("#unanswered tbody tr", has_text=question)
    expect(row).to_be_visible(timeout=WAIT_MS)
    row.locator("button.to-draft").click()
    expect(editor.locator("#e-question")).to_have_value(question, timeout=WAIT_MS)
    editor.fill("#e-answer", "公园草坪可以在指定的开放区域放风筝，请远离电线和人群。")
    editor.fill("#e-category", "城市管理")
    _save(editor, "草稿")
    editor.click("#publish")
    expect(editor.locator("#e-status")).to_have_text("已发布", timeout=WAIT_MS)
    citizen.ask_until(question, "指定的开放区域")
    editor.close()
    citizen.page.close()
