"""The FAQ editor's routes (roles editor, supervisor, admin): find, edit, publish, history, try it.

Import/export and the unanswered questions are in ``faq_bulk_routes.py``. Every change is audited;
an edit carries the version it started from, so two editors never silently overwrite each other.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.http import html_page, json_body
from bot.console.security import require
from bot.core.db import transaction
from bot.faq.editing import EntryFilter, clean_text, differences, find_entries, usage
from bot.faq.explain import search_report
from bot.faq.models import HOTLINE_SCOPES
from bot.faq.store import (
    EntryData,
    InvalidEntry,
    StaleEdit,
    get_entry,
    last_content_editor,
    list_entries,
    restore_revision,
    revisions,
    save_checked,
    saved_entry,
    set_status,
)
from bot.faq.transfer import MAX_ANSWER_CHARS, SEPARATOR
from bot.messaging.reply_shaping import pack, utf8_bytes
from bot.staff.audit import AuditNote, write_note
from bot.staff.roles import EDITING

DUPLICATE_SCORE = 0.75  # a new question this close to an entry's is probably already answered
WECHAT_LIMIT_BYTES = 2000
_LINK = re.compile(r"https?://[^\s，。；、！？）)\]]+")
SORTS = {
    "updated": lambda item: -item.entry.updated_at.timestamp(),
    "served": lambda item: -item.usage.served,
    "helpful": lambda item: -item.usage.helpful,
    "unhelpful": lambda item: -item.usage.unhelpful,
}

faq = Blueprint("console_faq", url_prefix="/console")


def entry_json(entry: EntryData) -> dict[str, Any]:
    return {**entry.content(), "version": entry.version}


def audit_note(request: Request, action: str, entry_id: str, **detail: Any) -> AuditNote:
    """The audit entry of an editor's change, for the service to write with the change."""
    return AuditNote(request.ctx.member.actor, action, target_type="faq_entry", target_id=entry_id, detail=detail)


def audit_reading(request: Request, action: str, target_id: str, **detail: Any) -> None:
    """Audit what an editor read or took away (an export, a conversation): there is no change to join."""
    with transaction(request.app.ctx.factory) as session:
        write_note(session, audit_note(request, action, target_id, **detail))


def _date(text: Any) -> date | None:
    text = str(text or "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise InvalidEntry(f"“{text}”不是日期，应写作 2026-01-31") from exc


def entry_from(body: dict[str, Any], entry_id: str, status: str) -> EntryData:
    """An entry from the editor's form; question and answer are cleaned to plain text."""
    similar = body.get("similar_questions") or []
    if isinstance(similar, str):
        similar = similar.split(SEPARATOR)
    answer = clean_text(str(body.get("answer") or ""))
    if len(answer) > MAX_ANSWER_CHARS:
        raise InvalidEntry(f"答案不能超过 {MAX_ANSWER_CHARS} 个字")
    return EntryData(
        id=entry_id,
        question=clean_text(str(body.get("question") or "")),
        answer=answer,
        category=str(body.get("category") or "").strip(),
        similar_questions=tuple(dict.fromkeys(q for q in (clean_text(str(s)) for s in similar) if q)),
        hotline=str(body.get("hotline") or "all"),
        department=str(body.get("department") or "").strip(),
        source=str(body.get("source") or "").strip(),
        effective_date=_date(body.get("effective_date")),
        expires_on=_date(body.get("expires_on")),
        status=status,
    )


def entry_filter(args) -> EntryFilter:
    """The list's filters from query arguments (shared by the list and the export)."""
    months = args.get("stale", "0")
    return EntryFilter(
        category=args.get("category", ""),
        hotline=args.get("hotline", ""),
        department=args.get("department", ""),
        status=args.get("status", ""),
        not_reviewed_months=int(months) if months.isdigit() else 0,
    )


def near_duplicates(request: Request, entry: EntryData) -> list[dict[str, Any]]:
    """Served entries whose questions are nearly the same as this entry's."""
    found = []
    for phrasing in entry.phrasings():
        report = search_report(request.app.ctx.live_faq, phrasing, hotlines=None, top=3)
        for candidate in report["candidates"]:
            if candidate["id"] != entry.id and candidate["score"] >= DUPLICATE_SCORE:
                found.append(
                    {"phrasing": phrasing, "id": candidate["id"], "question": candidate["question"], "score": candidate["score"]}
                )
    return found


@faq.get("/faq")
@require(*EDITING)
async def page(_: Request) -> HTTPResponse:
    return await html_page("faq.html")


@faq.get("/api/faq/entries")
@require(*EDITING)
async def list_view(request: Request) -> HTTPResponse:
    args = request.args
    listed = find_entries(request.app.ctx.factory, entry_filter(args))
    text = args.get("q", "").strip()
    if text:  # the citizens' matcher ranks what it serves; anything else must contain the words
        ranked = [c["id"] for c in search_report(request.app.ctx.live_faq, text, hotlines=None, top=20)["candidates"]]
        order = {entry_id: position for position, entry_id in enumerate(ranked)}
        listed = [
            item
            for item in listed
            if item.entry.id in order
            or text in item.entry.question
            or any(text in q for q in item.entry.similar_questions)
            or text in item.entry.answer
        ]
        listed.sort(key=lambda item: order.get(item.entry.id, len(order)))
    else:
        listed.sort(key=SORTS.get(args.get("sort", "updated"), SORTS["updated"]))
    entries = [
        {
            **entry_json(item.entry),
            "served": item.usage.served,
            "helpful": item.usage.helpful,
            "unhelpful": item.usage.unhelpful,
            "updated_at": item.entry.updated_at.isoformat() if item.entry.updated_at else "",
            "expired": item.expired,
        }
        for item in listed[:500]
    ]
    every = list_entries(request.app.ctx.factory)  # the filters' choices
    return response.json(
        {
            "entries": entries,
            "total": len(listed),
            "review_required": request.app.ctx.settings.console.faq_review_required,
            "categories": sorted({e.category for e in every}),
            "departments": sorted({e.department for e in every} - {""}),
            "hotlines": list(HOTLINE_SCOPES),
        },
        ensure_ascii=False,
    )


@faq.get("/api/faq/entries/<entry_id:str>")
@require(*EDITING)
async def detail(request: Request, entry_id: str) -> HTTPResponse:
    entry = get_entry(request.app.ctx.factory, entry_id)
    if entry is None:
        return response.json({"error": "条目不存在"}, status=404)
    counts = usage(request.app.ctx.factory).get(entry_id)
    history = [
        {
            "id": r.id,
            "version": r.version,
            "action": r.action,
            "changed_by": r.changed_by,
            "changed_at": r.changed_at.isoformat(),
            "snapshot": r.snapshot,
        }
        for r in revisions(request.app.ctx.factory, entry_id)
    ]
    return response.json(
        {
            "entry": entry_json(entry),
            "history": history,
            "served": counts.served if counts else 0,
            "helpful": counts.helpful if counts else 0,
            "unhelpful": counts.unhelpful if counts else 0,
        },
        ensure_ascii=False,
    )


def _saved(request: Request, entry: EntryData, outcome: str) -> HTTPResponse:
    stored = saved_entry(request.app.ctx.factory, entry.id)
    return response.json(
        {"outcome": outcome, "entry": entry_json(stored), "duplicates": near_duplicates(request, stored)},
        status=201 if outcome == "created" else 200,
        ensure_ascii=False,
    )


@faq.post("/api/faq/entries")
@require(*EDITING)
async def create(request: Request) -> HTTPResponse:
    body = json_body(request)
    entry_id = str(body.get("id") or "").strip()
    try:
        entry = entry_from(body, entry_id, "draft")
        outcome = save_checked(
            request.app.ctx.factory,
            entry,
            expected_version=None,
            actor=request.ctx.member.username,
            audited=audit_note(request, "faq.create", entry.id),
        )
    except InvalidEntry as exc:
        return response.json({"error": str(exc)}, status=400)
    return _saved(request, entry, outcome)


@faq.put("/api/faq/entries/<entry_id:str>")
@require(*EDITING)
async def edit(request: Request, entry_id: str) -> HTTPResponse:
    body = json_body(request)
    current = get_entry(request.app.ctx.factory, entry_id)
    if current is None:
        return response.json({"error": "条目不存在"}, status=404)
    # With second-person review, changed content waits for the reviewer: it goes back to draft.
    status = "draft" if request.app.ctx.settings.console.faq_review_required and current.status == "published" else current.status
    try:
        entry = entry_from(body, entry_id, status)
        if entry.content() == replace(current, status=status).content():
            entry = replace(entry, status=current.status)  # nothing changed: nothing to review
        version = int(body.get("version") or 0)
        outcome = save_checked(
            request.app.ctx.factory,
            entry,
            expected_version=version,
            actor=request.ctx.member.username,
            audited=audit_note(request, "faq.edit", entry_id, version=version),
        )
    except InvalidEntry as exc:
        return response.json({"error": str(exc)}, status=400)
    except StaleEdit as exc:
        return response.json(
            {
                "error": f"该条目已被 {exc.by} 修改（当前第 {exc.current} 版）。请重新打开后再修改，您的内容未保存。",
                "current_version": exc.current,
            },
            status=409,
        )
    return _saved(request, entry, outcome)


@faq.post("/api/faq/entries/<entry_id:str>/status/<action:str>")
@require(*EDITING)
async def change_status(request: Request, entry_id: str, action: str) -> HTTPResponse:
    ctx, member = request.app.ctx, request.ctx.member
    if action not in ("publish", "retire", "draft"):
        return response.json({"error": "未知操作"}, status=400)
    if get_entry(ctx.factory, entry_id) is None:
        return response.json({"error": "条目不存在"}, status=404)
    if (
        action == "publish"
        and ctx.settings.console.faq_review_required
        and last_content_editor(ctx.factory, entry_id) == member.username
    ):
        return response.json({"error": "本系统要求双人审核：请由另一位编辑审核后发布"}, status=409)
    status = {"publish": "published", "retire": "retired", "draft": "draft"}[action]
    entry = set_status(
        ctx.factory, entry_id, status, actor=member.username, audited=audit_note(request, f"faq.{action}", entry_id)
    )
    return response.json({"entry": entry_json(entry)}, ensure_ascii=False)


@faq.get("/api/faq/entries/<entry_id:str>/diff")
@require(*EDITING)
async def diff(request: Request, entry_id: str) -> HTTPResponse:
    history = {r.id: r.snapshot for r in revisions(request.app.ctx.factory, entry_id)}
    before, after = request.args.get("from", ""), request.args.get("to", "")
    if not (before.isdigit() and after.isdigit()) or int(before) not in history or int(after) not in history:
        return response.json({"error": "请选择该条目的两个版本"}, status=400)
    return response.json({"changes": differences(history[int(before)], history[int(after)])}, ensure_ascii=False)


@faq.post("/api/faq/entries/<entry_id:str>/rollback")
@require(*EDITING)
async def rollback(request: Request, entry_id: str) -> HTTPResponse:
    revision = json_body(request).get("revision")
    try:
        number = int(str(revision))
        entry = restore_revision(
            request.app.ctx.factory,
            entry_id,
            number,
            actor=request.ctx.member.username,
            audited=audit_note(request, "faq.rollback", entry_id, revision=number),
        )
    except (KeyError, TypeError, ValueError):
        return response.json({"error": "没有这个版本"}, status=404)
    return response.json({"entry": entry_json(entry)}, ensure_ascii=False)


@faq.post("/api/faq/try")
@require(*EDITING)
async def try_it(request: Request) -> HTTPResponse:
    question = str(json_body(request).get("question") or "").strip()[:500]
    if not question:
        return response.json({"error": "请输入一个问题"}, status=400)
    hotlines = request.app.ctx.settings.profile.faq_hotlines
    return response.json(search_report(request.app.ctx.live_faq, question, hotlines=hotlines, top=5), ensure_ascii=False)


@faq.post("/api/faq/preview")
@require(*EDITING)
async def preview(request: Request) -> HTTPResponse:
    """The answer as the web chat and WeChat would show it: cleaned text, WeChat messages, links."""
    answer = clean_text(str(json_body(request).get("answer") or ""))
    pieces = pack([answer], WECHAT_LIMIT_BYTES, utf8_bytes) if answer else []
    return response.json(
        {
            "webchat": answer,
            "wechat": pieces,
            "chars": len(answer),
            "too_long": len(answer) > MAX_ANSWER_CHARS,
            "links": _LINK.findall(answer),
        },
        ensure_ascii=False,
    )


def with_similar(entry: EntryData, question: str) -> EntryData:
    return replace(entry, similar_questions=tuple(dict.fromkeys((*entry.similar_questions, question))))
