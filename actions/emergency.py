"""Emergencies: point the citizen to 119 / 120 / 110 before anything else."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.conversation.emergency import classify_emergency


class ActionEmergency(Action):
    """Answers with the number for the kind of emergency (all three when the kind is unclear)."""

    def name(self) -> str:
        return "action_emergency"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        kinds = [str(v) for v in tracker.get_latest_entity_values("emergency_kind")]
        kind = classify_emergency(text, kinds)
        dispatcher.utter_message(response=f"utter_emergency_{kind.value if kind else 'unknown'}")
        return []
