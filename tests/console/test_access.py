"""Every console route refuses strangers and wrong roles; sign-in, sessions and CSRF behave."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.console.security import STAFF_WORK
from bot.db import transaction
from bot.staff.models import ROLES, AuditEntry, StaffSession
from tests.console.conftest import STAFF

PUBLIC = {("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/static/<name:str>"),
          ("GET", "/console/health")}
USER_OF_ROLE = {role: username for username, (_, role) in STAFF.items() if username != "agent2"}


def _routes(app):
    """(method, path, handler) for every console route, with a concrete id for parameters."""
    for route in app.router.routes:
        path = "/" + route.path.lstrip("/")
        for method in route.methods:
            yield method, path, route.handler


def _concrete(path: str) -> str:
    return path.replace("<review_id:int>", "1").replace("<handoff_id:int>", "1").replace("<notice_id:int>", "1").replace("<name:str>", "console.js")


def test_only_the_sign_in_page_assets_and_health_are_public(console):
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


def test_the_session_cookie_is_http_only_and_same_site(browser):
    stranger = browser()
    page = stranger.request("GET", "/console/login")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    signed = stranger.request("POST", "/console/login", data={"csrf": token, "username": "agent1", "password": "correct-horse-42"})
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/console" in cookie


def test_pages_forbid_framing_and_foreign_scripts(browser):
    page = browser("agent1").request("GET", "/console/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def test_repeated_wrong_passwords_lock_the_username_for_a_while(browser):
    stranger = browser()
    for _ in range(5):
        assert stranger.sign_in("agent1", "guess-number-1").status_code == 401
    locked = stranger.sign_in("agent1")  # even the right password, for now
    assert locked.status_code == 429 and "分钟后再试" in locked.text
    assert browser().sign_in("agent2").status_code == 303  # other staff are not affected
