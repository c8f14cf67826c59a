"""Services the actions share, built on first use (never at import time)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import sessionmaker

from bot.core.config import Settings, load_settings
from bot.core.db import make_engine, make_session_factory
from bot.core.sentence_vectors import vector_relay
from bot.core.server_keys import secret_key
from bot.faq.live import LiveFaq
from bot.faq.semantic import CachedEncoder, UniversalSentenceEncoder
from bot.handoff.queue import HandoffQueue
from bot.tickets.calendar_years import loaded_schedules
from bot.tickets.routing import Router
from bot.tickets.same_source import SameSourceLinker
from bot.tickets.service import TicketDesk
from bot.tickets.workdays import deployment_calendar


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The deployment's settings, read once per action-server process."""
    return load_settings()


@lru_cache(maxsize=1)
def session_factory() -> sessionmaker:
    """Sessions on the application database."""
    return make_session_factory(make_engine(settings().database_url))


@lru_cache(maxsize=1)
def live_faq() -> LiveFaq:
    """The knowledge base index, following every change in the database; the question's sentence
    vector comes from the NLU pipeline when the deployment shares it (Redis)."""
    encoder = CachedEncoder(UniversalSentenceEncoder(), session_factory(), relay=vector_relay(settings().redis_url))
    return LiveFaq(session_factory(), encoder=encoder)


@lru_cache(maxsize=1)
def ticket_desk() -> TicketDesk:
    """Ticket creation and look-up with the deployment's calendar, deadlines and routing."""
    current = settings()
    calendar = deployment_calendar(current.working_calendar_dir, loaded_schedules(session_factory()))
    return TicketDesk(
        session_factory(),
        calendar,
        current.profile.deadlines,
        linker=SameSourceLinker.for_settings(current.same_source),
        router=Router.for_deployment(current.var_dir, current.project_root),
        code_key=secret_key(current),
    )


@lru_cache(maxsize=1)
def handoff_queue() -> HandoffQueue:
    """The queue of conversations waiting for a person, with the deployment's staff hours."""
    return HandoffQueue.from_settings(settings(), session_factory())
