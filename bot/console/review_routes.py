"""The NLU review (roles editor, supervisor, admin): messages the bot was unsure about, with what it
thought, labelled with one click; ``python -m bot nlu export-reviewed`` turns the labels into training data."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import Refusal, html_page, json_body
from bot.console.security import require
from bot.conversation.dialogue import intent_names
from bot.core.db import transaction
from bot.review.queue import LABELS, NOT_FOR_TRAINING, ReviewError, label, pending_and_labelled
from bot.staff.audit import audit
from bot.staff.roles import EDITING

REVIEWERS = EDITING

review = Blueprint("console_review", url_prefix="/console")


@review.get("/review")
@require(*REVIEWERS)
async def page(_: Request) -> HTTPResponse:
    return await html_page("review.html")


@review.get("/api/review")
@require(*REVIEWERS)
async def listing(request: Request) -> HTTPResponse:
    labelled = request.args.get("labelled") == "1"
    items = await asyncio.to_thread(pending_and_labelled, request.app.ctx.factory, labelled=labelled)
    names = intent_names()
    return response.json(
        {"items": items, "labels": [{"intent": i, "name": names.get(i, i)} for i in LABELS], "names": names}, ensure_ascii=False
    )


@review.post("/api/review/<review_id:int>/label")
@require(*REVIEWERS)
async def set_label(request: Request, review_id: int) -> HTTPResponse:
    intent = str(json_body(request).get("intent", NOT_FOR_TRAINING))
    member = request.ctx.member
    try:
        with transaction(request.app.ctx.factory) as session:
            label(session, review_id, intent, member.staff_no)
            audit(
                session,
                member.actor,
                "nlu.label",
                target_type="nlu_review",
                target_id=str(review_id),
                label=intent or "not_for_training",
            )
    except ReviewError as exc:
        raise Refusal(400, str(exc)) from None
    except LookupError:
        raise Refusal(404, "这条消息不存在") from None
    return response.json({"ok": True})
