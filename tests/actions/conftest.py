"""Run rasa_sdk actions against tracker fixtures (real tracker JSON), without a Rasa server."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from bot.core.migrate import upgrade

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "trackers"


def load_tracker(name: str, **changes) -> Tracker:
    """A tracker from ``tests/fixtures/trackers/<name>.json``, with top-level fields replaced."""
    state = {**json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")), **copy.deepcopy(changes)}
    return Tracker.from_dict(state)


def run_action(action, tracker: Tracker):
    """Run one action; returns (messages sent to the citizen, events returned)."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


@pytest.fixture(autouse=True)
def isolated_services(monkeypatch, tmp_path):
    """Each test gets its own settings and a migrated SQLite database."""
    url = f"sqlite:///{tmp_path / 'actions.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    services.settings.cache_clear()
    services.session_factory.cache_clear()
    services.handoff_queue.cache_clear()
    upgrade(url)
    yield url
    services.settings.cache_clear()
    services.session_factory.cache_clear()
    services.handoff_queue.cache_clear()
