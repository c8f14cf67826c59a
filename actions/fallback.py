"""Misunderstandings: the two likeliest meanings as buttons, then an honest way to a person."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.services import session_factory
from bot.dialogue import consecutive_misunderstandings, likeliest_choices
from bot.unanswered import Misunderstanding, record_unanswered

logger = logging.getLogger(__name__)

# Rasa's two-stage fallback treats this intent as "none of these".
NONE_OF_THESE = {"title": "都不是", "payload": "/out_of_scope"}


def _intent_ranking(tracker: Tracker) -> list[tuple[str, float]]:
    ranking = tracker.latest_message.get("intent_ranking") or []
    return [(item.get("name", ""), float(item.get("confidence") or 0.0)) for item in ranking]


def _user_intents_newest_first(tracker: Tracker) -> list[str | None]:
    return [
        (event.get("parse_data") or {}).get("intent", {}).get("name")
        for event in reversed(tracker.events)
        if event.get("event") == "user"
    ]


def _last_citizen_text(tracker: Tracker) -> str:
    """The latest message the citizen typed (button payloads such as "/out_of_scope" skipped)."""
    for event in reversed(tracker.events):
        text = (event.get("text") or "").strip() if event.get("event") == "user" else ""
        if text and not text.startswith("/"):
            return text
    return ""


def _likeliest_buttons(tracker: Tracker) -> list[dict[str, str]]:
    return [{"title": c.title, "payload": c.payload} for c in likeliest_choices(_intent_ranking(tracker))]


def remember_misunderstanding(tracker: Tracker, reason: str) -> None:
    """Keep the misunderstood text for editors; a database failure never breaks the reply."""
    text = _last_citizen_text(tracker)
    if not text:
        return
    top = max(_intent_ranking(tracker), key=lambda pair: pair[1], default=(None, None))
    item = Misunderstanding(
        text=text,
        channel=tracker.get_latest_input_channel() or "unknown",
        reason=reason,
        top_intent=top[0],
        confidence=top[1],
    )
    try:
        record_unanswered(session_factory(), item)
    except SQLAlchemyError as exc:
        logger.error("could not record an unanswered question: %s", type(exc).__name__)


class ActionAskAffirmation(Action):
    """First stage: offer the two likeliest meanings, plus "none of these"."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_affirmation", buttons=_likeliest_buttons(tracker) + [NONE_OF_THESE])
        return []


class ActionDefaultFallback(Action):
    """Last stage: say plainly how to reach a person, and keep the question for editors."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_offer_human_phone")
        remember_misunderstanding(tracker, reason="fallback")
        return [UserUtteranceReverted()]


class ActionOutOfScope(Action):
    """Out of scope: explain the scope with the likeliest services; the second time in a row, a person."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        remember_misunderstanding(tracker, reason="out_of_scope")
        if consecutive_misunderstandings(_user_intents_newest_first(tracker)) >= 2:
            dispatcher.utter_message(response="utter_offer_human_phone")
            return []
        dispatcher.utter_message(response="utter_out_of_scope", buttons=_likeliest_buttons(tracker))
        return []
