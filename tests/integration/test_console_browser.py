"""The console's accounts in a real browser: an admin adds an agent, who signs in; roles shape the page."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import STAFF_PASSWORD, stack_database, staff_account

pytestmark = [pytest.mark.stack, pytest.mark.browser]
WAIT_MS = 30_000


def _account(stack, role: str) -> str:
    return staff_account(stack, role).username


def _sign_in(page, stack, username: str, password: str = STAFF_PASSWORD) -> None:
    page.goto(f"{stack.console_url}login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in")


def test_an_admin_adds_an_agent_who_signs_in_and_the_audit_log_shows_both(stack, browser):
    from playwright.sync_api import expect

    admin = browser.new_page(locale="zh-CN")
    _sign_in(admin, stack, _account(stack, "admin"))
    expect(admin.locator("#nav a", has_text="账号与部门")).to_be_visible(timeout=WAIT_MS)
    admin.click("#nav >> text=账号与部门")  # accounts have a page of their own, apart from the queue
    expect(admin.locator("#admin-panel")).to_be_visible(timeout=WAIT_MS)
    new_agent = f"agent-{uuid.uuid4().hex[:6]}"
    admin.fill("#new-username", new_agent)
    admin.fill("#new-staff-no", "7788")
    admin.fill("#new-name", "王小明")
    admin.select_option("#new-role", "agent")
    admin.fill("#new-password", "short")
    admin.click("#user-form button")
    expect(admin.locator("#user-status")).to_contain_text("至少需要", timeout=WAIT_MS)
    admin.fill("#new-password", STAFF_PASSWORD)
    admin.click("#user-form button")
    expect(admin.locator("#users tbody")).to_contain_text(new_agent, timeout=WAIT_MS)

    agent = browser.new_page(locale="zh-CN")
    _sign_in(agent, stack, new_agent)
    expect(agent.locator("#who")).to_contain_text("工号 7788", timeout=WAIT_MS)
    expect(agent.locator("#workspace")).to_be_visible()
    expect(agent.locator("#nav a", has_text="账号与部门")).to_have_count(0)
    admin.click("#nav >> text=操作日志")
    expect(admin.locator("#audit tbody")).to_contain_text("登录", timeout=WAIT_MS)
    expect(admin.locator("#audit tbody")).to_contain_text("新建账号")
    expect(admin.locator("#audit tbody")).not_to_contain_text("auth.sign_in")  # staff read sentences, not codes
    agent.click("#logout")
    expect(agent).to_have_url(f"{stack.console_url}login", timeout=WAIT_MS)
    agent.goto(stack.console_url)
    expect(agent).to_have_url(f"{stack.console_url}login")  # the session is gone
    admin.close()
    agent.close()


def test_an_editor_lands_on_the_knowledge_base_not_the_conversations_and_a_wrong_password_is_refused(stack, browser):
    from playwright.sync_api import expect

    page = browser.new_page(locale="zh-CN")
    editor = _account(stack, "editor")
    _sign_in(page, stack, editor, "wrong-password-1")
    expect(page.locator(".error")).to_have_text("用户名或密码错误", timeout=WAIT_MS)
    _sign_in(page, stack, editor)
    expect(page).to_have_url(f"{stack.console_url}faq", timeout=WAIT_MS)
    # one navigation on every page, with what this role may open and nothing else
    expect(page.locator("#nav a")).to_have_text(["知识库", "待标注消息", "修改密码"])
    expect(page.locator("#nav a[aria-current=page]")).to_have_text("知识库")
    refused = page.goto(stack.console_url.removesuffix("/console/") + "/console/api/queue")
    assert refused.status == 403 and "无权" in page.inner_text("body")
    page.close()


def test_an_editor_changes_their_password_on_the_password_page_and_signs_in_with_it(stack, browser):
    from playwright.sync_api import expect

    editor = _account(stack, "editor")
    page = browser.new_page(locale="zh-CN")
    _sign_in(page, stack, editor)
    expect(page).to_have_url(f"{stack.console_url}faq", timeout=WAIT_MS)
    page.click("text=修改密码")
    expect(page.locator("#who")).to_contain_text("工号", timeout=WAIT_MS)
    page.fill("#current", STAFF_PASSWORD)
    page.fill("#new", "fresh-horse-2027")
    page.fill("#repeat", "fresh-horse-2026")
    page.click("#save")
    expect(page.locator("#status")).to_have_text("两次输入的新密码不一致")
    page.fill("#repeat", "fresh-horse-2027")
    page.click("#save")
    expect(page.locator("#status")).to_contain_text("密码已修改", timeout=WAIT_MS)
    page.context.clear_cookies()
    _sign_in(page, stack, editor, "fresh-horse-2027")
    expect(page).to_have_url(f"{stack.console_url}faq", timeout=WAIT_MS)
    page.close()


def test_times_staff_read_are_beijing_time_whatever_the_browsers_zone(stack, browser):
    from datetime import datetime, timedelta

    from playwright.sync_api import expect

    from bot.tickets.workdays import BEIJING

    admin = browser.new_page(locale="zh-CN", timezone_id="America/New_York")  # 13 hours behind Beijing
    _sign_in(admin, stack, _account(stack, "admin"))
    expect(admin.locator("#who")).to_contain_text("工号", timeout=WAIT_MS)
    admin.goto(f"{stack.console_url}audit")
    expect(admin.locator("#audit tbody")).to_contain_text("登录", timeout=WAIT_MS)
    first_time = admin.locator("#audit tbody tr td").first.inner_text()
    now = datetime.now(BEIJING)
    assert first_time[:13] in {(now - timedelta(minutes=m)).strftime("%Y-%m-%d %H") for m in (0, 1, 2)}
    admin.close()


def test_an_admin_is_warned_about_a_missing_holiday_schedule_and_loads_a_year_in_the_form(stack, browser):
    from datetime import datetime

    from playwright.sync_api import expect

    from bot.tickets.calendar_years import loaded_schedules, missing_years
    from bot.tickets.workdays import BEIJING, deployment_calendar

    factory = stack_database(stack)
    missing = missing_years(deployment_calendar(None, loaded_schedules(factory)), datetime.now(BEIJING).date())
    admin = browser.new_page(locale="zh-CN")
    _sign_in(admin, stack, _account(stack, "admin"))
    expect(admin.locator("#who")).to_contain_text("工号", timeout=WAIT_MS)
    admin.goto(f"{stack.console_url}admin")
    expect(admin.locator("#calendar-years tbody tr")).not_to_have_count(0, timeout=WAIT_MS)
    if missing:  # from November while next year is not loaded (as on the day this was written)
        expect(admin.locator("#warnings")).to_contain_text(f"{missing[0]} 年的法定节假日安排", timeout=WAIT_MS)
    else:
        expect(admin.locator("#warnings")).to_have_count(0)
    # 2031: a year no other test counts with; the dates are made up
    admin.fill("#cal-year", "2031")
    admin.fill("#cal-holidays", "2031-01-01\n2031-01-22 至 2031-01-28")
    admin.fill("#cal-workdays", "2031-01-20")  # a Monday: refused
    admin.click("#cal-save")
    expect(admin.locator("#calendar-status")).to_contain_text("本来就是工作日", timeout=WAIT_MS)
    admin.fill("#cal-workdays", "2031-01-19")
    admin.fill("#cal-source", "测试用安排")
    admin.click("#cal-save")
    expect(admin.locator("#calendar-status")).to_contain_text("已载入 2031 年：放假 8 天，调休上班 1 天", timeout=WAIT_MS)
    row = admin.locator("#calendar-years tbody tr", has_text="2031")
    expect(row).to_contain_text("已载入")
    expect(row).to_contain_text("测试用安排")
    admin.close()
