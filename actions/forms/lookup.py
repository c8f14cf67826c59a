"""Validation of the ticket look-up form: a ticket number, then the whole phone number or a code."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms.base import ExplainingFormValidation
from bot.conversation.validation import find_phone
from bot.tickets.numbering import normalize_number
from bot.tickets.service import CODE_ALPHABET, CODE_LENGTH

_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


def lookup_check(text: str) -> str | None:
    """The phone number given with the ticket, or an anonymous report's code, as typed; None if neither."""
    code = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()  # full-width typed too
    if _CODE.match(code):  # eight letters and digits: never a phone number
        return code
    return find_phone(text)


class ValidateTicketLookupForm(ExplainingFormValidation):
    def name(self) -> str:
        return "validate_ticket_lookup_form"

    def validate_lookup_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"lookup_number": None}
        number = normalize_number(str(value))
        if number:
            return self.accept("lookup_number", number)
        return self.reject("lookup_number", "utter_lookup_number_invalid", dispatcher, tracker)

    def validate_lookup_check(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"lookup_check": None}
        check = lookup_check(str(value))
        if check:
            return self.accept("lookup_check", check)
        return self.reject("lookup_check", "utter_lookup_check_invalid", dispatcher, tracker)
