"""What a citizen is told when a ticket is accepted, and how a deadline is written: 12月3日, or 2027年1月4日
across the year end. The bot and the staff console say the same."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.tickets.service import CreatedTicket, labels


def due_text(due: date, today: date, *, certain: bool = True) -> str:
    """The due date as citizens write it; the year only when it is not this year; "预计" before one
    counted over a year whose holidays are not published yet (weekends only)."""
    text = f"{due.month}月{due.day}日"
    text = text if due.year == today.year else f"{due.year}年{text}"
    return text if certain else f"预计{text}"


def same_source_notice(created: CreatedTicket) -> tuple[str, dict[str, Any]] | None:
    """同源诉求: others reported the same matter and it is handled together (said after the acceptance)."""
    if not created.same_source:
        return None
    return "utter_ticket_same_source", {"count": created.same_source, "department": created.department or "相关部门"}


def created_notice(created: CreatedTicket, today: date) -> tuple[str, dict[str, Any]]:
    """The acceptance notice as a domain response name and its values: category, number, working
    days and the calendar date (the "estimated" wording when next year's holidays are unknown)."""
    response = "utter_ticket_created" if created.deadline_certain else "utter_ticket_created_estimated"
    return response, {
        "category_label": labels()["categories"][created.category],
        "ticket_number": created.number,
        "working_days": created.working_days,
        "due_date": due_text(created.due, today),
        "year": created.due.year,
    }


def acceptance_messages(created: CreatedTicket, today: date) -> list[tuple[str, dict[str, Any]]]:
    """Everything said when a ticket is accepted, in order, as domain responses and their values: the
    acceptance notice, others' same-source appeals, and an anonymous reporter's lookup code (shown once)."""
    messages = [created_notice(created, today)]
    same = same_source_notice(created)
    if same is not None:
        messages.append(same)
    if created.lookup_code:
        messages.append(("utter_lookup_code", {"code": created.lookup_code}))
    return messages
