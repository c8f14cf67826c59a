"""What replicas share through Redis for the web chat: socket.io messages as JSON only, and which pages
are open (stale when the replica holding them stops renewing)."""

from __future__ import annotations

import asyncio
import pickle
import uuid

import redis

from bot.messaging.webchat.presence import STALE_SECONDS, PagePresence
from channels.socketio_redis import JsonRedisManager
from tests.support.polling import wait_until_async


def test_a_page_open_on_another_replica_counts_until_its_replica_stops_renewing(redis_url):
    now = [1_000_000.0]
    replica_a = PagePresence(redis.Redis.from_url(redis_url), clock=lambda: now[0])
    replica_b = PagePresence(redis.Redis.from_url(redis_url), clock=lambda: now[0])

    replica_a.opened("web:citizen-1", "sid-a1")
    assert replica_b.is_open("web:citizen-1")
    assert not replica_b.is_open("web:citizen-2")

    now[0] += STALE_SECONDS - 5
    replica_a.renew([("web:citizen-1", "sid-a1")])
    now[0] += STALE_SECONDS - 5
    assert replica_b.is_open("web:citizen-1")  # renewed in time

    now[0] += 10  # replica A died: no renewal
    assert not replica_b.is_open("web:citizen-1")

    replica_a.opened("web:citizen-1", "sid-a2")
    replica_a.closed("web:citizen-1", "sid-a2")
    assert not replica_b.is_open("web:citizen-1")


def test_socketio_messages_between_replicas_are_json_and_pickles_are_dropped(redis_url):
    channel = f"hotline:socketio:test:{uuid.uuid4().hex[:8]}"  # no other run's listener on it

    async def exchange() -> list[dict]:
        listener = JsonRedisManager(redis_url, channel=channel)
        sender = JsonRedisManager(redis_url, channel=channel)
        received: list[dict] = []

        async def listen() -> None:
            async for message in listener._listen():
                received.append(message)
                if message.get("event") == "last":
                    return

        task = asyncio.create_task(listen())
        raw = redis.Redis.from_url(redis_url)
        # Redis counts the listener once it has subscribed (a message published before would be lost).
        await wait_until_async(
            lambda: raw.pubsub_numsub(channel)[0][1] >= 1, timeout=10, message="the listener did not subscribe"
        )
        raw.publish(channel, pickle.dumps({"method": "emit", "event": "pickled"}))
        raw.publish(channel, b"not json")
        await sender._publish(
            {
                "method": "emit",
                "event": "bot_uttered",
                "data": {"text": "您好，工作人员已回复 😀"},
                "namespace": "/",
                "room": "web:citizen-1",
                "skip_sid": None,
                "callback": None,
                "host_id": "replica-b",
            }
        )
        await sender._publish({"method": "emit", "event": "last"})
        await asyncio.wait_for(task, 10)
        return received

    received = asyncio.run(exchange())
    assert [m["event"] for m in received] == ["bot_uttered", "last"]
    assert received[0]["data"] == {"text": "您好，工作人员已回复 😀"} and received[0]["room"] == "web:citizen-1"


def test_with_redis_away_an_emit_still_reaches_a_page_connected_to_this_replica():
    delivered: list[dict] = []

    class Here(JsonRedisManager):
        async def _handle_emit(self, message):
            delivered.append(message)

    async def emit_without_redis() -> None:
        manager = Here("redis://127.0.0.1:1/0")  # nothing listens there
        await manager._publish(
            {
                "method": "emit",
                "event": "session_confirm",
                "data": "token",
                "namespace": "/",
                "room": "sid-1",
                "skip_sid": None,
                "callback": None,
                "host_id": manager.host_id,
            }
        )

    asyncio.run(emit_without_redis())
    assert [m["event"] for m in delivered] == ["session_confirm"]
