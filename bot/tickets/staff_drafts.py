"""A ticket that staff take down for a citizen in a handed-over conversation: which fields each category
asks for, which may stay empty, and the draft the bot's own rules then create (deadlines, routing,
same-source links all as for the bot's tickets)."""

from __future__ import annotations

from typing import Any

from bot.conversation.cases import field_label, form_spec
from bot.tickets.models import CATEGORIES
from bot.tickets.service import TicketDraft

MAX_FIELD_CHARS = 2000
ANONYMOUS_ANSWERS = ("是", "匿名", "yes", "true")
STAFF_MAJOR_REASON = "工作人员标记为重大投诉"
_CONSULTATION_FIELDS = ("message_question", "contact_phone")
_CONTACT_FIELDS = frozenset({"contact_name", "contact_phone", "case_anonymous"})


class DraftRefused(ValueError):
    """What staff entered cannot become a ticket; the message says why, in Chinese."""


def ticket_fields(category: str) -> tuple[str, ...]:
    """The fields staff fill in for ``category``, in the order the bot's form asks them."""
    return _CONSULTATION_FIELDS if category == "consultation" else form_spec(category).fields


def optional_fields(category: str) -> frozenset[str]:
    return frozenset({"contact_phone"}) if category == "consultation" else form_spec(category).optional


def staff_draft(
    category: Any, values: Any, *, channel: str, conversation_id: str, submission_key: str, staff_no: str, major: bool = False
) -> TicketDraft:
    """The draft of a ticket staff filled in; raises ``DraftRefused`` for an unknown category or a
    required field left empty. Texts are trimmed to ``MAX_FIELD_CHARS``."""
    if category not in CATEGORIES or not isinstance(values, dict):
        raise DraftRefused("未知的工单类别")
    fields = {n: str(values.get(n) or "").strip()[:MAX_FIELD_CHARS] for n in ticket_fields(category)}
    missing = [field_label(n) for n, v in fields.items() if not v and n not in optional_fields(category)]
    if missing:
        raise DraftRefused("请填写：" + "、".join(missing))
    return TicketDraft(
        category=category,
        channel=channel,
        conversation_id=conversation_id,
        fields={n: v for n, v in fields.items() if n not in _CONTACT_FIELDS},
        submission_key=submission_key,
        name=fields.get("contact_name") or None,
        phone=fields.get("contact_phone") or None,
        anonymous=fields.get("case_anonymous", "") in ANONYMOUS_ANSWERS,
        major_reason=STAFF_MAJOR_REASON if category == "complaint" and major else None,
        created_by=f"staff:{staff_no}",
    )
