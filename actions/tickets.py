"""Ticket look-up, "my tickets", and submitting a question left as a message (留言)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.services import ticket_desk
from bot.core.clock import beijing_today
from bot.runtime.ops import metrics
from bot.tickets.notice_texts import acceptance_messages, due_text
from bot.tickets.numbering import SequenceExhausted
from bot.tickets.service import CreatedTicket, TicketDraft, TicketLimitReached, TicketView

logger = logging.getLogger(__name__)

UNASSIGNED_DEPARTMENT = "待分派"
NO_REPLY_YET = "暂无"


def utter_ticket(dispatcher: CollectingDispatcher, view: TicketView) -> None:
    dispatcher.utter_message(
        response="utter_ticket_status",
        ticket_number=view.number,
        category_label=view.labels["category"],
        status_label=view.labels["status"],
        department=view.department or UNASSIGNED_DEPARTMENT,
        due_date=due_text(view.due, beijing_today(), certain=view.due_certain),
        latest_reply=view.latest_reply or NO_REPLY_YET,
    )


def utter_created(dispatcher: CollectingDispatcher, created: CreatedTicket) -> None:
    """The acceptance notice (category, number, working days and the calendar date), others' same-source
    appeals and an anonymous reporter's lookup code."""
    for response, values in acceptance_messages(created, beijing_today()):
        dispatcher.utter_message(response=response, **values)


def submit(dispatcher: CollectingDispatcher, draft: TicketDraft, *, failure_response: str) -> CreatedTicket | None:
    """Create the ticket and give the acceptance notice; on a database failure apologise (the caller
    keeps the fields for a retry) and return None."""
    try:
        created = ticket_desk().create(draft)
        metrics().tickets_created.labels(draft.category).inc()
    except TicketLimitReached:
        logger.warning("%s ticket refused: the conversation reached the daily limit", draft.category)
        dispatcher.utter_message(response="utter_ticket_limit")
        return None
    except (SQLAlchemyError, SequenceExhausted) as exc:
        logger.error("%s ticket not saved: %s", draft.category, type(exc).__name__)
        dispatcher.utter_message(response=failure_response)
        return None
    utter_created(dispatcher, created)
    logger.info("%s ticket %s accepted (major: %s)", draft.category, created.number, created.is_major)
    return created


def submission_key(tracker: Tracker, form: str) -> str:
    """The same for every retry of one run of ``form`` in this conversation, different for the next run."""
    started = next(
        (e.get("timestamp") for e in reversed(tracker.events) if e.get("event") == "active_loop" and e.get("name") == form),
        None,
    )
    return f"{tracker.sender_id}:{form}:{started}"


class ActionLookUpTicket(Action):
    def name(self) -> str:
        return "action_look_up_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        number, check = tracker.get_slot("lookup_number") or "", tracker.get_slot("lookup_check") or ""
        try:
            result = ticket_desk().look_up(number, check)
        except SQLAlchemyError as exc:
            logger.error("ticket look-up failed: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_ticket_failed")
            return [SlotSet("lookup_check", None)]
        done = [SlotSet("lookup_number", None), SlotSet("lookup_check", None)]
        if result.view is not None:
            utter_ticket(dispatcher, result.view)
            return done
        if result.locked:  # too many wrong checks on this ticket today, from wherever they came
            dispatcher.utter_message(response="utter_lookup_locked")
            return done
        # No ticket, or the wrong check: the same answer, so nothing is revealed. A second chance at
        # the check, in the same look-up (the number stays; "取消" starts over).
        dispatcher.utter_message(response="utter_ticket_not_found", tries_left=result.attempts.left)
        return [SlotSet("lookup_check", None), FollowupAction("ticket_lookup_form")]


def citizens_tickets(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[TicketView] | None:
    """The latest tickets this channel user made here, or None (and the citizen told) when the
    database is away."""
    try:
        return ticket_desk().tickets_of(
            channel=tracker.get_latest_input_channel() or "unknown", conversation_id=tracker.sender_id
        )
    except SQLAlchemyError as exc:
        logger.error("listing tickets failed: %s", type(exc).__name__)
        dispatcher.utter_message(response="utter_ticket_failed")
        return None


class ActionMyTickets(Action):
    def name(self) -> str:
        return "action_my_tickets"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        views = citizens_tickets(dispatcher, tracker)
        if views is None:
            return []
        if not views:
            dispatcher.utter_message(response="utter_my_tickets_none")
        for view in views:
            utter_ticket(dispatcher, view)
        return []


class ActionSubmitMessage(Action):
    """Turns the question and phone into a consultation ticket; a failure keeps both for a retry."""

    def name(self) -> str:
        return "action_submit_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        draft = TicketDraft(
            category="consultation",
            fields={"question": tracker.get_slot("message_question") or ""},
            channel=tracker.get_latest_input_channel() or "unknown",
            conversation_id=tracker.sender_id,
            submission_key=submission_key(tracker, "leave_message_form"),
            phone=tracker.get_slot("message_phone"),
        )
        if submit(dispatcher, draft, failure_response="utter_message_failed") is None:
            return []
        return [SlotSet("message_question", None), SlotSet("message_phone", None)]
