"""Console routes for handling tickets: list with filters, detail (identity masked unless revealed),
the status flow (with the router's three likeliest departments when assigning), notes and deadline extensions. Department staff see their own department's tickets."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import Refusal, html_page, json_body
from bot.console.security import require
from bot.staff.roles import HANDLING
from bot.tickets.call_backs import CALL_BACK_ROLES, call_back_phone, call_backs, called_back
from bot.tickets.co_handling import suggested_co
from bot.tickets.handling import HandlingError, TicketFilter
from bot.tickets.routing import routing_text

tickets = Blueprint("console_tickets", url_prefix="/console")


def _refused(exc: Exception) -> HTTPResponse:
    if isinstance(exc, LookupError):
        return response.json({"error": "工单不存在或不在您的权限范围内"}, status=404, ensure_ascii=False)
    return response.json({"error": str(exc)}, status=409, ensure_ascii=False)


@tickets.get("/tickets")
@require(*HANDLING)
async def page(_: Request) -> HTTPResponse:
    return await html_page("tickets.html")


@tickets.get("/api/tickets")
@require(*HANDLING)
async def listing(request: Request) -> HTTPResponse:
    args = request.args
    within = args.get("due_within", "")
    wanted = TicketFilter(
        status=args.get("status", ""),
        category=args.get("category", ""),
        department=args.get("department", ""),
        channel=args.get("channel", ""),
        due_within=int(within) if within.isdigit() and int(within) > 0 else None,
        overdue=args.get("overdue") == "1",
        attention=args.get("attention") == "1",
        search=args.get("q", "")[:64],
    )
    rows = request.app.ctx.handling.listing(request.ctx.member, wanted)
    return response.json({"tickets": rows, "departments": request.app.ctx.handling.departments()}, ensure_ascii=False)


@tickets.get("/api/tickets/<number:str>")
@require(*HANDLING)
async def detail(request: Request, number: str) -> HTTPResponse:
    return await _detail(request, number, reveal=False)


async def _detail(request: Request, number: str, *, reveal: bool) -> HTTPResponse:
    try:
        found = request.app.ctx.handling.detail(request.ctx.member, number, reveal=reveal)
    except (LookupError, HandlingError) as exc:
        return _refused(exc)
    found["suggestions"] = await _suggested_departments(request, found) if request.ctx.member.role != "department" else []
    found["co_suggested"] = suggested_co(found["suggestions"], found["department"] or None)
    found["departments"] = request.app.ctx.handling.departments() if "co" in found["actions"] else []
    return response.json(found, ensure_ascii=False)


async def _suggested_departments(request: Request, ticket: dict) -> list[dict]:
    """The router's three likeliest active departments for the ticket's text, with their confidence."""
    handling = request.app.ctx.handling
    allowed = handling.departments()
    suggestion = await asyncio.to_thread(handling.router.suggest, routing_text(ticket["fields"]), allowed=allowed)
    return [{"department": c.department, "confidence": round(c.confidence, 3)} for c in suggestion.candidates]


@tickets.post("/api/tickets/<number:str>/<action:str>")
@require(*HANDLING)
async def act(request: Request, number: str, action: str) -> HTTPResponse:
    body, handling, member = json_body(request), request.app.ctx.handling, request.ctx.member
    if action == "reveal":  # the citizen's identity in clear: a change of state (audited), so a POST with CSRF
        return await _detail(request, number, reveal=True)
    try:
        if action == "note":
            handling.note(member, number, str(body.get("text") or ""))
            return response.json({"ok": True})
        if action == "co":
            departments = body.get("departments")
            if not isinstance(departments, list):
                raise HandlingError("请选择协办部门（可以不选）")
            return response.json(
                {"co_departments": handling.set_co(member, number, [str(d) for d in departments])}, ensure_ascii=False
            )
        if action in ("co_accept", "co_reply"):
            handling.co_act(member, number, action, str(body.get("text") or ""))
            return response.json({"ok": True})
        if action == "group":
            group = handling.group_action(member, number, str(body.get("action") or ""), into=str(body.get("into") or ""))
            return response.json({"group": group}, ensure_ascii=False)
        if action == "extend":
            days = body.get("working_days")
            due = handling.extend(member, number, int(str(days)) if str(days).isdigit() else 0, str(body.get("reason") or ""))
            return response.json({"deadline": due.isoformat()})
        status = handling.act(
            member,
            number,
            action,
            department=str(body.get("department") or ""),
            text=str(body.get("text") or ""),
            whole_group=body.get("whole_group") is True,
        )
    except (LookupError, HandlingError) as exc:
        return _refused(exc)
    return response.json({"status": status})


@tickets.get("/api/call-backs")
@require(*CALL_BACK_ROLES)
async def call_back_list(request: Request) -> HTTPResponse:
    """Notices that did not reach the citizen: staff call them (the phone masked until asked for)."""
    return response.json({"call_backs": call_backs(request.app.ctx.factory, request.ctx.member)}, ensure_ascii=False)


@tickets.post("/api/call-backs/<notice_id:int>/phone")
@require(*CALL_BACK_ROLES)
async def call_back_number(request: Request, notice_id: int) -> HTTPResponse:
    try:
        return response.json({"phone": call_back_phone(request.app.ctx.factory, request.ctx.member, notice_id)})
    except LookupError as exc:
        return _refused(exc)
    except PermissionError as exc:
        raise Refusal(403, str(exc)) from None


@tickets.post("/api/call-backs/<notice_id:int>/done")
@require(*CALL_BACK_ROLES)
async def call_back_done(request: Request, notice_id: int) -> HTTPResponse:
    try:
        called_back(request.app.ctx.factory, request.ctx.member, notice_id, str(json_body(request).get("outcome") or ""))
    except LookupError as exc:
        return _refused(exc)
    return response.json({"ok": True})
