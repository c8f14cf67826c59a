"""Ticket notices to the citizen and their answers: "还是没解决" attached to the ticket, the
satisfaction rating after closing (不满意 reopens it) and the optional comment.

``action_ticket_notice`` is run by the console's notice job through Rasa's API (never predicted);
the rules in ``data/rules/tickets.yml`` take the citizen's answer from there.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.forms.case import SKIP
from actions.services import session_factory
from actions.tickets import citizens_tickets
from actions.unanswered import last_citizen_text
from bot.tickets.citizen_feedback import FeedbackRefused, add_rating_comment, attach_followup, rate
from bot.tickets.notice_outbox import notice_being_sent

logger = logging.getLogger(__name__)

TICKET_SLOT, KIND_SLOT, ROUND_SLOT = "notice_ticket", "notice_kind", "rating_round"
CHOICE_INTENT = "followup_ticket"  # from the "which ticket?" buttons: /followup_ticket{"ticket_number": ...}
NEW_MATTER_BUTTON = {"title": "这是新问题，我要投诉", "payload": "/complain"}
RATING_SLOT, COMMENT_SLOT = "satisfaction", "rating_comment"


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


class ActionTicketNotice(Action):
    """Says the notice the console's job is sending to this conversation, and remembers which ticket
    it was about, so the citizen's answer goes to that ticket."""

    def name(self) -> str:
        return "action_ticket_notice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        notice = notice_being_sent(session_factory(), tracker.sender_id)
        if notice is None:
            return []
        dispatcher.utter_message(response=notice.response, **notice.values)
        return [SlotSet(TICKET_SLOT, notice.values["ticket_number"]), SlotSet(KIND_SLOT, notice.values["kind"])]


class ActionTicketFollowup(Action):
    """The citizen answered a notice, or said "还是没解决" later on. After a closing, yes/no are a rating
    (no: 不满意 with their words as the comment); otherwise "还是没解决" and what they wrote are attached
    to the ticket: the one the last notice was about, else the one the citizen picked, else their only
    open (or latest) ticket here; with several open, they are asked which."""

    def name(self) -> str:
        return "action_ticket_followup"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        number, text = tracker.get_slot(TICKET_SLOT), last_citizen_text(tracker)
        if not number or _intent(tracker) == CHOICE_INTENT:
            return _followup_without_notice(dispatcher, tracker, text)
        if tracker.get_slot(KIND_SLOT) == "closed":  # typed instead of pressing a rating button
            satisfied = _intent(tracker) == "affirm"
            round_ = _rate(dispatcher, tracker, number, "satisfied" if satisfied else "dissatisfied")
            if round_ is not None and not satisfied and _is_comment(text):
                _save_comment(dispatcher, tracker.sender_id, number, round_, text)
            elif round_ is not None:
                dispatcher.utter_message(response="utter_ticket_rating_thanks" if satisfied else "utter_ticket_reopened")
            return [SlotSet(KIND_SLOT, None)]
        if _intent(tracker) == "affirm":
            dispatcher.utter_message(response="utter_ticket_followup_glad")
            return []
        _attach(dispatcher, tracker, number, text)
        return []


def _attach(dispatcher: CollectingDispatcher, tracker: Tracker, number: str, text: str) -> None:
    try:
        attach_followup(session_factory(), number, tracker.sender_id, text or "还是没解决")
    except FeedbackRefused as refused:
        dispatcher.utter_message(response=str(refused))
        return
    except SQLAlchemyError as exc:
        logger.error("citizen follow-up not attached: %s", type(exc).__name__)
        dispatcher.utter_message(response="utter_ticket_failed")
        return
    dispatcher.utter_message(response="utter_ticket_followup_attached", ticket_number=number)


def _followup_without_notice(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """ "还是没解决" with no notice just before: the citizen's ticket here, asking which among several open."""
    views = citizens_tickets(dispatcher, tracker)
    if views is None:
        return []
    picked = next(tracker.get_latest_entity_values("ticket_number"), None)
    if picked and any(view.number == picked for view in views):
        _attach(dispatcher, tracker, picked, text)
        return []
    open_ = [view for view in views if view.status != "closed"]
    if len(open_) > 1:
        buttons = [
            {
                "title": f"{v.number}（{v.labels['category']}，{v.labels['status']}）",
                "payload": f'/{CHOICE_INTENT}{{"ticket_number": "{v.number}"}}',
            }
            for v in open_
        ]
        dispatcher.utter_message(response="utter_ticket_followup_which", buttons=[*buttons, NEW_MATTER_BUTTON])
        return []
    if open_ or views:
        _attach(dispatcher, tracker, (open_ or views)[0].number, text)
        return []
    if _intent(tracker) == "complain":  # nothing here to follow up: it is a new complaint after all
        return [FollowupAction("action_start_case")]
    dispatcher.utter_message(response="utter_ticket_followup_none")
    return []


class ActionRateTicket(Action):
    """满意 / 基本满意 / 不满意 from the closing notice's buttons; the comment form follows (it asks only
    when the rating was recorded)."""

    def name(self) -> str:
        return "action_rate_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        number, rating = tracker.get_slot(TICKET_SLOT), str(tracker.get_slot(RATING_SLOT) or "")
        round_ = _rate(dispatcher, tracker, number, rating) if number else None
        if not number:
            dispatcher.utter_message(response="utter_ticket_feedback_unknown")
        return [SlotSet(ROUND_SLOT, None if round_ is None else float(round_)), SlotSet(KIND_SLOT, None)]


def _rate(dispatcher: CollectingDispatcher, tracker: Tracker, number: str, rating: str) -> int | None:
    """Record the rating; the round rated, or None (and the reason told) when it cannot be."""
    channel = tracker.get_latest_input_channel() or "unknown"
    try:
        round_ = rate(session_factory(), number, tracker.sender_id, rating, channel)
    except FeedbackRefused as refused:
        dispatcher.utter_message(response=str(refused))
        return None
    except SQLAlchemyError as exc:
        logger.error("rating not stored: %s", type(exc).__name__)
        dispatcher.utter_message(response="utter_ticket_failed")
        return None
    logger.info("ticket %s rated %s", number, rating)
    return round_


def _is_comment(text: str) -> bool:
    """More than a bare no ("不满意", "还是没解决"): worth keeping as the citizen's comment."""
    bare = text.strip("。.!！ ")
    return bool(bare) and not SKIP.match(bare) and bare not in ("不满意", "没解决", "还是没解决", "不", "不是", "没有")


def _save_comment(dispatcher: CollectingDispatcher, conversation_id: str, number: str, round_: int, comment: str) -> None:
    try:
        add_rating_comment(session_factory(), number, conversation_id, round_, comment)
    except (FeedbackRefused, SQLAlchemyError) as exc:
        logger.error("rating comment not stored: %s", type(exc).__name__)
        dispatcher.utter_message(response="utter_ticket_failed")
        return
    dispatcher.utter_message(response="utter_ticket_rating_comment_saved")


class ValidateRatingCommentForm(FormValidationAction):
    """Asks for a comment only when a rating was just recorded; "不用了" ends it without one."""

    def name(self) -> str:
        return "validate_rating_comment_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return domain_slots if tracker.get_slot(ROUND_SLOT) is not None else []

    def validate_rating_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        return {COMMENT_SLOT: "" if SKIP.match(text) else text[:1000]}


class ActionSaveRatingComment(Action):
    """After the comment form: the comment goes on the rating (and the ticket's history)."""

    def name(self) -> str:
        return "action_save_rating_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        number, round_, comment = tracker.get_slot(TICKET_SLOT), tracker.get_slot(ROUND_SLOT), tracker.get_slot(COMMENT_SLOT)
        if number and round_ is not None and comment:
            _save_comment(dispatcher, tracker.sender_id, number, int(round_), comment)
        elif round_ is not None:
            dispatcher.utter_message(response="utter_ticket_rating_thanks")
        return [SlotSet(COMMENT_SLOT, None), SlotSet(ROUND_SLOT, None)]
