"""The citizen's web chat page in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.stack, pytest.mark.browser]
def test_citizen_greets_sees_the_greeting_clicks_a_button_and_keeps_the_chat_after_reload(stack, browser, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_page(locale="zh-CN")
    page.goto(stack.webchat_url)
    expect(page.locator("#status")).to_have_text("已连接", timeout=30_000)
    expect(page.locator("#hotline-name")).to_contain_text(stack.settings.profile.number)

    page.fill("#input", "你好")
    page.press("#input", "Enter")
    expect(page.locator(".msg.user").last).to_contain_text("你好")
    expect(page.locator(".msg.bot").first).to_contain_text(stack.settings.profile.name, timeout=30_000)

    expect(page.locator("button.quick-reply", has_text="我要投诉")).to_be_visible()
    greeting_messages = page.locator(".msg.bot").count()
    page.locator("button.quick-reply", has_text="我要投诉").click()
    expect(page.locator(".msg.user").last).to_contain_text("我要投诉")
    expect(page.locator(".msg.bot")).to_have_count(greeting_messages + 1, timeout=30_000)
    expect(page.locator(".msg.bot").last).to_contain_text("请描述您要投诉的事情")
    expect(page.locator("button.quick-reply", has_text="我要投诉")).to_be_disabled()
    bot_messages = greeting_messages + 1
    page.screenshot(path=str(tmp_path / "webchat.png"))

    page.reload()
    expect(page.locator("#status")).to_have_text("已连接", timeout=30_000)
    expect(page.locator(".msg.bot")).to_have_count(bot_messages)
    page.fill("#input", "算了不投诉了")  # the same conversation goes on after the reload
    page.press("#input", "Enter")
    expect(page.locator(".msg.bot").last).to_contain_text("已取消", timeout=30_000)
    page.close()
