"""Validation of the complaint, report and suggestion forms (one base, three names).

Each field says why a value is refused; "跳过" skips optional fields; a confident consultation
question in the middle is answered and the same field is asked again; at the end the citizen confirms
a summary, or names a field to change ("电话写错了", "地址改成人民路8号").
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.faq import answer_if_confident
from actions.forms.base import ExplainingFormValidation
from bot.conversation.cases import NOT_GIVEN, correction, describe_time, form_spec
from bot.conversation.validation import is_meaningful, normalize_phone
from bot.core.clock import utc_now

SKIP = re.compile(r"^(跳过|不用了?|不需要|没有|无|不留|算了吧)[。.!！]*$")
UNKNOWN = re.compile(r"不清楚|不知道|不记得|记不清|忘了")
QUESTION = re.compile(r"[?？]|吗$|怎么|如何|哪里|什么|能不能|可不可以")
_NAME = re.compile(r"^[\u4e00-\u9fa5A-Za-z·•\s]{1,20}$")
CONFIDENT_CONSULT = 0.8


def _intent(tracker: Tracker) -> tuple[str, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") or "", float(intent.get("confidence") or 0.0)


def form_fields(category: str, tracker: Tracker) -> list[str]:
    """The fields this run of the form asks (reports: no name or phone when anonymous)."""
    fields = list(form_spec(category).fields)
    if category == "report" and tracker.get_slot("case_anonymous") == "是":
        fields = [f for f in fields if f not in ("contact_name", "contact_phone")]
    return fields


class CaseFormValidation(ExplainingFormValidation):
    """Shared by the three forms; subclasses set ``category`` and their name."""

    category = ""

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return form_fields(self.category, tracker) + ["case_confirmed"]

    def _answered_question(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
        name, confidence = _intent(tracker)
        return (
            name == "consult"
            and confidence >= CONFIDENT_CONSULT
            and bool(QUESTION.search(text))
            and answer_if_confident(dispatcher, text)
        )

    def optional(self, slot: str) -> bool:
        return slot in form_spec(self.category).optional

    def _skipped(self, slot: str, text: str) -> bool:
        return self.optional(slot) and bool(SKIP.match(text.strip()))

    def _check(self, slot: str, text: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """The value of ``slot`` from ``text``, or a refusal that says why."""
        text = text.strip()
        if self._skipped(slot, text):
            return self.accept(slot, NOT_GIVEN)
        if slot == "case_description":
            ok = is_meaningful(text, minimum=6, maximum=1000)
            return self.accept(slot, text) if ok else self.reject(slot, "utter_case_description_invalid", dispatcher, tracker)
        if slot == "case_time":
            when = "不清楚" if UNKNOWN.search(text) else describe_time(text, utc_now())
            return self.accept(slot, when) if when else self.reject(slot, "utter_case_time_invalid", dispatcher, tracker)
        if slot in ("case_location", "case_party", "case_evidence"):
            if UNKNOWN.search(text) or (slot == "case_evidence" and SKIP.match(text)):
                return self.accept(slot, "不清楚" if slot != "case_evidence" else "无")
            ok = is_meaningful(text, minimum=2, maximum=200)
            return self.accept(slot, text) if ok else self.reject(slot, "utter_case_text_invalid", dispatcher, tracker)
        if slot == "case_anonymous":
            name, _ = _intent(tracker)
            if ("匿名" in text and "不" not in text) or name == "affirm":
                return self.accept(slot, "是")
            if "实名" in text or "不" in text or name == "deny":
                return self.accept(slot, "否")
            return self.reject(slot, "utter_case_anonymous_invalid", dispatcher, tracker)
        if slot == "contact_name":
            ok = bool(_NAME.match(text))
            return self.accept(slot, text) if ok else self.reject(slot, "utter_contact_name_invalid", dispatcher, tracker)
        if slot == "contact_phone":
            phone = normalize_phone(text)
            return self.accept(slot, phone) if phone else self.reject(slot, "utter_phone_invalid", dispatcher, tracker)
        raise KeyError(slot)

    def _field(self, slot: str, value: Any, dispatcher, tracker) -> dict[str, Any]:
        if value is None:  # cleared (a new case, or a field to change): nothing to check
            return {slot: None}
        text = str(value)
        if self._answered_question(dispatcher, tracker, text):
            return {slot: None}  # the form asks the same field again
        return self._check(slot, text, dispatcher, tracker)

    async def validate_case_description(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("case_description", value, dispatcher, tracker)

    async def validate_case_location(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("case_location", value, dispatcher, tracker)

    async def validate_case_time(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("case_time", value, dispatcher, tracker)

    async def validate_case_party(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("case_party", value, dispatcher, tracker)

    async def validate_case_evidence(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("case_evidence", value, dispatcher, tracker)

    async def validate_case_anonymous(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("case_anonymous", value, dispatcher, tracker)

    async def validate_contact_name(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("contact_name", value, dispatcher, tracker)

    async def validate_contact_phone(self, value, dispatcher, tracker, domain: DomainDict):
        return self._field("contact_phone", value, dispatcher, tracker)

    async def validate_case_confirmed(self, value, dispatcher, tracker, domain: DomainDict):
        if value is None:
            return {"case_confirmed": None}
        text = str(value).strip()
        name, _ = _intent(tracker)
        if name == "affirm" or text.startswith("确认"):
            return {"case_confirmed": "yes"}
        fix = correction(text)
        if fix is not None and fix[0] in form_fields(self.category, tracker):
            slot, new_value = fix
            if new_value is None:
                return {slot: None, "case_confirmed": None}  # the form asks that field again
            return {**self._check(slot, new_value, dispatcher, tracker), "case_confirmed": None}
        dispatcher.utter_message(response="utter_ask_which_field")
        return {"case_confirmed": None}


class ValidateComplaintForm(CaseFormValidation):
    category = "complaint"

    def name(self) -> str:
        return "validate_complaint_form"


class ValidateReportForm(CaseFormValidation):
    category = "report"

    def name(self) -> str:
        return "validate_report_form"


class ValidateSuggestionForm(CaseFormValidation):
    category = "suggestion"

    def name(self) -> str:
        return "validate_suggestion_form"
