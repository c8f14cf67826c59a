"""Our generated endpoints give Rasa real Redis tracker and lock stores on the machine's Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.runtime.endpoints import TRACKER_KEY_PREFIX, rasa_endpoints

pytestmark = pytest.mark.redis


def test_trackers_and_locks_live_in_the_configured_redis(redis_url):
    import redis
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.tracker_store import RedisTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    endpoints = rasa_endpoints(load_settings({"REDIS_URL": redis_url}, env_file=Path("/nonexistent")))
    domain = Domain.load("domain.yml")
    store = TrackerStore.create(EndpointConfig.from_dict(endpoints["tracker_store"]), domain)
    locks = LockStore.create(EndpointConfig.from_dict(endpoints["lock_store"]))
    # Rasa falls back to memory silently when a store cannot be built: make sure it did not.
    assert isinstance(getattr(store, "_tracker_store", store), RedisTrackerStore)
    assert isinstance(locks, RedisLockStore)

    async def round_trip() -> DialogueStateTracker | None:
        tracker = DialogueStateTracker.from_events("citizen-1", [UserUttered("社保怎么交", {"name": "consult"})], domain.slots)
        async with locks.lock("citizen-1"):
            await store.save(tracker)
        return await store.retrieve("citizen-1")

    restored = asyncio.run(round_trip())
    assert restored is not None and restored.latest_message.text == "社保怎么交"
    keys = redis.Redis.from_url(redis_url).keys(f"{TRACKER_KEY_PREFIX}*")
    assert keys == [f"{TRACKER_KEY_PREFIX}citizen-1".encode()]
