"""Validation of the 留言 form: a meaningful question and a mainland phone number."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import ExplainingFormValidation
from bot.conversation.validation import is_meaningful, normalize_phone

MAX_QUESTION_CHARS = 1000


class ValidateLeaveMessageForm(ExplainingFormValidation):
    def name(self) -> str:
        return "validate_leave_message_form"

    def validate_message_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"message_question": None}
        text = str(value).strip()
        if is_meaningful(text, minimum=4, maximum=MAX_QUESTION_CHARS):
            return self.accept("message_question", text)
        return self.reject("message_question", "utter_message_question_invalid", dispatcher, tracker)

    def validate_message_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"message_phone": None}
        phone = normalize_phone(str(value))
        if phone:
            return self.accept("message_phone", phone)
        return self.reject("message_phone", "utter_phone_invalid", dispatcher, tracker)
