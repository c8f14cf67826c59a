"""Every console page in a real browser: it opens for a role allowed to, runs without a script error,
shows the server's menu for that role, and its lists and choices are filled from the server's labels.
The password page's own flow is here too (the other pages' flows have browser tests of their own)."""

from __future__ import annotations

import pytest

from bot.console.navigation import PAGES, pages_for
from bot.staff.roles import ROLE_LABELS
from bot.tickets.service import labels
from tests.integration.conftest import STAFF_PASSWORD, signed_in_page, staff_account

pytestmark = [pytest.mark.stack, pytest.mark.browser]
WAIT_MS = 30_000
# What each page shows once its script has run (the element its script fills or reveals).
READY = {
    "/console/": "#who",
    "/console/tickets": "#f-status option >> nth=1",
    "/console/faq": "#tab-entries",
    "/console/review": "#who",
    "/console/dashboard": "#who",
    "/console/audit": "#audit",
    "/console/admin": "#new-role option >> nth=1",
    "/console/password": "#password-form",
}


def _signed_in(browser, stack, member, password: str = STAFF_PASSWORD):
    """A page signed in as ``member``, and the script errors it meets from the sign-in on."""
    page = browser.new_page(locale="zh-CN")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A refused request the page answers in words is no script error (the browser logs it as one).
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" and "Failed to load resource" not in message.text else None
        ),
    )
    return signed_in_page(browser, stack, member, password, page=page), errors


def _account(stack, role: str):
    return staff_account(stack, role, department="住房和城乡建设局" if role == "department" else "")


def test_the_page_table_names_every_console_page():
    assert {href for href, _, _ in PAGES} == set(READY)


@pytest.mark.parametrize("role", ["admin", "agent", "editor", "department"])
def test_each_page_a_role_may_open_runs_cleanly_with_the_servers_menu(stack, browser, role):
    from playwright.sync_api import expect

    page, errors = _signed_in(browser, stack, _account(stack, role))
    menu = pages_for(role)
    for item in menu:
        page.goto(stack.console_url.removesuffix("/console/") + item["href"])
        expect(page.locator(READY[item["href"]]).first).to_be_attached(timeout=WAIT_MS)
        expect(page.locator("#nav a")).to_have_text([m["text"] for m in menu], timeout=WAIT_MS)
        expect(page.locator("#nav a[aria-current=page]")).to_have_text(item["text"])
    assert errors == [], errors


def test_ticket_filters_and_role_choices_are_the_servers_labels(stack, browser):
    from playwright.sync_api import expect

    page, errors = _signed_in(browser, stack, _account(stack, "admin"))
    page.goto(f"{stack.console_url}tickets")
    statuses, categories = labels()["statuses"], labels()["categories"]
    expect(page.locator("#f-status option")).to_have_text(["全部状态", *statuses.values()], timeout=WAIT_MS)
    expect(page.locator("#f-category option")).to_have_text(["全部类别", *categories.values()])
    page.select_option("#f-status", "review")  # the value the server filters by
    page.goto(f"{stack.console_url}admin")
    expect(page.locator("#new-role option")).to_have_text(list(ROLE_LABELS.values()), timeout=WAIT_MS)
    assert errors == [], errors


def test_a_staff_member_changes_their_password_and_signs_in_with_the_new_one(stack, browser):
    from playwright.sync_api import expect

    member = _account(stack, "editor")
    page, errors = _signed_in(browser, stack, member)
    page.goto(f"{stack.console_url}password")
    expect(page.locator("#who")).to_contain_text("工号", timeout=WAIT_MS)
    page.fill("#current", STAFF_PASSWORD)
    page.fill("#new", "new-horse-4242")
    page.fill("#repeat", "new-horse-4241")
    page.click("#save")
    expect(page.locator("#status")).to_have_text("两次输入的新密码不一致")
    page.fill("#current", "wrong-horse-42")
    page.fill("#repeat", "new-horse-4242")
    page.click("#save")
    expect(page.locator("#status")).not_to_have_text("", timeout=WAIT_MS)
    expect(page.locator("#status")).not_to_contain_text("密码已修改")
    page.fill("#current", STAFF_PASSWORD)
    page.fill("#new", "new-horse-4242")
    page.fill("#repeat", "new-horse-4242")
    page.click("#save")
    expect(page.locator("#status")).to_contain_text("密码已修改", timeout=WAIT_MS)
    again, again_errors = _signed_in(browser, stack, member, "new-horse-4242")
    expect(again.locator("#nav a", has_text="知识库")).to_be_visible(timeout=WAIT_MS)
    assert errors == [] and again_errors == [], errors + again_errors
