"""Admin and supervisor routes: staff accounts, departments and the audit log."""

from __future__ import annotations

import asyncio
from datetime import date
from functools import partial
from urllib.parse import unquote

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import Refusal, json_body
from bot.console.security import require
from bot.core.db import as_utc
from bot.staff.accounts import AccountError, create_user, list_users, reset_password, set_user_active, set_user_department
from bot.staff.audit import action_label, action_labels, recent_audit
from bot.staff.roles import ADMIN, SUPERVISION
from bot.supervision.figures import day_bounds
from bot.tickets.departments import DepartmentError, add_department, department_overview, set_department_active

admin = Blueprint("console_admin", url_prefix="/console/api")
AUDIT_PAGE = 50  # entries per page of the audit log


def _active_flag(request: Request) -> bool:
    active = json_body(request).get("active")
    if not isinstance(active, bool):
        raise Refusal(400, "请说明启用（true）还是停用（false）")
    return active


@admin.get("/users")
@require(*ADMIN)
async def users(request: Request) -> HTTPResponse:
    members = list_users(request.app.ctx.factory, include_inactive=True)
    return response.json({"users": [m.__dict__ for m in members]}, ensure_ascii=False)


@admin.post("/users")
@require(*ADMIN)
async def add_user(request: Request) -> HTTPResponse:
    body = json_body(request)
    try:
        member = await asyncio.to_thread(
            partial(  # scrypt: off the event loop
                create_user,
                request.app.ctx.factory,
                username=str(body.get("username") or ""),
                staff_no=str(body.get("staff_no") or ""),
                role=str(body.get("role") or ""),
                password=str(body.get("password") or ""),
                display_name=str(body.get("display_name") or ""),
                department=str(body.get("department") or ""),
                actor=request.ctx.member.actor,
                departments=request.app.ctx.handling.departments(),
            )
        )
    except AccountError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json(member.__dict__, status=201, ensure_ascii=False)


def _decoded(segment: str) -> str:
    """A name from the path as typed: browsers percent-encode Chinese, and Sanic 21.12's router leaves a
    parameter encoded (its ``unquote=True`` only works when the parameter is the path's last segment)."""
    return unquote(segment)


@admin.post("/users/<username:str>/active")
@require(*ADMIN)
async def user_active(request: Request, username: str) -> HTTPResponse:
    try:
        member = set_user_active(request.app.ctx.factory, _decoded(username), _active_flag(request), request.ctx.member.actor)
    except AccountError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json(member.__dict__, ensure_ascii=False)


@admin.post("/users/<username:str>/password")
@require(*ADMIN)
async def user_password(request: Request, username: str) -> HTTPResponse:
    """An admin sets a new password for someone who forgot theirs (audited; their sessions end)."""
    try:
        member = await asyncio.to_thread(
            reset_password,
            request.app.ctx.factory,
            _decoded(username),
            str(json_body(request).get("password") or ""),
            request.ctx.member.actor,
        )
    except AccountError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json(member.__dict__, ensure_ascii=False)


@admin.post("/users/<username:str>/department")
@require(*ADMIN)
async def user_department(request: Request, username: str) -> HTTPResponse:
    try:
        member = set_user_department(
            request.app.ctx.factory,
            _decoded(username),
            str(json_body(request).get("department") or ""),
            request.ctx.member.actor,
            departments=request.app.ctx.handling.departments(),
        )
    except AccountError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json(member.__dict__, ensure_ascii=False)


@admin.get("/departments")
@require(*ADMIN)
async def departments(request: Request) -> HTTPResponse:
    overview = department_overview(request.app.ctx.factory, request.app.ctx.desk.router)
    return response.json({"departments": overview}, ensure_ascii=False)


@admin.post("/departments")
@require(*ADMIN)
async def new_department(request: Request) -> HTTPResponse:
    try:
        name = add_department(
            request.app.ctx.factory,
            str(json_body(request).get("name") or ""),
            request.ctx.member.actor,
            router=request.app.ctx.desk.router,
        )
    except DepartmentError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json({"name": name, "active": True}, status=201, ensure_ascii=False)


@admin.post("/departments/<name:str>/active")
@require(*ADMIN)
async def department_active(request: Request, name: str) -> HTTPResponse:
    name, active = _decoded(name), _active_flag(request)
    try:
        set_department_active(request.app.ctx.factory, name, active, request.ctx.member.actor, router=request.app.ctx.desk.router)
    except DepartmentError as exc:
        raise Refusal(400, str(exc)) from None
    return response.json({"name": name, "active": active}, ensure_ascii=False)


@admin.get("/audit")
@require(*SUPERVISION)
async def audit_log(request: Request) -> HTTPResponse:
    """A page of the audit log, newest first: ``?action=&staff_no=&from=&to=`` (Beijing dates) and
    ``before=<id>`` for the next page; ``next_before`` is where the next page starts (None at the end)."""
    args = request.args
    try:
        start = date.fromisoformat(args.get("from")) if args.get("from") else None
        end = date.fromisoformat(args.get("to")) if args.get("to") else None
    except ValueError:
        raise Refusal(400, "日期格式应为 YYYY-MM-DD") from None
    since = day_bounds(start, start)[0] if start else None
    until = day_bounds(end, end)[1] if end else None
    before = args.get("before", "")
    entries = recent_audit(
        request.app.ctx.factory,
        limit=AUDIT_PAGE + 1,
        action=args.get("action", "")[:64],
        staff_no=args.get("staff_no", "")[:16],
        since=since,
        until=until,
        before_id=int(before) if before.isdigit() else None,
    )
    page = entries[:AUDIT_PAGE]
    return response.json(
        {
            "entries": [
                {
                    "id": e.id,
                    "at": as_utc(e.at).isoformat(),
                    "staff_no": e.staff_no,
                    "action": e.action,
                    "action_label": action_label(e.action),
                    "target_type": e.target_type,
                    "target_id": e.target_id,
                    "detail": e.detail,
                }
                for e in page
            ],
            "next_before": page[-1].id if len(entries) > AUDIT_PAGE else None,
            "actions": [{"action": a, "label": label} for a, label in action_labels().items()],
        },
        ensure_ascii=False,
    )
