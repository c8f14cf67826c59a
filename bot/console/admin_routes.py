"""Admin and supervisor routes: staff accounts and the audit log."""

from __future__ import annotations

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import json_body
from bot.console.security import require
from bot.db import as_utc
from bot.staff.accounts import AccountError, create_user, list_users
from bot.staff.audit import recent_audit

admin = Blueprint("console_admin", url_prefix="/console/api")


@admin.get("/users")
@require("admin")
async def users(request: Request) -> HTTPResponse:
    return response.json({"users": [m.__dict__ for m in list_users(request.app.ctx.factory)]}, ensure_ascii=False)


@admin.post("/users")
@require("admin")
async def add_user(request: Request) -> HTTPResponse:
    body = json_body(request)
    try:
        member = create_user(request.app.ctx.factory, username=str(body.get("username") or ""),
                             staff_no=str(body.get("staff_no") or ""), role=str(body.get("role") or ""),
                             password=str(body.get("password") or ""), display_name=str(body.get("display_name") or ""),
                             department=str(body.get("department") or ""),
                             actor=request.ctx.member.actor)
    except AccountError as exc:
        return response.json({"error": str(exc)}, status=400)
    return response.json(member.__dict__, status=201, ensure_ascii=False)


@admin.get("/audit")
@require("supervisor", "admin")
async def audit_log(request: Request) -> HTTPResponse:
    entries = recent_audit(request.app.ctx.factory, limit=200)
    return response.json({"entries": [
        {"at": as_utc(e.at).isoformat(), "staff_no": e.staff_no, "action": e.action,
         "target_type": e.target_type, "target_id": e.target_id, "detail": e.detail} for e in entries
    ]}, ensure_ascii=False)
