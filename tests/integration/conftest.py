"""A running assistant (action server + Rasa server) for end-to-end tests, started like `make run`."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from bot.core.db import make_engine, make_session_factory
from bot.faq.store import catalogue_version
from bot.messaging.conversation_ids import channel_user, conversation_id
from bot.runtime.runner import Stack, own_environment, start_stack
from tests.conftest import IN_CI
from tests.support.polling import wait_until

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


_STAFF_NUMBERS = itertools.count(10000)


def unique_staff_no() -> str:
    """A 工号 no other account of this test run has (the stack's database is shared by the run)."""
    return str(next(_STAFF_NUMBERS))


STAFF_PASSWORD = "correct-horse-42"
# Sign-in lands on the queue, whose script sends editors and departments on to their own page.
LANDING = {"editor": "faq", "department": "tickets"}


def staff_account(stack: Stack, role: str, *, department: str = ""):
    """A new staff account on the running assistant (username ``<role>-<hex>``, a unique 工号, STAFF_PASSWORD)."""
    from bot.staff.accounts import create_user

    return create_user(
        stack_database(stack),
        username=f"{role}-{uuid.uuid4().hex[:6]}",
        staff_no=unique_staff_no(),
        role=role,
        password=STAFF_PASSWORD,
        department=department,
    )


def signed_in_page(browser, stack: Stack, member, password: str = STAFF_PASSWORD, page=None):
    """A console page (new, or ``page``) signed in as ``member``, once its role's landing page has run its
    script (the next navigation then does not cut into a redirect)."""
    from playwright.sync_api import expect

    page = page or browser.new_page(locale="zh-CN")
    page.goto(f"{stack.console_url}login")
    page.fill("#username", member.username)
    page.fill("#password", password)
    page.click("#sign-in")
    expect(page).to_have_url(stack.console_url + LANDING.get(member.role, ""), timeout=30_000)
    expect(page.locator("#nav a").first).to_be_visible(timeout=30_000)
    return page


def stack_database(stack: Stack):
    """Sessions on the running assistant's database (to change what it serves, as an editor would)."""
    return make_session_factory(make_engine(stack.settings.database_url))


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """One embedded-mode assistant shared by the end-to-end tests of a run."""
    tmp_dir = tmp_path_factory.mktemp("stack")
    running = start_stack(own_environment(tmp_dir), tmp_dir / "logs")
    yield running
    running.stop()


def say(stack: Stack, sender: str, message: str) -> list[dict]:
    """Send one message through Rasa's REST channel; returns the bot's replies."""
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {stack.token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def faq_index_version(stack: Stack) -> int:
    """The newest knowledge base version the action server built its FAQ index from (it logs every
    build: "FAQ index: version N, …"); -1 before the first."""
    log = (stack.log_dir / "actions.log").read_text(encoding="utf-8", errors="replace")
    return max((int(version) for version in re.findall(r"FAQ index: version (\d+),", log)), default=-1)


def wait_for_faq_index(stack: Stack, timeout: float = 30.0) -> None:
    """Wait until the action server's FAQ index is built from the knowledge base as it is now (every
    change made so far), without asking it anything: its watcher follows the database by itself once
    the index exists (after the first FAQ question)."""
    latest = catalogue_version(stack_database(stack))
    wait_until(
        lambda: faq_index_version(stack) >= latest,
        timeout=timeout,
        interval=0.2,
        message=f"the action server's FAQ index did not reach knowledge base version {latest} within {timeout} s",
    )


def texts(replies: list[dict]) -> str:
    """All reply texts joined, for assertions on what the citizen reads."""
    return "\n".join(r.get("text", "") for r in replies)


def tracker(stack: Stack, sender: str) -> dict:
    """The conversation's tracker through the JWT-protected HTTP API (a bare sender is a REST one)."""
    conversation = sender if channel_user(sender) != sender else conversation_id("rest", sender)
    request = urllib.request.Request(f"{stack.rasa_url}/conversations/{conversation}/tracker", headers=stack.api_headers())
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium driven by Playwright (never a downloaded browser)."""
    chromium = shutil.which("chromium")
    if not chromium:
        if IN_CI:
            pytest.fail("chromium is not installed, but CI=true requires it (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def handle_ticket(stack: Stack, number: str, *steps: str, reply: str = "已联系商家整改，噪音问题已处理。") -> None:
    """Staff move a ticket along (as the console does), so the running console's notice job tells the citizen."""
    from bot.tickets.handling import TicketHandling
    from bot.tickets.workdays import deployment_calendar

    factory = stack_database(stack)
    member = staff_account(stack, "supervisor")
    handling = TicketHandling(factory, deployment_calendar(stack.settings.working_calendar_dir))
    for step in steps:
        handling.act(member, number, step, department="住房和城乡建设局", text=reply)


def notice_status(stack: Stack, number: str, kind: str, timeout: float = 30.0) -> str:
    """How the notice of ``kind`` about ``number`` ended, once the console's job has dealt with it."""
    import time

    from sqlalchemy import select

    from bot.tickets.models import Ticket, TicketNotice

    deadline = time.monotonic() + timeout
    while True:
        with stack_database(stack)() as session:
            status = session.scalar(
                select(TicketNotice.status)
                .join(Ticket, Ticket.id == TicketNotice.ticket_id)
                .where(Ticket.number == number, TicketNotice.kind == kind)
                .order_by(TicketNotice.id.desc())
            )
        if status not in (None, "pending", "sending") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def ticket_for(stack: Stack, channel: str, conversation_id: str) -> str:
    """A complaint taken down for this channel user (whose conversation already exists in the assistant)."""
    from bot.tickets.service import TicketDesk, TicketDraft
    from bot.tickets.workdays import deployment_calendar

    desk = TicketDesk(
        stack_database(stack), deployment_calendar(stack.settings.working_calendar_dir), stack.settings.profile.deadlines
    )
    fields = {
        "case_description": "小区电梯经常停运",
        "case_location": "幸福小区3栋",
        "case_time": "这个月",
        "case_party": "物业公司",
    }
    draft = TicketDraft(
        category="complaint",
        fields=fields,
        channel=channel,
        conversation_id=conversation_id,
        submission_key=f"{channel}-{conversation_id}-{uuid.uuid4().hex[:6]}",
        name="王先生",
        phone="13812345678",
    )
    return desk.create(draft).number
