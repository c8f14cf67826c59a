"""A form validator that says what is wrong, and after two failures on a field explains and offers help."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

FAILURES_SLOT = "field_failures"
HELP_AFTER = 2


class ExplainingFormValidation(FormValidationAction):
    """Subclasses call ``accept`` or ``reject`` from their ``validate_<slot>`` methods."""

    @abstractmethod
    def name(self) -> str:
        """The form's validation action name; abstract, so rasa_sdk does not register this base."""

    @staticmethod
    def accept(slot: str, value: Any) -> dict[str, Any]:
        return {slot: value, FAILURES_SLOT: 0}

    def optional(self, slot: str) -> bool:
        """Whether ``slot`` may be skipped in this form (then the help offers 跳过)."""
        return False

    def reject(self, slot: str, response: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """Say why the value is wrong; from the second failure on, also offer to skip (optional fields),
        a person, or to stop."""
        failures = int(tracker.get_slot(FAILURES_SLOT) or 0) + 1
        dispatcher.utter_message(response=response)
        if failures >= HELP_AFTER:
            dispatcher.utter_message(response="utter_field_help_optional" if self.optional(slot) else "utter_field_help")
        return {slot: None, FAILURES_SLOT: failures}
