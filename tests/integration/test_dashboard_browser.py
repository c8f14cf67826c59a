"""The supervision dashboard in a real browser against the running assistant: the figure cards and SVG
charts show, a complaint made through the assistant is counted, the Excel export downloads and opens,
and the weekly report opens."""

from __future__ import annotations

import re

import pytest

from tests.integration.test_ticket_pages_browser import WAIT_MS, _complaint, _signed_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]
CARDS = {  # figure card → what it may show
    "f-tickets": r"\d+",
    "f-self-service": r"\d+\.\d%|—",
    "f-handoff-rate": r"\d+\.\d%|—",
    "f-on-time": r"\d+\.\d%|—",
    "f-satisfaction": r"\d+\.\d%|—",
    "f-dispatch": r"\d+\.\d%|—",
    "f-reopen": r"\d+\.\d%|—",
    "f-connect": r"\d+\.\d%|—",
    "f-handoff-wait": r"\d+ 秒|\d+ 分 \d\d 秒|—",
}


def test_a_supervisor_sees_figures_and_charts_exports_them_and_opens_the_weekly_report(stack, browser, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    supervisor = _signed_in(browser, stack, "supervisor")
    supervisor.goto(f"{stack.console_url}dashboard")
    expect(supervisor.locator("#period")).to_contain_text("北京时间", timeout=WAIT_MS)
    for card, shown in CARDS.items():
        expect(supervisor.locator(f"#{card}")).to_have_text(re.compile(f"^(?:{shown})$"))
    before = int(supervisor.locator("#f-tickets").text_content())
    shown = supervisor.request.get(f"{stack.console_url}api/dashboard").json()  # what the cards were drawn from
    kept, dispatched = shown["dispatch"]["kept"], shown["dispatch"]["dispatched"]
    expect(supervisor.locator("#n-dispatch")).to_have_text(f"未改派 {kept} / 已派单 {dispatched}")
    expect(supervisor.locator("#f-dispatch")).to_have_text(f"{kept / dispatched * 100:.1f}%" if dispatched else "—")

    number = _complaint(stack)
    supervisor.click("#refresh")
    expect(supervisor.locator("#f-tickets")).to_have_text(str(before + 1), timeout=WAIT_MS)
    categories = supervisor.locator("#chart-category svg rect.bar")
    expect(categories).to_have_count(4)  # 投诉 举报 建议 咨询留言, zeros included
    widths = [float(w) for w in categories.evaluate_all("bars => bars.map(b => b.getAttribute('width'))")]
    assert widths[0] > 0  # 投诉: at least the complaint just made
    expect(supervisor.locator("#chart-day svg rect.bar")).to_have_count(7)  # the default range: 7 days

    with supervisor.expect_download() as download:
        supervisor.click("#export-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    book = load_workbook(saved)
    assert book.sheetnames == ["指标", "每日", "分类", "渠道", "部门", "部门及时率", "工单"]
    assert number in [row[0] for row in book["工单"].iter_rows(values_only=True)]
    assert "13812345678" not in " ".join(str(v) for row in book["工单"].iter_rows(values_only=True) for v in row)

    expect(supervisor.locator("#weekly-report")).to_contain_text(" 至 ")  # the report's own dates, on the link
    start, end = supervisor.locator("#start").input_value(), supervisor.locator("#end").input_value()
    note = supervisor.locator("#weekly-note").inner_text()
    assert note == "" or (start in note and end in note)  # when the ranges differ, both are named
    with supervisor.context.expect_page() as opened:
        supervisor.click("#weekly-report")
    report = opened.value
    expect(report.locator("h1")).to_contain_text("热线督办周报", timeout=WAIT_MS)
    expect(report.locator("table").first).to_contain_text("受理工单")
    expect(report.locator("body")).to_contain_text("指标口径")
    report.close()
    supervisor.close()


def test_a_burst_of_appeals_at_one_place_shows_as_a_hot_spot_with_a_banner(stack, browser):
    import uuid

    from playwright.sync_api import expect

    from bot.tickets.service import TicketDesk, TicketDraft
    from bot.tickets.workdays import deployment_calendar
    from tests.integration.conftest import stack_database

    place = f"试点路{uuid.uuid4().int % 10000}号"  # a place no other test uses
    desk = TicketDesk(stack_database(stack), deployment_calendar(None), stack.settings.profile.deadlines)
    for n in range(5):  # five citizens in a few minutes, nothing there before: an alert (≥ 5 and ≥ 5 × usual)
        desk.create(
            TicketDraft(
                category="complaint",
                fields={"case_description": f"{place}路面塌陷，第{n}次反映", "case_location": place},
                channel="webchat",
                conversation_id=f"hot-{place}-{n}",
                submission_key=f"hot-{place}-{n}",
                phone="13812345678",
            )
        )
    supervisor = _signed_in(browser, stack, "supervisor")
    supervisor.goto(f"{stack.console_url}dashboard")
    expect(supervisor.locator("#hot-banner")).to_contain_text(f"{place}（24 小时 5 件）", timeout=WAIT_MS)
    row = supervisor.locator("#hot-spots tbody tr", has_text=place).first
    expect(row).to_contain_text("地点")
    expect(row).to_contain_text("是")
    supervisor.close()
