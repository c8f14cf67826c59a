"""FAQ editor routes for many entries at once: import with a preview, export, and the questions the
bot could not answer (grouped, turned into entries or dismissed)."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.faq_routes import EDITING, audit_note, audit_reading, entry_filter, entry_json, near_duplicates, with_similar
from bot.console.http import json_body
from bot.console.security import STAFF_WORK, require
from bot.conversation.unanswered import came_from
from bot.core.clock import utc_now
from bot.faq.editing import answer_unanswered, close_unanswered, find_entries, group_text, preview_import, unanswered_groups
from bot.faq.store import EntryData, InvalidEntry, StaleEdit, get_entry, saved_entry
from bot.faq.transfer import UnreadableFile, export_file, import_file
from bot.handoff.transcript import transcript

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".csv", ".xlsx")

bulk = Blueprint("console_faq_bulk", url_prefix="/console/api/faq")


def _uploads(request: Request) -> Path:
    folder = request.app.ctx.settings.var_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bulk.post("/import/preview")
@require(*EDITING)
async def import_preview(request: Request) -> HTTPResponse:
    """Keep the uploaded file under a one-time token and show what importing it would do."""
    upload = request.files.get("file") if request.files else None
    suffix = Path(upload.name or "").suffix.lower() if upload else ""
    if upload is None or suffix not in UPLOAD_SUFFIXES or len(upload.body) > MAX_UPLOAD_BYTES:
        return response.json({"error": "请上传 5 MB 以内的 .csv 或 .xlsx 文件"}, status=400)
    token = secrets.token_hex(16)
    path = _uploads(request) / f"{token}{suffix}"
    path.write_bytes(upload.body)
    try:
        rows = preview_import(request.app.ctx.factory, path)
    except UnreadableFile as exc:
        path.unlink(missing_ok=True)
        return response.json({"error": str(exc)}, status=400)
    counts = {kind: sum(r.outcome == kind for r in rows) for kind in ("new", "changed", "unchanged", "rejected")}
    return response.json({"token": token + suffix, "counts": counts, "rows": [r.__dict__ for r in rows]}, ensure_ascii=False)


@bulk.post("/import/apply")
@require(*EDITING)
async def import_apply(request: Request) -> HTTPResponse:
    token = str(json_body(request).get("token") or "")
    path = _uploads(request) / token
    if not token or "/" in token or not path.is_file():
        return response.json({"error": "请先上传并预览文件"}, status=400)
    report = import_file(
        request.app.ctx.factory, path, actor=request.ctx.member.username, audited=audit_note(request, "faq.import", "*")
    )
    path.unlink(missing_ok=True)
    return response.json(
        {
            "summary": report.summary(),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
        },
        ensure_ascii=False,
    )


@bulk.get("/export")
@require(*EDITING)
async def export(request: Request) -> HTTPResponse:
    """The whole base, or what the list's filters select, as CSV or Excel."""
    kind = "xlsx" if request.args.get("format") == "xlsx" else "csv"
    entries = [item.entry for item in find_entries(request.app.ctx.factory, entry_filter(request.args))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"faq.{kind}"
        count = export_file(request.app.ctx.factory, path, entries=sorted(entries, key=lambda e: e.id))
        data = path.read_bytes()
    audit_reading(request, "faq.export", "*", entries=count, filters={k: v for k, v in request.args.items() if k != "format"})
    stamp = utc_now().strftime("%Y%m%d")
    return response.raw(
        data,
        content_type="text/csv; charset=utf-8"
        if kind == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="faq-{stamp}.{kind}"'},
    )


@bulk.get("/unanswered")
@require(*EDITING)
async def unanswered(request: Request) -> HTTPResponse:
    groups = unanswered_groups(request.app.ctx.factory)
    return response.json(
        {"groups": [{**g.__dict__, "first_at": g.first_at.isoformat(), "last_at": g.last_at.isoformat()} for g in groups]},
        ensure_ascii=False,
    )


def _group(request: Request) -> tuple[list[str], str | None]:
    """The question keys the request names and their question (None when already dealt with)."""
    keys = [str(k) for k in (json_body(request).get("keys") or [])][:200]
    return keys, group_text(request.app.ctx.factory, keys) if keys else None


@bulk.post("/unanswered/draft")
@require(*EDITING)
async def to_draft(request: Request) -> HTTPResponse:
    """A new draft entry whose question is the group's question (the editor writes the answer)."""
    body = json_body(request)
    keys, text = _group(request)
    if text is None:
        return response.json({"error": "该问题已处理"}, status=404)
    entry_id = str(body.get("id") or f"Q-{utc_now():%Y%m%d}-{secrets.token_hex(2).upper()}")
    entry = EntryData(
        id=entry_id,
        question=text[:200],
        answer=str(body.get("answer") or "（待填写答复）"),
        category=str(body.get("category") or "待分类"),
        status="draft",
    )
    try:
        answer_unanswered(
            request.app.ctx.factory,
            keys,
            entry,
            expected_version=None,
            actor=request.ctx.member.username,
            audited=audit_note(request, "faq.create_from_unanswered", entry_id),
        )
    except InvalidEntry as exc:
        return response.json({"error": str(exc)}, status=400)
    return response.json({"entry": entry_json(saved_entry(request.app.ctx.factory, entry_id))}, status=201, ensure_ascii=False)


@bulk.post("/unanswered/similar")
@require(*EDITING)
async def to_similar(request: Request) -> HTTPResponse:
    """Add the group's question to an existing entry as a similar question."""
    body = json_body(request)
    keys, text = _group(request)
    entry = get_entry(request.app.ctx.factory, str(body.get("entry_id") or ""))
    if text is None or entry is None:
        return response.json({"error": "问题或条目不存在"}, status=404)
    try:
        answer_unanswered(
            request.app.ctx.factory,
            keys,
            with_similar(entry, text[:200]),
            expected_version=entry.version,
            actor=request.ctx.member.username,
            audited=audit_note(request, "faq.add_similar_from_unanswered", entry.id),
        )
    except StaleEdit:
        return response.json({"error": "该条目刚被修改，请重试"}, status=409)
    stored = saved_entry(request.app.ctx.factory, entry.id)
    return response.json({"entry": entry_json(stored), "duplicates": near_duplicates(request, stored)}, ensure_ascii=False)


@bulk.post("/unanswered/dismiss")
@require(*EDITING)
async def dismiss(request: Request) -> HTTPResponse:
    keys, _ = _group(request)
    if not keys:
        return response.json({"error": "请选择问题"}, status=400)
    closed = close_unanswered(request.app.ctx.factory, keys, audited=audit_note(request, "faq.dismiss_unanswered", keys[0][:64]))
    return response.json({"dismissed": closed})


@bulk.get("/conversations/<conversation_id:str>")
@require(*EDITING, *STAFF_WORK)
async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
    """A conversation an unanswered question came from, personal data masked; no other conversation."""
    if not came_from(request.app.ctx.factory, conversation_id):
        return response.json({"error": "没有来自这个会话的未解答问题"}, status=404, ensure_ascii=False)
    lines = transcript(request.app.ctx.factory, conversation_id, masked=True)
    audit_reading(request, "conversation.view", conversation_id[:64])
    return response.json({"lines": [line.as_json() for line in lines]}, ensure_ascii=False)
