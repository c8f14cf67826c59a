"""Handing the conversation to a person: why, a summary for staff, the queue notice, and the pause.

``hand_over`` is shared by every trigger: the citizen's request (and the NLU's sensitive-topic and
anger routing, which arrive as ``request_human``), repeated misunderstandings, repeated "没解决",
and a form field that keeps failing.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.services import handoff_queue
from bot.conversation.dialogue import intent_labels
from bot.handoff.escalation import angry_outbursts
from bot.handoff.queue import HandoffRequest
from bot.handoff.queue_texts import queued_notice
from bot.handoff.summary import summarize

logger = logging.getLogger(__name__)

ANGER_BEFORE_HANDOFF = 2


def staff_on_duty() -> bool:
    return handoff_queue().hours.is_open_now()


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, *, topic: str | None = None) -> list[EventType]:
    """Queue the conversation for a person and pause the bot; off duty, offer a message (留言) instead."""
    active_form = (tracker.active_loop or {}).get("name")
    summary = summarize(
        events=tracker.events, slots=tracker.current_slot_values(), active_form=active_form, intent_labels=intent_labels()
    )
    if topic:
        summary["topic"] = topic
    request = HandoffRequest(
        conversation_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "unknown", reason=reason, summary=summary
    )
    try:
        admission = handoff_queue().request(request)
    except SQLAlchemyError as exc:
        logger.error("handoff not queued: %s", type(exc).__name__)
        dispatcher.utter_message(response="utter_handoff_unavailable")
        return []
    stop_form = [ActiveLoop(None), SlotSet("requested_slot", None)] if active_form else []
    if admission.throttled:
        logger.warning("handoff refused: the conversation asked too often within the hour")
        dispatcher.utter_message(response="utter_handoff_throttled")
        return stop_form
    if not admission.queued:
        dispatcher.utter_message(response="utter_handoff_off_duty")
        return stop_form
    logger.info("handoff %s queued (reason %s, position %s)", admission.handoff_id, reason, admission.position)
    dispatcher.utter_message(text=queued_notice(admission.position, admission.expected_minutes))
    return [*stop_form, ConversationPaused()]


def _user_parse_data(tracker: Tracker) -> list[dict[str, Any]]:
    return [e.get("parse_data") or {} for e in tracker.events if e.get("event") == "user"]


class ActionHandOver(Action):
    """``request_human``: the citizen asked, or the NLU routed a sensitive or angry message here."""

    def name(self) -> str:
        return "action_hand_over"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        escalation = tracker.latest_message.get("escalation") or {}
        if escalation.get("topic") and escalation.get("overrode"):
            return hand_over(dispatcher, tracker, "sensitive_topic", topic=escalation["topic"])
        if not escalation.get("angry"):
            return hand_over(dispatcher, tracker, "citizen_asked")
        # Nothing but anger: an apology the first time, a person the second. Angry and asking: a person.
        if escalation.get("overrode") and angry_outbursts(_user_parse_data(tracker)) < ANGER_BEFORE_HANDOFF:
            dispatcher.utter_message(response="utter_sorry_for_frustration")
            return []
        return hand_over(dispatcher, tracker, "anger")
