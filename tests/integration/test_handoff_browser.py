"""A person takes over a web chat conversation, end to end in real browsers (citizen and agent).

Citizen: Rasa's socket.io web chat page. Agent: the staff console. Between them: the real Rasa
server (pause, staff messages through its HTTP API, resume), the action server and the database.
"""

from __future__ import annotations

import re

import pytest

from tests.integration.conftest import STAFF_PASSWORD, staff_account

pytestmark = [pytest.mark.stack, pytest.mark.browser]
WAIT_MS = 30_000


def _agent(stack) -> tuple[str, str]:
    member = staff_account(stack, "agent")
    return member.username, member.staff_no


def _send(page, text: str) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")


def test_citizen_asks_for_a_person_an_agent_claims_replies_and_hands_back(stack, browser, tmp_path):
    from playwright.sync_api import expect

    citizen = browser.new_page(locale="zh-CN")
    citizen.goto(stack.webchat_url)
    expect(citizen.locator("#status")).to_have_text("已连接", timeout=WAIT_MS)
    _send(citizen, "转人工")
    expect(citizen.locator(".msg.bot").last).to_contain_text("已为您转接人工客服", timeout=WAIT_MS)

    username, staff_no = _agent(stack)
    agent = browser.new_page(locale="zh-CN")
    agent.goto(stack.console_url)
    expect(agent).to_have_url(f"{stack.console_url}login")
    agent.fill("#username", username)
    agent.fill("#password", STAFF_PASSWORD)
    agent.click("#sign-in")
    expect(agent.locator("#who")).to_contain_text(staff_no, timeout=WAIT_MS)
    expect(agent.locator("#alert")).to_be_visible(timeout=WAIT_MS)  # the new conversation is announced
    assert int(agent.evaluate("document.body.dataset.alerts")) >= 1

    card = agent.locator("#waiting .card", has_text="市民要求转人工").last
    expect(card).to_be_visible()
    card.click()
    expect(agent.locator("#transcript .line.citizen", has_text="转人工")).to_be_visible(timeout=WAIT_MS)
    agent.click("#claim")
    expect(citizen.locator(".msg.bot").last).to_contain_text(f"工号 {staff_no} 为您服务", timeout=WAIT_MS)

    agent.fill("#reply", "您好，请问您要反映什么问题？")
    agent.click("#send")
    expect(citizen.locator(".msg.bot").last).to_contain_text("请问您要反映什么问题", timeout=WAIT_MS)
    expect(citizen.locator(".msg.bot.staff .who").last).to_have_text(f"人工客服 工号 {staff_no}")  # a person, marked

    _send(citizen, "我家楼下的路灯坏了一个星期")
    expect(agent.locator("#transcript .line.citizen").last).to_contain_text("路灯坏了一个星期", timeout=WAIT_MS)
    assert re.fullmatch(r"\d{2}:\d{2}", agent.locator("#transcript .line.citizen .at").last.inner_text())  # each message's time
    expect(agent.locator("#claimed .card").first).to_contain_text("已接入")
    bot_lines = citizen.locator(".msg.bot").count()
    agent.screenshot(path=str(tmp_path / "console.png"))

    agent.click("#hand-back")
    expect(citizen.locator(".msg.bot").last).to_contain_text("智能助手继续为您服务", timeout=WAIT_MS)
    assert citizen.locator(".msg.bot").count() == bot_lines + 1  # paused: the bot said nothing in between

    _send(citizen, "异地就医怎么备案")
    expect(citizen.locator(".msg.bot", has_text="备案").last).to_be_visible(timeout=WAIT_MS)
    citizen.screenshot(path=str(tmp_path / "webchat-handoff.png"))
    citizen.close()
    agent.close()
