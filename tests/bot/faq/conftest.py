"""A migrated database per test (SQLite, and PostgreSQL where the test asks for ``database_url``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "faq"
SAMPLE = Path(__file__).resolve().parents[3] / "kb" / "sample-faq.csv"


@pytest.fixture
def factory(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()
