"""Every console route refuses strangers and wrong roles; sign-in, sessions and CSRF behave."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.console.security import STAFF_WORK
from bot.core.db import as_utc, transaction
from bot.staff.models import AuditEntry, StaffSession
from bot.staff.roles import ROLES
from tests.console.conftest import PASSWORD, STAFF, Browser

PUBLIC = {
    ("GET", "/console/login"),
    ("POST", "/console/login"),
    ("GET", "/console/static/<name:str>"),
    ("GET", "/console/health"),
    # probes and metrics (bot/runtime/ops.py): nothing personal; nginx does not serve /metrics outside
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/metrics"),
}
USER_OF_ROLE = {role: username for username, (_, role) in STAFF.items() if username != "agent2"}


def _routes(app):
    """(method, path, handler) for every console route, with a concrete id for parameters."""
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        for method in route.methods:
            yield method, path, route.handler


def _concrete(path: str) -> str:
    return (
        path.replace("<review_id:int>", "1")
        .replace("<handoff_id:int>", "1")
        .replace("<notice_id:int>", "1")
        .replace("<name:str>", "console.js")
    )


def test_only_the_sign_in_page_assets_health_and_metrics_are_public(console):
    public = {(m, p) for m, p, h in _routes(console) if getattr(h, "console_public", False)}
    guarded = [(m, p) for m, p, h in _routes(console) if not getattr(h, "console_public", False)]
    assert public == PUBLIC
    assert all(getattr(h, "console_roles", None) for m, p, h in _routes(console) if (m, p) in guarded)
    assert len(guarded) >= 14


def test_strangers_are_refused_on_every_guarded_route(console, browser):
    stranger = browser()
    for method, path, handler in _routes(console):
        if getattr(handler, "console_public", False):
            continue
        answer = stranger.request(method, _concrete(path), json={})
        if method == "GET" and not path.startswith("/console/api/"):
            assert answer.status_code == 302 and answer.headers["location"] == "/console/login", path
        else:
            assert answer.status_code == 401, (method, path)


@pytest.mark.parametrize("role", ROLES)
def test_wrong_roles_are_refused_on_every_route_they_do_not_hold(console, browser, role):
    staff = browser(USER_OF_ROLE[role])
    refused = 0
    for method, path, handler in _routes(console):
        roles = getattr(handler, "console_roles", None)
        if roles is None or role in roles:
            continue
        answer = staff.request(method, _concrete(path), json={})
        assert answer.status_code == 403, (role, method, path)
        refused += 1
    assert refused > 0 or role == "admin"


def test_an_editor_sees_no_conversations(browser):
    editor = browser("editor")
    assert editor.request("GET", "/console/api/queue").status_code == 403
    assert "editor" not in STAFF_WORK


def test_a_wrong_password_is_refused_and_audited_without_saying_which_part_was_wrong(console, browser):
    stranger = browser()
    wrong = stranger.sign_in("agent1", "not-the-password-1")
    unknown = stranger.sign_in("nobody", "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    with console.ctx.factory() as session:
        failures = session.scalars(select(AuditEntry).where(AuditEntry.action == "auth.sign_in_failed")).all()
    assert len(failures) == 2


def test_guessing_from_one_address_slows_down_and_never_locks_the_account(console, browser):
    guesser = browser()
    for _ in range(5):
        assert guesser.sign_in("admin", "wrong-password-1").status_code == 401
    slowed = guesser.sign_in("admin", PASSWORD)
    assert slowed.status_code == 429 and "登录失败次数过多" in slowed.text and int(slowed.headers["retry-after"]) >= 1
    assert Browser(console, address="10.1.2.3").sign_in("admin").status_code == 303  # the admin is not locked out


def test_cookies_are_secure_over_https_and_behind_a_proxy_that_says_so(console, browser):
    page = browser().request("GET", "/console/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in page.headers["set-cookie"].lower()
    assert "secure" not in browser().request("GET", "/console/login").headers["set-cookie"].lower()
    over_tls = Browser(console)
    over_tls.client.base_url = "https://console.test"
    signed = over_tls.sign_in("agent1")
    assert signed.status_code == 303 and "secure" in signed.headers["set-cookie"].lower()


def test_sign_in_without_the_login_forms_csrf_token_is_refused(browser):
    stranger = browser()
    stranger.request("GET", "/console/login")
    answer = stranger.request("POST", "/console/login", data={"csrf": "forged", "username": "agent1", "password": "x"})
    assert answer.status_code == 403


def test_a_change_without_the_sessions_csrf_token_is_refused(browser):
    agent = browser("agent1")
    agent.csrf = "forged"
    answer = agent.request("POST", "/console/api/handoffs/1/notes", json={"text": "hi"})
    assert answer.status_code == 403 and "页面已过期" in answer.json()["error"]


def test_an_idle_session_expires_and_signing_out_ends_it(console, browser):
    agent = browser("agent1")
    assert agent.request("GET", "/console/api/me").status_code == 200
    with transaction(console.ctx.factory) as session:
        session.execute(update(StaffSession).values(last_seen_at=datetime.now(timezone.utc) - timedelta(hours=1)))
    assert agent.request("GET", "/console/api/me").status_code == 401

    again = browser("agent1")
    assert again.request("POST", "/console/logout").status_code == 200
    assert again.request("GET", "/console/api/me").status_code == 401


def test_background_polls_do_not_keep_an_unattended_console_signed_in(console, browser):
    agent = browser("agent1")
    twenty_minutes_ago = datetime.now(timezone.utc) - timedelta(minutes=20)
    with transaction(console.ctx.factory) as session:
        session.execute(update(StaffSession).values(last_seen_at=twenty_minutes_ago))
    for _ in range(3):
        assert agent.request("GET", "/console/api/queue", headers={"X-Console-Poll": "1"}).status_code == 200
    with console.ctx.factory() as session:
        assert as_utc(session.scalar(select(StaffSession.last_seen_at))) == twenty_minutes_ago
    assert agent.request("GET", "/console/api/me").status_code == 200  # the person's own request counts
    with console.ctx.factory() as session:
        assert as_utc(session.scalar(select(StaffSession.last_seen_at))) > twenty_minutes_ago


def test_the_session_cookie_is_http_only_and_same_site(browser):
    stranger = browser()
    page = stranger.request("GET", "/console/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    signed = stranger.request(
        "POST", "/console/login", data={"csrf": token, "username": "agent1", "password": "correct-horse-42"}
    )
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie


def test_pages_forbid_framing_and_foreign_scripts(browser):
    page = browser("agent1").request("GET", "/console/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_staff_change_their_own_password_and_their_other_sessions_end(console, browser):
    desk, phone = browser("agent1"), browser("agent1")
    wrong = desk.request("POST", "/console/api/me/password", json={"current": "not-mine-123", "new": "new-horse-4242"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.json()["error"]
    weak = desk.request("POST", "/console/api/me/password", json={"current": PASSWORD, "new": "short"})
    assert weak.status_code == 400 and "至少需要" in weak.json()["error"]
    assert (
        desk.request("POST", "/console/api/me/password", json={"current": PASSWORD, "new": "new-horse-4242"}).status_code == 200
    )
    assert desk.request("GET", "/console/api/me").status_code == 200  # this session goes on
    assert phone.request("GET", "/console/api/me").status_code == 401  # the other one ended
    assert browser().sign_in("agent1", "new-horse-4242").status_code == 303


def test_an_admin_resets_a_forgotten_password_audited_and_the_old_sessions_end(console, browser):
    agent, admin = browser("agent1"), browser("admin")
    assert browser("agent1").request("POST", "/console/api/users/agent1/password", json={"password": "x"}).status_code == 403
    answer = admin.request("POST", "/console/api/users/agent1/password", json={"password": "reset-horse-77"})
    assert answer.status_code == 200 and answer.json()["username"] == "agent1"
    assert agent.request("GET", "/console/api/me").status_code == 401
    assert browser().sign_in("agent1", "reset-horse-77").status_code == 303
    with console.ctx.factory() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_reset"))
    assert entry.staff_no == "9001" and "reset-horse-77" not in str(entry.detail)


def test_the_audit_log_is_filtered_and_paged_newest_first(console, browser):
    from bot.staff.audit import SYSTEM, audit

    with transaction(console.ctx.factory) as session:
        for n in range(60):
            audit(session, SYSTEM, "faq.export", target_type="faq", target_id=str(n))
    supervisor = browser("supervisor")
    first = supervisor.request("GET", "/console/api/audit", params={"action": "faq.export"}).json()
    assert [e["target_id"] for e in first["entries"]][:3] == ["59", "58", "57"] and len(first["entries"]) == 50
    assert first["entries"][0]["action_label"] == "导出知识库"
    second = supervisor.request(
        "GET", "/console/api/audit", params={"action": "faq.export", "before": first["next_before"]}
    ).json()
    assert [e["target_id"] for e in second["entries"]] == [str(n) for n in range(9, -1, -1)] and second["next_before"] is None
    mine = supervisor.request("GET", "/console/api/audit", params={"staff_no": "3001", "action": "auth.sign_in"}).json()
    assert [e["staff_no"] for e in mine["entries"]] == ["3001"]
    assert supervisor.request("GET", "/console/api/audit", params={"from": "2999-01-01"}).json()["entries"] == []
    assert supervisor.request("GET", "/console/api/audit", params={"from": "yesterday"}).status_code == 400
