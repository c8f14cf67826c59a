"""Admins load a year's holiday schedule in the console (form or YAML file): checked, audited, used by
the console's own deadlines at once; admins are warned on every page while a year is missing."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from bot.console import calendar_routes
from bot.staff.roles import ROLES
from bot.tickets.service import TicketDraft

YAML_2027 = "year: 2027\nholidays:\n  - 2027-01-01\n  - 2027-02-08..2027-02-12\nworkdays:\n  - 2027-02-13\n"  # made up


@pytest.fixture
def november(monkeypatch):
    monkeypatch.setattr(calendar_routes, "beijing_today", lambda: date(2026, 11, 2))


def _complaint_on_30_december(console, key: str):
    draft = TicketDraft(
        category="complaint",
        fields={"description": "路灯不亮", "location": "幸福路"},
        channel="webchat",
        conversation_id=f"c-{key}",
        submission_key=key,
        phone="13812345678",
    )
    return console.ctx.desk.create(draft, now=datetime(2026, 12, 30, 2, 0, tzinfo=timezone.utc))


def test_admins_are_warned_until_next_years_schedule_is_loaded_and_other_roles_are_not(console, browser, november):
    admin = browser("admin")
    warnings = admin.request("GET", "/console/api/me").json()["warnings"]
    assert len(warnings) == 1 and "2027 年的法定节假日安排" in warnings[0]
    assert browser("supervisor").request("GET", "/console/api/me").json()["warnings"] == []
    overview = admin.request("GET", "/console/api/calendar").json()
    assert overview["missing"] == [2027]
    assert [(y["year"], y["covered"], y["loaded"]) for y in overview["years"]] == [
        (2025, True, False),
        (2026, True, False),
        (2027, False, False),
    ]

    loaded = admin.request("POST", "/console/api/calendar", json={"yaml": YAML_2027, "source": "国办发明电〔2026〕1号"})
    assert loaded.status_code == 201 and loaded.json() == {"year": 2027, "holidays": 6, "workdays": 1, "replaced": False}
    assert admin.request("GET", "/console/api/me").json()["warnings"] == []
    year = admin.request("GET", "/console/api/calendar").json()["years"][-1]
    assert (year["year"], year["loaded"], year["source"], year["loaded_by"]) == (2027, True, "国办发明电〔2026〕1号", "admin")


def test_the_console_counts_with_a_loaded_year_at_once(console, browser):
    before = _complaint_on_30_december(console, "a")
    assert (before.due, before.deadline_certain) == (date(2027, 1, 4), False)  # weekends only: 1 January counted
    form = {"year": "2027", "holidays": "2027-01-01\n2027-02-08 至 2027-02-12", "workdays": "2027-02-13"}
    assert browser("admin").request("POST", "/console/api/calendar", json=form).status_code == 201
    after = _complaint_on_30_december(console, "b")
    assert (after.due, after.deadline_certain) == (date(2027, 1, 5), True)
    listed = {t["number"]: t for t in browser("supervisor").request("GET", "/console/api/tickets").json()["tickets"]}
    assert (listed[before.number]["deadline_certain"], listed[after.number]["deadline_certain"]) == (False, True)


def test_a_wrong_schedule_is_refused_with_the_reason_and_nothing_is_stored(console, browser):
    admin = browser("admin")
    for body, why in (
        ({"year": "2027", "holidays": "2027-01-01", "workdays": "2027-02-15"}, "本来就是工作日"),
        ({"year": "2027", "holidays": "2028-01-01", "workdays": ""}, "不在 2027 年"),
        ({"yaml": "year: [2027"}, "不是有效的 YAML"),
        ({"yaml": "x" * 30_000}, "文件太大"),
    ):
        refused = admin.request("POST", "/console/api/calendar", json=body)
        assert refused.status_code == 400 and why in refused.json()["error"], body
    assert not any(y["loaded"] for y in admin.request("GET", "/console/api/calendar").json()["years"])


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_see_or_load_the_calendar(browser, role):
    username = {"agent": "agent1", "editor": "editor", "supervisor": "supervisor", "department": "dept"}[role]
    staff = browser(username)
    assert staff.request("GET", "/console/api/calendar").status_code == 403
    assert staff.request("POST", "/console/api/calendar", json={"yaml": YAML_2027}).status_code == 403
    assert browser().request("GET", "/console/api/calendar").status_code == 401
