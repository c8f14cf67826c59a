"""The NLU review in a real browser against the running assistant: a message the bot was unsure about
reaches the editor's list with what the bot thought, one click labels it, and the export has it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import say
from tests.integration.test_ticket_pages_browser import WAIT_MS, _signed_in
from tests.support.polling import wait_until

pytestmark = [pytest.mark.stack, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
# Lines the assistant cannot place with confidence (half-sentences, no request in them).
# Lines the current model is unsure about (fallback or below LOW_CONFIDENCE); training can make the
# model sure of one of them, which is why there are three and any one will do.
UNSURE = ("你们那边的", "这个事吧", "嗯……")


def test_an_editor_labels_what_the_bot_did_not_understand_and_exports_it(stack, browser):
    from playwright.sync_api import expect

    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    for line in UNSURE:
        say(stack, citizen, line)
    editor = _signed_in(browser, stack, "editor")
    editor.goto(f"{stack.console_url}review")
    item = (
        editor.locator(".review-item", has_text=UNSURE[0])
        .or_(editor.locator(".review-item", has_text=UNSURE[1]))
        .or_(editor.locator(".review-item", has_text=UNSURE[2]))
        .first
    )

    def listed() -> bool:  # the console collects unsure messages every few seconds; the list shows them on a reload
        if item.count():
            return True
        editor.reload()
        return False

    wait_until(listed, timeout=60, interval=2, message=f"none of {UNSURE} reached the review list")
    expect(item).to_contain_text("助手理解为", timeout=WAIT_MS)
    text = item.locator(".review-text").text_content()
    item.locator("button[data-intent='check_ticket']").click()
    expect(editor.locator("#flash")).to_have_text("已标注", timeout=WAIT_MS)
    expect(editor.locator(".review-item", has_text=text)).to_have_count(0)
    editor.click("#show-labelled")
    expect(editor.locator(".review-item", has_text=text)).to_contain_text("查一件工单", timeout=WAIT_MS)
    editor.close()

    env = {**os.environ, "DATABASE_URL": stack.settings.database_url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "nlu", "export-reviewed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    exported = yaml.safe_load(done.stdout)["nlu"]
    assert {"intent": "check_ticket", "examples": f"- {text}\n"} in exported
