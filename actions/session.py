"""Session start: put the hotline profile into slots so every response can name the hotline."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.services import settings


class ActionSessionStart(Action):
    """Starts a session with the hotline's name, number, hours and scope set."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        profile = settings().profile
        return [
            SessionStarted(),
            SlotSet("hotline_name", profile.name),
            SlotSet("hotline_number", profile.number),
            SlotSet("service_hours", profile.service_hours),
            SlotSet("service_scope", "、".join(profile.scope)),
            SlotSet("staff_hours", settings().handoff.staff_hours),
            ActionExecuted("action_listen"),
        ]
