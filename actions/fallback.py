"""Misunderstandings: the two likeliest meanings as buttons; the second time in a row, a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import hand_over
from actions.unanswered import intent_ranking, remember_misunderstanding
from bot.conversation.dialogue import NONE_OF_THESE_TITLE, consecutive_misunderstandings, likeliest_choices

# Rasa's two-stage fallback treats this intent as "none of these".
NONE_OF_THESE = {"title": NONE_OF_THESE_TITLE, "payload": "/out_of_scope"}


def _user_intents_newest_first(tracker: Tracker) -> list[str | None]:
    return [
        (event.get("parse_data") or {}).get("intent", {}).get("name")
        for event in reversed(tracker.events)
        if event.get("event") == "user"
    ]


def _likeliest_buttons(tracker: Tracker) -> list[dict[str, str]]:
    return [{"title": c.title, "payload": c.payload} for c in likeliest_choices(intent_ranking(tracker))]


class ActionAskAffirmation(Action):
    """First stage: offer the two likeliest meanings, plus "none of these"."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_affirmation", buttons=_likeliest_buttons(tracker) + [NONE_OF_THESE])
        return []


class ActionDefaultFallback(Action):
    """Last stage, after the citizen was misunderstood twice: a person takes over (the question is kept)."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        remember_misunderstanding(tracker, reason="fallback")
        return hand_over(dispatcher, tracker, "misunderstood")


class ActionOutOfScope(Action):
    """Out of scope: explain the scope with the likeliest services; the second time in a row, a person."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        remember_misunderstanding(tracker, reason="out_of_scope")
        if consecutive_misunderstandings(_user_intents_newest_first(tracker)) >= 2:
            return hand_over(dispatcher, tracker, "misunderstood")
        dispatcher.utter_message(response="utter_out_of_scope", buttons=_likeliest_buttons(tracker))
        return []
