"""Who is asking: the session cookie, roles per route, CSRF on every change, safe response headers.

Every console handler is wrapped by ``require(*roles)``; ``public`` marks the few that are not
(sign-in page, assets). Tests walk the router and check each route refuses strangers and wrong roles.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from datetime import timedelta
from functools import wraps
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from bot.staff.accounts import session_member
from bot.staff.roles import HOTLINE

SESSION_COOKIE = "hotline_console"
CSRF_HEADER = "X-CSRF-Token"
POLL_HEADER = "X-Console-Poll"  # set by the pages' background refreshes: not a sign of a person at the desk
STAFF_WORK = HOTLINE  # taking conversations over
SAFE_METHODS = ("GET", "HEAD")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def public(handler: Handler) -> Handler:
    """Mark a handler that needs no session (the route audit in the tests relies on this mark)."""
    handler.console_public = True  # type: ignore[attr-defined]
    return handler


def require(*roles: str) -> Callable[[Handler], Handler]:
    """Only signed-in staff with one of ``roles``; changes also need the session's CSRF token.

    Strangers get 401 (API) or a redirect to the sign-in page (pages); wrong roles get 403.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            found = _session(request)
            if found is None:
                if request.method == "GET" and not request.path.startswith("/console/api/"):
                    return response.redirect("/console/login")
                return response.json({"error": "请先登录"}, status=401, ensure_ascii=False)
            member, csrf = found
            if member.role not in roles:
                return response.json({"error": "您的角色无权执行此操作"}, status=403, ensure_ascii=False)
            if request.method not in SAFE_METHODS and not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf):
                return response.json({"error": "页面已过期，请刷新后重试"}, status=403, ensure_ascii=False)
            request.ctx.member, request.ctx.csrf = member, csrf
            return await handler(request, *args, **kwargs)

        guarded.console_roles = roles  # type: ignore[attr-defined]
        return guarded

    return decorate


def _session(request: Request):
    settings = request.app.ctx.settings.console
    return session_member(
        request.app.ctx.factory,
        request.cookies.get(SESSION_COOKIE, ""),
        idle=timedelta(minutes=settings.session_idle_minutes),
        maximum=timedelta(hours=settings.session_max_hours),
        touch=request.headers.get(POLL_HEADER) != "1",
    )


def set_session_cookie(request: Request, resp: HTTPResponse, token: str) -> None:
    settings = request.app.ctx.settings.console
    resp.cookies[SESSION_COOKIE] = token
    cookie = resp.cookies[SESSION_COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/console"
    cookie["max-age"] = settings.session_max_hours * 3600
    if over_https(request):
        cookie["secure"] = True


def over_https(request: Request) -> bool:
    """Served over HTTPS (directly, or behind a proxy that says so): cookies then never travel in clear.
    Trusting a forged ``X-Forwarded-Proto`` only makes a cookie stricter, never weaker."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.app.ctx.settings.console.secure_cookies or request.scheme == "https" or forwarded == "https"


def clear_session_cookie(resp: HTTPResponse) -> None:
    resp.cookies[SESSION_COOKIE] = ""
    resp.cookies[SESSION_COOKIE]["path"] = "/console"
    resp.cookies[SESSION_COOKIE]["max-age"] = 0


def add_security_headers(_: Request, resp: BaseHTTPResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
