"""What staff read before they take a conversation: why, what the citizen wanted, what was collected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.conversation.cases import field_label
from bot.conversation.dialogue import intent_names
from bot.core.privacy import mask_name, mask_personal_data, mask_phone

# Slots whose values are worth showing staff, with how to mask them.
_PHONE_SLOTS = {"contact_phone", "message_phone"}
_NAME_SLOTS = {"contact_name"}
_OTHER_FORM_SLOTS = {"message_question", "message_phone", "lookup_number"}
LAST_MESSAGES = 6


def summarize(
    *, events: Sequence[Mapping[str, Any]], slots: Mapping[str, Any], active_form: str | None, intent_labels: Mapping[str, str]
) -> dict[str, Any]:
    """The handoff summary: the citizen's intent, the form and fields so far, the last messages (masked)."""
    intents = [(e.get("parse_data") or {}).get("intent", {}).get("name") for e in events if e.get("event") == "user"]
    meaningful = [i for i in intents if i and i not in ("request_human", "nlu_fallback", "affirm", "deny")]
    intent = meaningful[-1] if meaningful else (intents[-1] if intents else None)
    return {
        "intent": intent,
        "intent_label": intent_labels.get(intent or "") or intent_names().get(intent or "") or "未识别",
        "form": active_form,
        "fields": _fields(slots),
        "last_messages": _last_messages(events),
    }


def _fields(slots: Mapping[str, Any]) -> list[dict[str, str]]:
    fields = []
    for slot, value in slots.items():
        if value in (None, "", []) or not (slot.startswith(("case_", "contact_")) or slot in _OTHER_FORM_SLOTS):
            continue
        text = str(value)
        if slot in _PHONE_SLOTS:
            text = mask_phone(text)
        elif slot in _NAME_SLOTS:
            text = mask_name(text)
        else:
            text = mask_personal_data(text)
        fields.append({"slot": slot, "label": field_label(slot), "value": text})
    return fields


def _last_messages(events: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    lines = []
    for event in events:
        kind, text = event.get("event"), (event.get("text") or "").strip()
        if kind in ("user", "bot") and text and not text.startswith("/"):
            lines.append({"who": "citizen" if kind == "user" else "bot", "text": mask_personal_data(text)})
    return lines[-LAST_MESSAGES:]
