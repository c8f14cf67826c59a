"""What the citizen says back about a ticket: "还是没解决" on a notice, and the satisfaction rating
(满意度) of a closing with its optional comment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import utc_now
from bot.core.db import as_utc, transaction
from bot.core.privacy import mask_personal_data
from bot.messaging.conversation_ids import stored_forms
from bot.tickets.models import RATINGS, Ticket, TicketEvent, TicketRating
from bot.tickets.service import labels


def ratings_of(session: Session, ticket_id: int) -> list[dict[str, Any]]:
    names = labels()["ratings"]
    return [
        {
            "round": r.round,
            "rating": r.rating,
            "rating_label": names[r.rating],
            "comment": r.comment or "",
            "at": as_utc(r.rated_at).isoformat(),
        }
        for r in session.scalars(select(TicketRating).where(TicketRating.ticket_id == ticket_id).order_by(TicketRating.id))
    ]


class FeedbackRefused(ValueError):
    """The citizen's answer cannot be taken; the value is the domain response that says why."""


def _citizens_ticket(session: Session, number: str, conversation_id: str) -> Ticket:
    """The ticket ``number`` only if it came from this conversation (nobody answers for another)."""
    ticket = session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or ticket.conversation_id not in stored_forms(ticket.channel, conversation_id):
        raise FeedbackRefused("utter_ticket_feedback_unknown")
    return ticket


def attach_followup(factory: sessionmaker, number: str, conversation_id: str, text: str) -> None:
    """The citizen answered a notice ("还是没解决"): the words go on the ticket and flag it for staff."""
    with transaction(factory) as session:
        ticket = _citizens_ticket(session, number, conversation_id)
        ticket.attention = "citizen_followup"
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="citizen_followup",
                actor="citizen",
                detail={"text": mask_personal_data(text)[:1000]},
                at=utc_now(),
            )
        )


def rate(factory: sessionmaker, number: str, conversation_id: str, rating: str, channel: str) -> int:
    """Record the rating of the latest closing; 不满意 reopens the ticket for review (待复核).
    Returns the round rated. Refused when the ticket is not closed or this closing was rated."""
    if rating not in RATINGS:
        raise FeedbackRefused("utter_ticket_rating_unknown")
    try:
        with transaction(factory) as session:
            ticket = _citizens_ticket(session, number, conversation_id)
            if ticket.status != "closed":
                raise FeedbackRefused("utter_ticket_rating_not_closed")
            closings = session.scalar(
                select(func.count())
                .select_from(TicketEvent)
                .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "close")
            )
            session.add(
                TicketRating(ticket_id=ticket.id, round=closings, rating=rating, channel=channel[:32], rated_at=utc_now())
            )
            session.flush()  # a second rating of this closing fails here
            session.add(
                TicketEvent(
                    ticket_id=ticket.id, kind="rated", actor="citizen", at=utc_now(), detail={"rating": rating, "round": closings}
                )
            )
            if rating == "dissatisfied":
                ticket.status, ticket.attention = "review", "dissatisfied"
                session.add(
                    TicketEvent(
                        ticket_id=ticket.id,
                        kind="reopened",
                        actor="citizen",
                        at=utc_now(),
                        detail={"from": "closed", "to": "review", "reason": "dissatisfied"},
                    )
                )
            return closings
    except IntegrityError:
        raise FeedbackRefused("utter_ticket_rating_done") from None


def add_rating_comment(factory: sessionmaker, number: str, conversation_id: str, round_: int, comment: str) -> None:
    """The optional comment after a rating, on the rating and in the ticket's history."""
    with transaction(factory) as session:
        ticket = _citizens_ticket(session, number, conversation_id)
        rating = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id, TicketRating.round == round_))
        if rating is None:
            raise FeedbackRefused("utter_ticket_feedback_unknown")
        rating.comment = mask_personal_data(comment)[:1000]
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                kind="rating_comment",
                actor="citizen",
                at=utc_now(),
                detail={"rating": rating.rating, "text": rating.comment},
            )
        )
