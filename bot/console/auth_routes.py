"""Sign-in, sign-out, who am I, and the console's pages and assets."""

from __future__ import annotations

import asyncio
import hmac
import html
import secrets

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.calendar_routes import calendar_warnings
from bot.console.http import STATIC_DIR, Refusal, client_address, html_page, json_body
from bot.console.navigation import pages_for
from bot.console.security import SESSION_COOKIE, clear_session_cookie, over_https, public, require, set_session_cookie
from bot.staff.accounts import AccountError, change_password, sign_in, sign_out
from bot.staff.roles import ADMIN, ROLE_LABELS, ROLES, SUPERVISION
from bot.tickets.service import labels

ASSETS = {
    "common.js": "application/javascript; charset=utf-8",
    "console.js": "application/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "login.css": "text/css; charset=utf-8",
    "faq.js": "application/javascript; charset=utf-8",
    "faq.css": "text/css; charset=utf-8",
    "tickets.js": "application/javascript; charset=utf-8",
    "dashboard.js": "application/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "report.css": "text/css; charset=utf-8",
    "review.js": "application/javascript; charset=utf-8",
    "password.js": "application/javascript; charset=utf-8",
    "admin.js": "application/javascript; charset=utf-8",
    "audit.js": "application/javascript; charset=utf-8",
}
LOGIN_CSRF_COOKIE = "hotline_login_csrf"

pages = Blueprint("console_pages", url_prefix="/console")


def _login_page(request: Request, csrf: str, error: str = "", status: int = 200) -> HTTPResponse:
    page = (STATIC_DIR / "login.html").read_text(encoding="utf-8")
    page = page.replace("{{csrf}}", html.escape(csrf)).replace("{{error}}", html.escape(error))
    resp = response.html(page, status=status)
    resp.cookies[LOGIN_CSRF_COOKIE] = csrf
    for key, value in (("httponly", True), ("samesite", "Strict"), ("path", "/console")):
        resp.cookies[LOGIN_CSRF_COOKIE][key] = value
    if over_https(request):
        resp.cookies[LOGIN_CSRF_COOKIE]["secure"] = True
    return resp


def _duration(seconds: int) -> str:
    return f"{seconds} 秒" if seconds < 60 else f"{(seconds + 59) // 60} 分钟"


@pages.get("/login")
@public
async def login_page(request: Request) -> HTTPResponse:
    return _login_page(request, secrets.token_urlsafe(24))


@pages.post("/login")
@public
async def login(request: Request) -> HTTPResponse:
    form = request.form or {}
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
        return _login_page(request, secrets.token_urlsafe(24), "页面已过期，请重新登录", status=403)
    backoff, client = request.app.ctx.login_backoff, client_address(request)
    wait = backoff.retry_after(client)
    if wait:
        resp = _login_page(request, secrets.token_urlsafe(24), f"登录失败次数过多，请 {_duration(wait)}后再试", status=429)
        resp.headers["Retry-After"] = str(wait)
        return resp
    # scrypt takes a noticeable moment: off the event loop, so the console keeps serving everyone else
    signed = await asyncio.to_thread(sign_in, request.app.ctx.factory, form.get("username", ""), form.get("password", ""))
    if signed is None:
        backoff.failed(client)
        return _login_page(request, secrets.token_urlsafe(24), "用户名或密码错误", status=401)
    backoff.succeeded(client)
    resp = response.redirect("/console/", status=303)
    set_session_cookie(request, resp, signed.token)
    return resp


@pages.post("/logout")
@require(*ROLES)
async def logout(request: Request) -> HTTPResponse:
    sign_out(request.app.ctx.factory, request.cookies.get(SESSION_COOKIE, ""), request.ctx.member.actor)
    resp = response.json({"ok": True})
    clear_session_cookie(resp)
    return resp


@pages.get("/")
@require(*ROLES)
async def index(_: Request) -> HTTPResponse:
    return await html_page("index.html")


@pages.get("/static/<name>")
@public
async def asset(_: Request, name: str) -> HTTPResponse:
    if name not in ASSETS:  # a whitelist: names never reach the file system unchecked
        return response.text("not found", status=404)
    return await response.file(STATIC_DIR / name, mime_type=ASSETS[name])


@pages.get("/api/me")
@require(*ROLES)
async def me(request: Request) -> HTTPResponse:
    m = request.ctx.member
    warnings = await asyncio.to_thread(calendar_warnings, request.app.ctx.calendar) if m.role == "admin" else []
    return response.json(
        {
            "username": m.username,
            "staff_no": m.staff_no,
            "display_name": m.display_name,
            "role": m.role,
            "role_label": ROLE_LABELS[m.role],
            "user_id": m.user_id,
            "csrf": request.ctx.csrf,
            "warnings": warnings,
            "pages": pages_for(m.role),
            "labels": {"tickets": labels(), "roles": ROLE_LABELS},
        },  # the pages show no label of their own
        ensure_ascii=False,
    )


@pages.get("/admin")
@require(*ADMIN)
async def admin_page(_: Request) -> HTTPResponse:
    return await html_page("admin.html")


@pages.get("/audit")
@require(*SUPERVISION)
async def audit_page(_: Request) -> HTTPResponse:
    return await html_page("audit.html")


@pages.get("/password")
@require(*ROLES)
async def password_page(_: Request) -> HTTPResponse:
    return await html_page("password.html")


@pages.post("/api/me/password")
@require(*ROLES)
async def my_password(request: Request) -> HTTPResponse:
    """Staff change their own password; their other sessions end."""
    body = json_body(request)
    try:
        await asyncio.to_thread(
            change_password,
            request.app.ctx.factory,
            request.ctx.member.actor,
            str(body.get("current") or ""),
            str(body.get("new") or ""),
            keep_token=request.cookies.get(SESSION_COOKIE, ""),
        )
    except AccountError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json({"ok": True})


@pages.get("/health")
@public
async def health(_: Request) -> HTTPResponse:
    return response.json({"status": "ok"})
