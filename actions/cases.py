"""Complaints, reports and suggestions: start (prefill), the confirmation summary, and submission."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms.case import form_fields
from actions.tickets import submission_key, submit
from bot.conversation.cases import NOT_GIVEN, field_label, form_spec, prefill
from bot.core.clock import utc_now
from bot.core.privacy import mask_phone
from bot.tickets.service import TicketDraft, labels

CATEGORY_OF_INTENT = {"complain": "complaint", "report": "report", "suggest": "suggestion"}
FORM_OF_CATEGORY = {"complaint": "complaint_form", "report": "report_form", "suggestion": "suggestion_form"}
CASE_SLOTS = (
    "case_description",
    "case_location",
    "case_time",
    "case_party",
    "case_evidence",
    "case_anonymous",
    "contact_name",
    "contact_phone",
    "case_confirmed",
)
CONTACT_SLOTS = ("contact_name", "contact_phone")


class ActionStartCase(Action):
    """Clears the last case, sets the category, and fills what the first message already says."""

    def name(self) -> str:
        return "action_start_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        category = CATEGORY_OF_INTENT.get(intent, "complaint")
        text = tracker.latest_message.get("text") or ""
        known = prefill("" if text.startswith("/") else text, utc_now())
        fields = form_spec(category).fields
        events = [SlotSet("case_category", category), SlotSet("field_failures", 0)]
        for slot in CASE_SLOTS:
            value = known.get(slot) if slot in fields else None
            if value is not None or tracker.get_slot(slot) is not None:  # clear only what an earlier case left
                events.append(SlotSet(slot, value))
        return events


class ActionAskCaseConfirmed(Action):
    """Shows every field (phone masked) and asks to confirm, change or cancel."""

    def name(self) -> str:
        return "action_ask_case_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        category = tracker.get_slot("case_category") or "complaint"
        lines = []
        for slot in form_fields(category, tracker):
            value = tracker.get_slot(slot) or NOT_GIVEN
            if slot == "contact_phone" and value != NOT_GIVEN:
                value = mask_phone(value)
            lines.append(f"{field_label(slot)}：{value}")
        dispatcher.utter_message(
            response="utter_case_summary", category_label=labels()["categories"][category], summary="\n".join(lines)
        )
        dispatcher.utter_message(response="utter_ask_case_confirmed")
        return []


class ActionSubmitCase(Action):
    """Creates the ticket once; a database failure keeps every field for 重新提交."""

    def name(self) -> str:
        return "action_submit_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        category = tracker.get_slot("case_category") or "complaint"
        if tracker.get_slot("case_confirmed") != "yes":
            dispatcher.utter_message(response="utter_anything_else")
            return []
        content = {
            slot: tracker.get_slot(slot)
            for slot in form_fields(category, tracker)
            if slot not in CONTACT_SLOTS and tracker.get_slot(slot)
        }

        def contact(slot: str) -> str | None:
            value = tracker.get_slot(slot)
            return None if value in (None, NOT_GIVEN) else value

        draft = TicketDraft(
            category=category,
            fields=content,
            channel=tracker.get_latest_input_channel() or "unknown",
            conversation_id=tracker.sender_id,
            submission_key=submission_key(tracker, FORM_OF_CATEGORY[category]),
            name=contact("contact_name"),
            phone=contact("contact_phone"),
            anonymous=tracker.get_slot("case_anonymous") == "是",
        )
        created = submit(dispatcher, draft, failure_response="utter_case_failed")
        if created is None:
            return []
        return [SlotSet(slot, None) for slot in CASE_SLOTS] + [SlotSet("case_category", None)]
