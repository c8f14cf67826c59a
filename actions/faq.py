"""Consultations: answer from the live FAQ, ask "did you mean", or decline honestly and keep the question.

The action only adds messages and one slot; it never touches the active loop, so a question asked in
the middle of a form is answered and the form asks its next question (no feedback question then).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.handoff import hand_over
from actions.services import live_faq, session_factory, settings
from actions.unanswered import last_citizen_text, remember_misunderstanding
from bot.conversation.dialogue import NONE_OF_THESE_TITLE
from bot.conversation.unanswered import FAQ_NO_MATCH
from bot.faq.decision import Decision, decide
from bot.faq.editing import record_served
from bot.faq.live import KnowledgeBaseUnavailable
from bot.faq.store import EntryData, get_entry, record_feedback
from bot.runtime.ops import metrics

logger = logging.getLogger(__name__)

FAQ_SLOT = "faq_entry_id"
MESSAGE_SLOT = "message_question"
UNSOLVED_SLOT = "faq_unsolved"  # how many answers this conversation said did not help
UNSOLVED_BEFORE_HANDOFF = 2


def _chosen_entry_id(tracker: Tracker) -> str | None:
    """The entry picked from "did you mean" buttons, if the latest message is such a pick."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "faq_id" and entity.get("value"):
            return str(entity["value"])
    return None


def _question(tracker: Tracker) -> str:
    """What the citizen typed in the latest message ("" for a button payload such as /consult)."""
    latest = (tracker.latest_message.get("text") or "").strip()
    return "" if latest.startswith("/") else latest


def _decision(question: str) -> Decision:
    """The FAQ's outcome for ``question`` among the entries of this deployment's hotlines."""
    decision = decide(live_faq().index().search(question, hotlines=settings().profile.faq_hotlines, top=5))
    metrics().faq_decisions.labels(decision.kind).inc()
    return decision


def _choice_button(entry: EntryData) -> dict[str, str]:
    return {"title": entry.question, "payload": "/consult" + json.dumps({"faq_id": entry.id}, ensure_ascii=False)}


def answer_if_confident(dispatcher: CollectingDispatcher, question: str) -> bool:
    """Answer ``question`` only when the FAQ is sure (used inside forms, which then ask again)."""
    try:
        decision = _decision(question)
    except (SQLAlchemyError, KnowledgeBaseUnavailable) as exc:
        logger.error("knowledge base unavailable: %s", type(exc).__name__)
        return False
    if decision.kind != "answer":
        return False
    dispatcher.utter_message(text=decision.answer.answer)
    return True


class ActionAnswerFaq(Action):
    """Answers a consultation at once, or asks which question was meant, or says it has no answer."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        chosen = _chosen_entry_id(tracker)
        try:
            if chosen:
                entry = get_entry(session_factory(), chosen)
                if entry is not None and entry.status == "published":
                    return self._answer(dispatcher, tracker, entry)
            if (tracker.latest_message.get("intent") or {}).get("name") == "none_of_these":
                return self._decline(dispatcher, tracker)
            question = _question(tracker)
            if not question:
                dispatcher.utter_message(response="utter_ask_consult_question")
                return [SlotSet(FAQ_SLOT, None)]
            decision = _decision(question)
        except (SQLAlchemyError, KnowledgeBaseUnavailable) as exc:
            logger.error("knowledge base unavailable: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_faq_unavailable")
            return [SlotSet(FAQ_SLOT, None)]
        return self._act(dispatcher, tracker, decision)

    def _act(self, dispatcher: CollectingDispatcher, tracker: Tracker, decision: Decision) -> list[EventType]:
        if decision.kind == "answer":
            return self._answer(dispatcher, tracker, decision.answer)
        if decision.kind == "clarify":
            buttons = [_choice_button(c.entry) for c in decision.candidates]
            buttons.append({"title": NONE_OF_THESE_TITLE, "payload": "/none_of_these"})
            dispatcher.utter_message(response="utter_faq_clarify", buttons=buttons)
            return [SlotSet(FAQ_SLOT, None)]
        return self._decline(dispatcher, tracker)

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, tracker: Tracker, entry: EntryData) -> list[EventType]:
        dispatcher.utter_message(text=entry.answer)
        logger.info("FAQ answered with %s (version %s)", entry.id, entry.version)
        try:
            record_served(
                session_factory(),
                entry_id=entry.id,
                version=entry.version,
                channel=tracker.get_latest_input_channel() or "unknown",
            )
        except SQLAlchemyError as exc:  # counting is for editors: never at the citizen's expense
            logger.error("FAQ serve not counted: %s", type(exc).__name__)
        if tracker.active_loop.get("name"):  # inside a form: it asks its own question next
            return [SlotSet(FAQ_SLOT, None)]
        dispatcher.utter_message(response="utter_ask_faq_feedback")
        return [SlotSet(FAQ_SLOT, entry.id)]

    @staticmethod
    def _decline(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        remember_misunderstanding(tracker, reason=FAQ_NO_MATCH)
        dispatcher.utter_message(response="utter_faq_no_answer")
        # If the citizen chooses 留言, the form need not ask the question again.
        return [SlotSet(FAQ_SLOT, None), SlotSet(MESSAGE_SLOT, last_citizen_text(tracker) or None)]


class ActionRecordFaqFeedback(Action):
    """Stores "solved / not solved" for the entry just served and replies accordingly."""

    def name(self) -> str:
        return "action_record_faq_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        entry_id = tracker.get_slot(FAQ_SLOT)
        if not entry_id:  # the last consultation was not answered: affirm/deny mean nothing special
            dispatcher.utter_message(response="utter_anything_else")
            return []
        helpful = (tracker.latest_message.get("intent") or {}).get("name") == "affirm"
        try:
            record_feedback(
                session_factory(),
                entry_id=entry_id,
                helpful=helpful,
                channel=tracker.get_latest_input_channel() or "unknown",
            )
        except (SQLAlchemyError, KeyError) as exc:
            logger.error("FAQ feedback not stored: %s", type(exc).__name__)
        if helpful:
            dispatcher.utter_message(response="utter_faq_glad")
            return [SlotSet(FAQ_SLOT, None)]
        unsolved = int(tracker.get_slot(UNSOLVED_SLOT) or 0) + 1
        if unsolved >= UNSOLVED_BEFORE_HANDOFF:  # repeated dissatisfaction: a person takes over
            return [SlotSet(FAQ_SLOT, None), SlotSet(UNSOLVED_SLOT, 0), *hand_over(dispatcher, tracker, "dissatisfied")]
        dispatcher.utter_message(response="utter_faq_sorry")
        return [SlotSet(FAQ_SLOT, None), SlotSet(UNSOLVED_SLOT, unsolved)]
