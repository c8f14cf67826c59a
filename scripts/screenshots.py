"""Screenshots of the main pages at desktop and phone sizes for the README (``make screenshots``).

Starts the whole assistant on its own ports and a scratch SQLite file, plays a citizen (a complaint
through the web chat) and staff (console pages), and saves PNGs to ``docs/screenshots/``.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from bot.runtime.runner import own_environment, start_stack

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 800}, {"width": 390, "height": 844}
PASSWORD = "correct-horse-42"
WAIT_MS = 30_000


def _say(page, text: str, expected: str) -> None:
    from playwright.sync_api import expect

    page.fill("#input", text)
    page.click("#send")
    expect(page.locator(".msg.bot").last).to_contain_text(expected, timeout=WAIT_MS)


def _staff(browser, stack, role: str):
    from playwright.sync_api import expect

    from bot.core.db import make_engine, make_session_factory
    from bot.staff.accounts import create_user

    username = f"{role}-{uuid.uuid4().hex[:4]}"
    create_user(
        make_session_factory(make_engine(stack.settings.database_url)),
        username=username,
        staff_no=str(1000 + uuid.uuid4().int % 8000),
        role=role,
        password=PASSWORD,
        display_name="王晓",
    )
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(f"{stack.console_url}login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#who")).to_contain_text("工号", timeout=WAIT_MS)
    return page


def main() -> int:
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = own_environment(Path(tmp))
        stack = start_stack(env, Path(tmp) / "logs")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
                for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
                    page = browser.new_page(locale="zh-CN", viewport=size, is_mobile=name == "phone", has_touch=name == "phone")
                    page.goto(stack.webchat_url)
                    expect(page.locator("#status")).to_have_text("已连接", timeout=WAIT_MS)
                    page.screenshot(path=str(OUT / f"webchat-welcome-{name}.png"))
                    _say(page, "我要投诉，幸福路12号的烧烤店每天半夜噪音太大", "称呼")  # what, where, when, who: said
                    _say(page, "张先生", "电话")
                    _say(page, "13812345678", "确认")
                    page.locator("button.quick-reply", has_text="确认提交").last.click()
                    expect(page.locator(".msg.bot").last).to_contain_text("工单号", timeout=WAIT_MS)
                    page.screenshot(path=str(OUT / f"webchat-ticket-{name}.png"))
                    page.close()
                agent = _staff(browser, stack, "supervisor")
                agent.goto(f"{stack.console_url}tickets")
                agent.locator("#tickets tbody tr").first.click()
                expect(agent.locator("#d-title")).to_contain_text("TS", timeout=WAIT_MS)
                agent.screenshot(path=str(OUT / "console-tickets.png"), full_page=True)
                agent.set_viewport_size(PHONE)
                agent.screenshot(path=str(OUT / "console-tickets-phone.png"))
                agent.set_viewport_size(DESKTOP)
                agent.goto(f"{stack.console_url}dashboard")
                expect(agent.locator("#period")).to_contain_text("北京时间", timeout=WAIT_MS)
                agent.screenshot(path=str(OUT / "console-dashboard.png"), full_page=True)
                agent.goto(f"{stack.console_url}faq")
                expect(agent.locator("#entries tbody tr").first).to_be_visible(timeout=WAIT_MS)
                agent.screenshot(path=str(OUT / "console-faq.png"))
                browser.close()
        finally:
            stack.stop()
    print("\n".join(sorted(str(p.relative_to(ROOT)) for p in OUT.glob("*.png"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
