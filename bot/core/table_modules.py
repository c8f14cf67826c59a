"""One place that knows every module defining tables (for Alembic and test databases)."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "bot.conversation.unanswered",
    "bot.faq.models",
    "bot.tickets.models",
    "bot.staff.models",
    "bot.handoff.models",
    "bot.handoff.transcript",
    "bot.messaging.undelivered",
    "bot.messaging.webchat.mailbox",
    "bot.review.models",
    "bot.console.job_lease",
)


def import_all_models() -> None:
    """Import every module that declares tables so that ``Base.metadata`` is complete."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
