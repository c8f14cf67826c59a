"""Admins manage departments and the accounts of their staff: adding and deactivating departments
(a deactivated one gets no new tickets), signing a deactivated user out at once, moving department
staff between departments; every change audited, every route for admins only, Chinese names in URLs."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot.staff.accounts import create_user
from bot.staff.models import AuditEntry
from bot.staff.roles import ROLES
from bot.tickets.departments import department_names
from bot.tickets.service import TicketDraft
from tests.console.conftest import PASSWORD

HOUSING, ENVIRONMENT = "住房和城乡建设局", "生态环境局"  # routing departments (departments.yml)
ROUTES = (
    ("GET", "/console/api/departments"),
    ("POST", "/console/api/departments"),
    ("POST", f"/console/api/departments/{quote(HOUSING)}/active"),
    ("POST", "/console/api/users/agent1/active"),
    ("POST", "/console/api/users/dept/department"),
)


def _complaint(console, text: str, key: str):
    draft = TicketDraft(
        category="complaint",
        fields={"case_description": text, "case_location": "幸福路12号"},
        channel="webchat",
        conversation_id=f"c-{key}",
        submission_key=key,
        phone="13812345678",
    )
    return console.ctx.desk.create(draft)


def _audited(console, action: str) -> list[tuple[str | None, str | None]]:
    with console.ctx.factory() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        return [(row.staff_no, row.target_id) for row in rows]


def _overview(admin) -> dict[str, dict]:
    return {d["name"]: d for d in admin.request("GET", "/console/api/departments").json()["departments"]}


def test_an_admin_adds_a_department_which_is_listed_after_the_routing_ones_and_duplicates_are_refused(console, browser):
    admin = browser("admin")
    added = admin.request("POST", "/console/api/departments", json={"name": "  数据资源局 "})
    assert added.status_code == 201 and added.json()["name"] == "数据资源局"
    listed = admin.request("GET", "/console/api/departments").json()["departments"]
    assert listed[0]["name"] == "城市管理局" and listed[-1] == {
        "name": "数据资源局",
        "active": True,
        "routing": False,
        "staff": 0,
        "open_tickets": 0,
    }
    assert department_names(console.ctx.factory, console.ctx.desk.router)[-1] == "数据资源局"
    for name, why in (("数据资源局", "已存在"), ("公安局", "已存在"), ("局", "2–64"), ("甲/乙局", "/")):
        refused = admin.request("POST", "/console/api/departments", json={"name": name})
        assert refused.status_code == 400 and why in refused.json()["error"], name
    assert _audited(console, "department.add") == [("9001", "数据资源局")]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_may_use_the_department_and_account_routes(browser, role):
    username = {"agent": "agent1", "editor": "editor", "supervisor": "supervisor", "department": "dept"}[role]
    staff, stranger = browser(username), browser()
    for method, path in ROUTES:
        assert staff.request(method, path, json={"name": "数据资源局", "active": False}).status_code == 403, path
        assert stranger.request(method, path, json={}).status_code == 401, path


def test_a_deactivated_routing_department_gets_no_new_tickets_until_reactivated(console, browser):
    admin = browser("admin")
    text = "小区物业不管电梯漏水"
    assert _complaint(console, text, "k1").department == HOUSING
    url = f"/console/api/departments/{quote(HOUSING)}/active"  # percent-encoded, as a browser sends it
    off = admin.request("POST", url, json={"active": False})
    assert off.status_code == 200 and off.json() == {"name": HOUSING, "active": False}
    assert HOUSING not in department_names(console.ctx.factory, console.ctx.desk.router)
    assert _overview(admin)[HOUSING] == {"name": HOUSING, "active": False, "routing": True, "staff": 1, "open_tickets": 1}
    unassigned = _complaint(console, text, "k2")
    assert unassigned.department is None
    ticket = admin.request("GET", f"/console/api/tickets/{unassigned.number}").json()
    assert ticket["status"] == "unassigned" and ticket["department"] == ""
    assert admin.request("POST", url, json={"active": "no"}).status_code == 400
    assert admin.request("POST", url, json={"active": True}).status_code == 200
    assert _complaint(console, text, "k3").department == HOUSING
    assert _audited(console, "department.deactivate") == [("9001", HOUSING)]
    assert _audited(console, "department.activate") == [("9001", HOUSING)]
    unknown = admin.request("POST", f"/console/api/departments/{quote('不存在的局')}/active", json={"active": False})
    assert unknown.status_code == 400 and "不存在的局" in unknown.json()["error"]


def test_an_added_department_can_be_deactivated_and_re_adding_it_reactivates_it(console, browser):
    admin = browser("admin")
    admin.request("POST", "/console/api/departments", json={"name": "数据资源局"})
    assert (
        admin.request("POST", f"/console/api/departments/{quote('数据资源局')}/active", json={"active": False}).status_code == 200
    )
    assert not _overview(admin)["数据资源局"]["active"]
    assert admin.request("POST", "/console/api/departments", json={"name": "数据资源局"}).status_code == 201
    assert _overview(admin)["数据资源局"]["active"]
    assert _audited(console, "department.activate") == [("9001", "数据资源局")]


def test_a_deactivated_user_is_signed_out_at_once_and_it_is_audited(console, browser):
    admin, agent = browser("admin"), browser("agent1")
    assert agent.request("GET", "/console/api/me").status_code == 200
    off = admin.request("POST", "/console/api/users/agent1/active", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert agent.request("GET", "/console/api/queue").status_code == 401
    assert browser().sign_in("agent1").status_code != 303
    users = {u["username"]: u for u in admin.request("GET", "/console/api/users").json()["users"]}
    assert users["agent1"]["active"] is False and users["dept"]["department"] == HOUSING
    [(staff_no, target)] = _audited(console, "user.deactivate")
    assert staff_no == "9001" and target == str(users["agent1"]["user_id"])
    assert admin.request("POST", "/console/api/users/agent1/active", json={"active": True}).json()["active"] is True
    assert browser().sign_in("agent1").status_code == 303
    myself = admin.request("POST", "/console/api/users/admin/active", json={"active": False})
    assert myself.status_code == 400 and "自己" in myself.json()["error"]
    assert admin.request("POST", "/console/api/users/nobody/active", json={"active": False}).status_code == 400


def test_moving_a_department_user_changes_which_tickets_they_see(console, browser):
    admin, dept = browser("admin"), browser("dept")
    housing = _complaint(console, "小区物业不管电梯漏水", "k1").number
    environment = _complaint(console, "工厂排污，污水有臭味", "k2").number
    assert [t["number"] for t in dept.request("GET", "/console/api/tickets").json()["tickets"]] == [housing]
    moved = admin.request("POST", "/console/api/users/dept/department", json={"department": ENVIRONMENT})
    assert moved.status_code == 200 and moved.json()["department"] == ENVIRONMENT
    assert [t["number"] for t in dept.request("GET", "/console/api/tickets").json()["tickets"]] == [environment]
    with console.ctx.factory() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.set_department"))
    assert entry.staff_no == "9001" and entry.detail == {"staff_no": "5000", "before": HOUSING, "after": ENVIRONMENT}
    for username, department, why in (
        ("dept", "", "必须选择"),
        ("dept", "不存在的局", "不存在"),
        ("agent1", ENVIRONMENT, "部门经办人"),
    ):
        refused = admin.request("POST", f"/console/api/users/{username}/department", json={"department": department})
        assert refused.status_code == 400 and why in refused.json()["error"], (username, department)
    admin.request("POST", f"/console/api/departments/{quote(HOUSING)}/active", json={"active": False})
    back = admin.request("POST", "/console/api/users/dept/department", json={"department": HOUSING})
    assert back.status_code == 400 and "已停用" in back.json()["error"]


def test_chinese_usernames_work_in_urls_and_new_department_staff_need_a_known_department(console, browser):
    create_user(console.ctx.factory, username="王芳", staff_no="5002", role="department", password=PASSWORD, department=HOUSING)
    admin = browser("admin")
    assert admin.request("POST", f"/console/api/users/{quote('王芳')}/active", json={"active": False}).json()["active"] is False
    assert (
        admin.request("POST", f"/console/api/users/{quote('王芳')}/department", json={"department": ENVIRONMENT}).json()[
            "department"
        ]
        == ENVIRONMENT
    )
    new = {"username": "li", "staff_no": "5003", "role": "department", "password": PASSWORD}
    for department in ("", "不存在的局"):
        assert admin.request("POST", "/console/api/users", json={**new, "department": department}).status_code == 400
    assert (
        admin.request("POST", "/console/api/users", json={**new, "department": ENVIRONMENT}).json()["department"] == ENVIRONMENT
    )
    agent = {"username": "zhao", "staff_no": "1030", "role": "agent", "password": PASSWORD, "department": ENVIRONMENT}
    assert admin.request("POST", "/console/api/users", json=agent).json()["department"] is None
