"""Fixtures shared by the bot/ tests."""

from __future__ import annotations

import pytest

from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade


@pytest.fixture
def factory(database_url):
    """Sessions on a migrated database: SQLite, and PostgreSQL too where ``database_url`` runs on both."""
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()
