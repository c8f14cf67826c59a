"""The citizen's web chat page in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import re

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


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_the_page_greets_at_once_numbers_can_be_tapped_and_a_chat_with_a_ticket_is_not_lost_by_a_tap(stack, browser, size):
    from playwright.sync_api import expect

    phone = size["width"] < 600
    context = browser.new_context(locale="zh-CN", viewport=size, has_touch=phone, is_mobile=phone)
    page = context.new_page()
    page.goto(stack.webchat_url)
    profile = stack.settings.profile
    welcome = page.locator("#welcome")
    expect(welcome).to_contain_text(profile.name, timeout=30_000)  # before the citizen says anything
    expect(welcome).to_contain_text(profile.service_hours)
    expect(welcome).to_contain_text(profile.scope[0])
    placeholder = page.locator("#input").get_attribute("placeholder")
    assert ("Enter" in placeholder) is (not phone)
    expect(page.locator("#status")).to_have_text("已连接", timeout=30_000)

    page.locator("button.welcome-reply", has_text="我要投诉").click()
    expect(page.locator(".msg.bot").last).to_contain_text("请描述您要投诉的事情", timeout=30_000)
    expect(page.locator("#hint")).to_be_hidden()
    page.fill("#input", "家里着火了")
    page.press("#input", "Enter") if not phone else page.click("#send")
    call = page.locator(".msg.bot a.tel", has_text="119").last
    expect(call).to_have_attribute("href", "tel:119", timeout=30_000)

    # A ticket number in the chat: 新对话 asks first, and keeps the chat if the citizen says no.
    for text, expected in (
        ("算了不投诉了", "已取消"),
        ("我要留言", "问题"),
        ("孩子转学需要准备哪些材料，想请工作人员回电", "联系电话"),
        ("13812345678", "ZX"),
    ):
        page.fill("#input", text)
        page.click("#send")
        expect(page.locator(".msg.bot").last).to_contain_text(expected, timeout=30_000)
    number = re.search(r"ZX\d{12}", page.locator(".msg.bot").last.inner_text()).group(0)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#new-chat")
    expect(page.locator(".msg.bot", has_text=number)).to_have_count(1)
    assert asked and number in asked[0]
    context.close()


def test_a_complaint_summary_reads_as_written_and_a_wrong_lookup_check_gets_a_second_chance(stack, browser):
    from playwright.sync_api import expect

    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(stack.webchat_url)
    expect(page.locator("#status")).to_have_text("已连接", timeout=30_000)

    def say(text: str, expected: str) -> str:
        page.fill("#input", text)
        page.click("#send")
        expect(page.locator(".msg.bot").last).to_contain_text(expected, timeout=30_000)
        return page.locator(".msg.bot").last.inner_text()

    say("我要投诉，幸福路12号的烧烤店每天半夜噪音太大", "称呼")  # what, where, when and who were in the message
    say("张先生", "电话")
    say("13812345678", "确认")
    summary = page.locator(".msg.bot", has_text="请核对").last.inner_text()
    assert "时间：持续发生（每天半夜）" in summary and "涉及对象：幸福路12号的烧烤店" in summary
    assert "事情经过：幸福路12号的烧烤店每天半夜噪音太大" in summary  # without "我要投诉"
    page.locator("button.quick-reply", has_text="确认提交").last.click()
    expect(page.locator(".msg.bot").last).to_contain_text("工单号", timeout=30_000)
    number = re.search(r"TS\d{12}", page.locator(".msg.bot").last.inner_text()).group(0)

    say(f"查一下工单{number}", "完整手机号")
    say("13900001111", "完整手机号")  # the check is asked again …
    expect(page.locator(".msg.bot", has_text="还可以再试4次")).to_have_count(1)  # … after a clear answer
    expect(page.locator(".msg.bot", has_text="转接人工")).to_have_count(0)  # and nobody is handed over
    say("138 1234 5678", "答复期限")
    page.close()
