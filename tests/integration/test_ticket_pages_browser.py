"""Ticket pages in a real browser: a supervisor assigns a citizen's complaint, the department's staff
member replies, the supervisor reveals the citizen's phone (audited) and closes the ticket; the
notices the REST channel could not deliver wait in the call-back list until someone has called."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from bot.staff.models import AuditEntry
from tests.integration.conftest import notice_status, say, signed_in_page, stack_database, staff_account, texts

pytestmark = [pytest.mark.stack, pytest.mark.browser]
WAIT_MS = 30_000


def _signed_in(browser, stack, role: str, department: str = ""):
    return signed_in_page(browser, stack, staff_account(stack, role, department=department))


def _complaint(stack) -> str:
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    say(stack, citizen, "我要投诉，楼下烧烤店天天半夜吵得人睡不着")
    for answer in ("人民路12号", "张先生", "13812345678"):  # what, when and who came with the first message
        say(stack, citizen, answer)
    return re.search(r"工单号 (TS\d{12})", texts(say(stack, citizen, "/affirm"))).group(1)


def test_a_complaint_is_assigned_replied_by_the_department_and_closed(stack, browser):
    from playwright.sync_api import expect

    number = _complaint(stack)
    supervisor = _signed_in(browser, stack, "supervisor")
    supervisor.goto(f"{stack.console_url}tickets")
    supervisor.locator("#tickets tbody tr", has_text=number).click()
    expect(supervisor.locator("#d-contact")).to_have_text("张** 138****5678", timeout=WAIT_MS)
    supervisor.click("#reveal")
    expect(supervisor.locator("#d-contact")).to_have_text("张先生 13812345678", timeout=WAIT_MS)
    supervisor.select_option("#a-department", "住房和城乡建设局")
    supervisor.click("#assign")
    expect(supervisor.locator("#d-title")).to_contain_text("已派单", timeout=WAIT_MS)

    department = _signed_in(browser, stack, "department", "住房和城乡建设局")
    expect(department).to_have_url(f"{stack.console_url}tickets", timeout=WAIT_MS)
    department.locator("#tickets tbody tr", has_text=number).click()
    expect(department.locator("#d-contact")).to_have_text("张** 138****5678", timeout=WAIT_MS)
    expect(department.locator("#reveal")).to_be_hidden()
    department.click("#start")
    expect(department.locator("#d-title")).to_contain_text("处理中", timeout=WAIT_MS)
    department.fill("#a-reply", "已联系烧烤店，晚上十点后停止营业。")
    department.click("#reply")
    expect(department.locator("#d-title")).to_contain_text("已答复", timeout=WAIT_MS)

    supervisor.locator("#tickets tbody tr", has_text=number).click()
    supervisor.click("#close")
    expect(supervisor.locator("#d-title")).to_contain_text("已办结", timeout=WAIT_MS)
    expect(supervisor.locator("#d-status")).to_have_text("已完成")  # beside the buttons, not at the top
    expect(supervisor.locator("#close")).to_be_hidden()  # a closed ticket offers only what is still possible
    expect(supervisor.locator("#assign")).to_be_hidden()
    expect(supervisor.locator("#d-events")).to_contain_text("已联系烧烤店")
    expect(supervisor.locator("#d-events")).to_contain_text("工号")
    supervisor.fill("#a-note", "市民已电话确认")
    supervisor.click("#note")
    expect(supervisor.locator("#d-events")).to_contain_text("市民已电话确认", timeout=WAIT_MS)
    expect(supervisor.locator("#a-note")).to_have_value("")
    searching = _signed_in(browser, stack, "agent")
    searching.goto(f"{stack.console_url}tickets")
    searching.fill("#f-q", "138 1234 5678")
    searching.click("#filters button[type=submit]")
    expect(searching.locator("#tickets tbody tr", has_text=number)).to_be_visible(timeout=WAIT_MS)
    searching.goto(stack.console_url)
    searching.goto(f"{stack.console_url}tickets#{number}")  # a link to the ticket opens it
    expect(searching.locator("#d-title")).to_contain_text(number, timeout=WAIT_MS)
    searching.close()
    with stack_database(stack)() as session:
        reveals = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "ticket.reveal_contact", AuditEntry.target_id == number)
        ).all()
    assert len(reveals) == 1

    # The complaint came through the REST API, which cannot push: every notice is marked for a call-back.
    assert notice_status(stack, number, "closed") == "undelivered"
    supervisor.reload()
    supervisor.locator("#tickets tbody tr", has_text=number).click()
    expect(supervisor.locator("#d-notices")).to_contain_text("办结通知：未送达，需回访", timeout=WAIT_MS)
    call_back = supervisor.locator("#callbacks tbody tr", has_text=number)
    expect(call_back).to_contain_text("办结通知", timeout=WAIT_MS)  # one call covers all three notices
    expect(call_back).to_contain_text("138****5678")
    call_back.locator("button", has_text="显示号码").click()
    expect(call_back).to_contain_text("13812345678", timeout=WAIT_MS)
    call_back.locator("input").fill("已电话告知答复内容")
    call_back.locator("button.call-back-done").click()
    expect(supervisor.locator("#flash")).to_contain_text("已记录回访", timeout=WAIT_MS)
    expect(supervisor.locator("#callbacks tbody tr", has_text=number)).to_have_count(0, timeout=WAIT_MS)
    supervisor.close()
    department.close()


def test_a_co_department_answers_its_part_in_the_browser_and_the_lead_reply_carries_it(stack, browser):
    from playwright.sync_api import expect

    from bot.tickets.service import TicketDesk, TicketDraft
    from bot.tickets.workdays import deployment_calendar

    desk = TicketDesk(stack_database(stack), deployment_calendar(None), stack.settings.profile.deadlines)
    number = desk.create(
        TicketDraft(
            category="complaint",
            fields={"case_description": f"小区加装电梯迟迟不动工，独居老人下楼困难 {uuid.uuid4().hex[:6]}"},
            channel="rest",
            conversation_id=f"co-{uuid.uuid4().hex[:8]}",
            submission_key=uuid.uuid4().hex,
            phone="13812345678",
        )
    ).number
    agent = _signed_in(browser, stack, "agent")
    agent.goto(f"{stack.console_url}tickets#{number}")
    expect(agent.locator("#d-title")).to_contain_text(number, timeout=WAIT_MS)
    agent.select_option("#a-department", "住房和城乡建设局")
    agent.click("#assign")
    expect(agent.locator("#d-status")).to_have_text("已完成", timeout=WAIT_MS)
    agent.locator("#co-choices label", has_text="民政局").locator("input").check()
    agent.click("#co-save")
    expect(agent.locator("#d-co")).to_contain_text("民政局 · 待接收", timeout=WAIT_MS)

    civil = _signed_in(browser, stack, "department", department="民政局")
    civil.goto(f"{stack.console_url}tickets#{number}")
    # departments land on the ticket list: the link changes only the hash, and the page opens that ticket
    expect(civil.locator("#d-title")).to_contain_text(number, timeout=WAIT_MS)
    expect(civil.locator("#start")).to_be_hidden()  # the status flow is the lead's
    civil.click("#co-accept")
    expect(civil.locator("#d-co")).to_contain_text("民政局 · 已接收", timeout=WAIT_MS)
    civil.fill("#a-co-reply", "已为独居老人登记助行服务。")
    civil.click("#co-reply")
    expect(civil.locator("#d-co")).to_contain_text("民政局 · 已答复：已为独居老人登记助行服务。", timeout=WAIT_MS)

    housing = _signed_in(browser, stack, "department", department="住房和城乡建设局")
    housing.goto(f"{stack.console_url}tickets#{number}")
    expect(housing.locator("#d-co")).to_contain_text("已为独居老人登记助行服务", timeout=WAIT_MS)
    housing.click("#start")
    expect(housing.locator("#d-status")).to_have_text("已完成", timeout=WAIT_MS)
    housing.fill("#a-reply", "电梯加装下月开工。")
    housing.click("#reply")
    expect(housing.locator("#d-fields")).to_contain_text("协办单位答复：", timeout=WAIT_MS)
    expect(housing.locator("#d-fields")).to_contain_text("民政局：已为独居老人登记助行服务。")
    for page in (agent, civil, housing):
        page.close()


def test_staff_see_a_same_source_group_confirm_it_and_answer_it_with_one_reply(stack, browser):
    from playwright.sync_api import expect

    from bot.core.config import SameSourceRules
    from bot.tickets.same_source import SameSourceLinker
    from bot.tickets.service import TicketDesk, TicketDraft
    from bot.tickets.workdays import deployment_calendar
    from tests.integration.conftest import stack_database

    site = f"建设路{uuid.uuid4().int % 900 + 100}号工地"  # a place no other test uses
    desk = TicketDesk(
        stack_database(stack),
        deployment_calendar(None),
        stack.settings.profile.deadlines,
        linker=SameSourceLinker.for_settings(SameSourceRules()),
    )
    numbers = [
        desk.create(
            TicketDraft(
                category="complaint",
                fields={"case_description": text, "case_location": site},
                channel="rest",
                conversation_id=f"group-{uuid.uuid4().hex[:8]}",
                submission_key=uuid.uuid4().hex,
                phone="13812345678",
            )
        ).number
        for text in (f"{site}每天晚上十一点以后还在打桩，吵得睡不着", f"{site}半夜施工，噪音太大，孩子被吵醒")
    ]
    supervisor = _signed_in(browser, stack, "supervisor")
    supervisor.goto(f"{stack.console_url}tickets#{numbers[1]}")
    expect(supervisor.locator("#d-group-info")).to_contain_text("共 2 件，2 位市民反映", timeout=WAIT_MS)
    expect(supervisor.locator("#d-group-info")).to_contain_text("系统关联，待确认")
    supervisor.click("#group-confirm")
    expect(supervisor.locator("#d-group-info")).to_contain_text("已确认同源", timeout=WAIT_MS)
    for number in numbers:
        supervisor.goto(f"{stack.console_url}tickets#{number}")
        if supervisor.locator("#assign").is_visible():
            supervisor.select_option("#a-department", "城市管理局")
            supervisor.click("#assign")
            expect(supervisor.locator("#d-status")).to_have_text("已完成", timeout=WAIT_MS)
    supervisor.goto(f"{stack.console_url}tickets#{numbers[0]}")
    supervisor.click("#start")
    expect(supervisor.locator("#d-status")).to_have_text("已完成", timeout=WAIT_MS)
    supervisor.fill("#a-reply", "已责令工地夜间停工。")
    supervisor.check("#a-group-reply")
    supervisor.click("#reply")
    expect(supervisor.locator("#d-group")).to_contain_text(f"{numbers[1]} · 投诉 · 已答复", timeout=WAIT_MS)
    supervisor.close()
