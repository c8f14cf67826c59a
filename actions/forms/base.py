"""A form validator that says what is wrong, after two failures on a field explains and offers help,
and after four hands the conversation to a person."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff import hand_over, staff_on_duty

FAILURES_SLOT = "field_failures"
HELP_AFTER = 2
HANDOFF_AFTER = 4  # a field that keeps failing: a person helps (when staff are on duty)


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

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        failures = next(
            (e.get("value") for e in reversed(events) if e.get("event") == "slot" and e.get("name") == FAILURES_SLOT), 0
        )
        if int(failures or 0) < HANDOFF_AFTER or not staff_on_duty():
            return events
        # Rejected: the form must not ask the failing question again over the handoff notice.
        form = self.form_name()
        return [*events, *hand_over(dispatcher, tracker, "form_failing"), ActionExecutionRejected(form)]
