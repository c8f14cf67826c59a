"""Console routes for handed-over conversations: queue, claim, transcript, reply, notes, tickets, hand back."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import yaml
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import Refusal, json_body
from bot.console.rasa_api import RasaUnavailable
from bot.console.security import STAFF_WORK, require
from bot.conversation.cases import field_label
from bot.core.clock import beijing_today, utc_now
from bot.core.db import as_utc, transaction
from bot.core.privacy import mask_personal_data
from bot.handoff.models import Handoff
from bot.handoff.queue_texts import staff_joined_notice
from bot.handoff.transcript import transcript
from bot.messaging.domain_texts import response_text
from bot.review.queue import record_correction
from bot.staff.audit import AuditNote, audit
from bot.staff.roles import SUPERVISION
from bot.tickets.models import CATEGORIES
from bot.tickets.notice_texts import acceptance_messages
from bot.tickets.service import labels
from bot.tickets.staff_drafts import DraftRefused, staff_draft, ticket_fields

logger = logging.getLogger(__name__)

CANNED_FILE = Path(__file__).with_name("canned_replies.yml")
MAX_REPLY_CHARS = 2000
REASON_LABELS = {
    "citizen_asked": "市民要求转人工",
    "misunderstood": "连续两次未能理解",
    "dissatisfied": "多次表示未解决",
    "anger": "市民情绪激动",
    "sensitive_topic": "敏感话题",
    "form_failing": "表单多次填写失败",
}
# Fields the console asks for each ticket category (consultations: the question and a phone).

handoffs = Blueprint("console_handoffs", url_prefix="/console/api")


@lru_cache(maxsize=1)
def canned_replies() -> list[str]:
    return [str(item) for item in yaml.safe_load(CANNED_FILE.read_text(encoding="utf-8")) or []]


def _waiting_level(seconds: float, timeout: float) -> str:
    """Colour band of a waiting conversation, relative to the time before the bot takes it back."""
    share = seconds / timeout if timeout else 1
    return "ok" if share < 1 / 3 else "warn" if share < 2 / 3 else "late"


def _card(request: Request, handoff: Handoff, now: datetime) -> dict[str, Any]:
    queue = request.app.ctx.queue
    waited = ((as_utc(handoff.claimed_at) if handoff.claimed_at else now) - as_utc(handoff.requested_at)).total_seconds()
    return {
        "id": handoff.id,
        "status": handoff.status,
        "channel": handoff.channel,
        "channel_label": labels()["channels"].get(handoff.channel, handoff.channel),
        "reason": handoff.reason,
        "reason_label": REASON_LABELS.get(handoff.reason, handoff.reason),
        "summary": handoff.summary,
        "requested_at": as_utc(handoff.requested_at).isoformat(),
        "wait_seconds": int(waited),
        "level": _waiting_level(waited, queue.claim_timeout.total_seconds()),
        "claimed_by": handoff.claimed_by,
        # how long the conversation with a person has been going (the wait stops at the claim)
        "talk_seconds": int((now - as_utc(handoff.claimed_at)).total_seconds()) if handoff.claimed_at else None,
        "mine": handoff.claimed_by == request.ctx.member.user_id,
    }


def _holds(request: Request, handoff: Handoff) -> bool:
    return handoff.status == "claimed" and handoff.claimed_by == request.ctx.member.user_id


NOT_HOLDER = Refusal(409, "请先接入该会话")


def _found(request: Request, handoff_id: int, *, held: bool = False) -> Handoff:
    """The handoff (held by the requesting staff member when ``held``), else a refusal."""
    handoff = request.app.ctx.queue.get(handoff_id)
    if handoff is None:
        raise Refusal(404, "会话不存在")
    if held and not _holds(request, handoff):
        raise NOT_HOLDER
    return handoff


@handoffs.get("/queue")
@require(*STAFF_WORK)
async def queue_view(request: Request) -> HTTPResponse:
    queue, now = request.app.ctx.queue, utc_now()
    me = request.ctx.member.user_id
    others = request.ctx.member.role in SUPERVISION
    return response.json(
        {
            "waiting": [_card(request, h, now) for h in queue.waiting()],
            "claimed": [_card(request, h, now) for h in queue.claimed(by=None if others else me)],
            "staff_hours": queue.hours.describe(),
            "on_duty": queue.hours.is_open(now),
        },
        ensure_ascii=False,
    )


@handoffs.post("/handoffs/<handoff_id:int>/claim")
@require(*STAFF_WORK)
async def claim(request: Request, handoff_id: int) -> HTTPResponse:
    member = request.ctx.member
    if not request.app.ctx.queue.claim(handoff_id, member.actor):
        return response.json({"error": "该会话已被其他工作人员接入或已结束"}, status=409)
    handoff = _found(request, handoff_id)
    try:
        await request.app.ctx.rasa.say(handoff.conversation_id, staff_joined_notice(member.staff_no), staff_no=member.staff_no)
    except RasaUnavailable as exc:
        logger.error("handoff %s claimed but the greeting was not delivered: %s", handoff_id, exc)
        return response.json({"ok": True, "warning": "已接入，但问候语未送达，请重发消息"}, ensure_ascii=False)
    return response.json({"ok": True})


@handoffs.get("/handoffs/<handoff_id:int>")
@require(*STAFF_WORK)
async def detail(request: Request, handoff_id: int) -> HTTPResponse:
    handoff = _found(request, handoff_id)
    ctx = request.app.ctx
    earlier = ctx.desk.tickets_of(channel=handoff.channel, conversation_id=handoff.conversation_id)
    notes = [{"text": n.text, "at": as_utc(n.at).isoformat(), "user_id": n.user_id} for n in ctx.queue.notes(handoff_id)]
    return response.json(
        {
            **_card(request, handoff, utc_now()),
            "holder": _holds(request, handoff),
            "tickets": [
                {
                    "number": t.number,
                    "category": t.labels["category"],
                    "status": t.labels["status"],
                    "due": t.due.isoformat(),
                    "due_certain": t.due_certain,
                }
                for t in earlier
            ],
            "notes": notes,
        },
        ensure_ascii=False,
    )


@handoffs.get("/handoffs/<handoff_id:int>/messages")
@require(*STAFF_WORK)
async def messages(request: Request, handoff_id: int) -> HTTPResponse:
    """Transcript lines after ``?after=<id>``; in clear only for the staff member holding the conversation."""
    handoff = _found(request, handoff_id)
    after = request.args.get("after", "0")
    lines = transcript(
        request.app.ctx.factory,
        handoff.conversation_id,
        after=int(after) if after.isdigit() else 0,
        masked=not _holds(request, handoff),
    )
    return response.json({"lines": [line.as_json() for line in lines]}, ensure_ascii=False)


def _text(request: Request) -> str:
    return str(json_body(request).get("text") or "").strip()


@handoffs.post("/handoffs/<handoff_id:int>/reply")
@require(*STAFF_WORK)
async def reply(request: Request, handoff_id: int) -> HTTPResponse:
    handoff = _found(request, handoff_id, held=True)
    text = _text(request)
    if not text or len(text) > MAX_REPLY_CHARS:
        return response.json({"error": f"请输入 1 到 {MAX_REPLY_CHARS} 字的回复"}, status=400)
    member = request.ctx.member
    try:
        await request.app.ctx.rasa.say(handoff.conversation_id, text, staff_no=member.staff_no)
    except RasaUnavailable as exc:
        logger.error("reply on handoff %s not delivered: %s", handoff_id, exc)
        return response.json({"error": "消息未送达，请稍后重试"}, status=502)
    with transaction(request.app.ctx.factory) as session:
        audit(session, member.actor, "handoff.reply", target_type="handoff", target_id=handoff_id, chars=len(text))
    return response.json({"ok": True})


@handoffs.post("/handoffs/<handoff_id:int>/notes")
@require(*STAFF_WORK)
async def add_note(request: Request, handoff_id: int) -> HTTPResponse:
    _found(request, handoff_id)
    text = _text(request)
    if not text or len(text) > MAX_REPLY_CHARS:
        return response.json({"error": "备注不能为空"}, status=400)
    request.app.ctx.queue.add_note(handoff_id, request.ctx.member.actor, text)
    return response.json({"ok": True})


@handoffs.get("/handoffs/<handoff_id:int>/ticket-form")
@require(*STAFF_WORK)
async def ticket_form(request: Request, handoff_id: int) -> HTTPResponse:
    """The fields of a ticket category, prefilled from what the conversation collected."""
    handoff = _found(request, handoff_id, held=True)
    category = request.args.get("category", "complaint")
    if category not in CATEGORIES:
        return response.json({"error": "未知的工单类别"}, status=400)
    names = ticket_fields(category)
    try:
        slots = await request.app.ctx.rasa.slots(handoff.conversation_id)
    except RasaUnavailable:
        slots = {}
    return response.json(
        {
            "category": category,
            "fields": [{"name": n, "label": field_label(n), "value": str(slots.get(n) or "")} for n in names],
            "categories": [{"value": c, "label": labels()["categories"][c]} for c in CATEGORIES],
        },
        ensure_ascii=False,
    )


@handoffs.post("/handoffs/<handoff_id:int>/tickets")
@require(*STAFF_WORK)
async def create_ticket(request: Request, handoff_id: int) -> HTTPResponse:
    """A ticket on the citizen's behalf, with the bot's rules and deadlines; the citizen is told at once."""
    handoff = _found(request, handoff_id, held=True)
    body = json_body(request)
    member = request.ctx.member
    try:
        draft = staff_draft(
            body.get("category"),
            body.get("fields") or {},
            channel=handoff.channel,
            conversation_id=handoff.conversation_id,
            staff_no=member.staff_no,
            major=bool(body.get("major")),
            submission_key=f"console:{handoff_id}:{str(body.get('submission') or '')[:64]}",
        )
    except DraftRefused as refused:
        return response.json({"error": str(refused)}, status=400)
    audited = AuditNote(member.actor, "ticket.create_for_citizen", target_type="ticket", detail={"handoff_id": handoff_id})
    created = await asyncio.to_thread(partial(request.app.ctx.desk.create, draft, audited=audited))
    # The person decided what the citizen wanted: a different reading than the bot's is kept for review.
    await asyncio.to_thread(record_correction, request.app.ctx.factory, handoff.conversation_id, draft.category, member.staff_no)
    notice = "\n".join(response_text(name, **values) for name, values in acceptance_messages(created, beijing_today()))
    delivered = True
    try:
        await request.app.ctx.rasa.say(handoff.conversation_id, notice, staff_no=member.staff_no)
    except RasaUnavailable as exc:
        logger.error("ticket %s created but the notice was not delivered: %s", created.number, exc)
        delivered = False
    return response.json(
        {
            "number": created.number,
            "due": created.due.isoformat(),
            "due_certain": created.deadline_certain,
            "delivered": delivered,
            "notice": mask_personal_data(notice),
        },
        ensure_ascii=False,
    )


@handoffs.post("/handoffs/<handoff_id:int>/hand-back")
@require(*STAFF_WORK)
async def hand_back(request: Request, handoff_id: int) -> HTTPResponse:
    handoff = _found(request, handoff_id)
    ctx = request.app.ctx
    if not ctx.queue.hand_back(handoff_id, request.ctx.member.actor):
        raise NOT_HOLDER
    try:
        await ctx.rasa.resume(handoff.conversation_id)
        await ctx.rasa.trigger(handoff.conversation_id, "handoff_returned")
    except RasaUnavailable as exc:
        logger.error("handoff %s not handed back: %s", handoff_id, exc)
        ctx.queue.undo_end(handoff_id, back_to="claimed")
        return response.json({"error": "未能转回智能助手，请稍后重试"}, status=502)
    return response.json({"ok": True})


@handoffs.get("/canned-replies")
@require(*STAFF_WORK)
async def canned(_: Request) -> HTTPResponse:
    return response.json({"replies": canned_replies()}, ensure_ascii=False)
