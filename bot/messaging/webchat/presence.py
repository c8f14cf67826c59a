"""Which citizens have their web chat page open, across Rasa replicas.

A push (staff reply, ticket notice) may be sent by a replica other than the one the citizen's page is
connected to: it is emitted through Redis when the page is open anywhere, and kept in the mailbox
otherwise. Each replica records its connections here (``opened`` / ``closed``) and renews them every
``RENEW_SECONDS`` (``renew``); a connection not renewed for ``STALE_SECONDS`` (its replica died) no
longer counts, so pushes go to the mailbox again instead of into the void.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

RENEW_SECONDS = 20
STALE_SECONDS = 60
KEY_PREFIX = "hotline:webchat:open:"


class PagePresence:
    """Open pages per conversation in Redis: a hash of connection id → last renewal (unix time)."""

    def __init__(self, client, clock=time.time) -> None:
        self._redis = client
        self._clock = clock

    def opened(self, conversation: str, connection: str) -> None:
        self.renew([(conversation, connection)])

    def closed(self, conversation: str, connection: str) -> None:
        self._redis.hdel(KEY_PREFIX + conversation, connection)

    def renew(self, connections: Iterable[tuple[str, str]]) -> None:
        now = self._clock()
        pipe = self._redis.pipeline(transaction=False)
        for conversation, connection in connections:
            pipe.hset(KEY_PREFIX + conversation, connection, now)
            pipe.expire(KEY_PREFIX + conversation, STALE_SECONDS * 2)
        pipe.execute()

    def is_open(self, conversation: str) -> bool:
        fresh_since = self._clock() - STALE_SECONDS
        return any(float(seen) >= fresh_since for seen in self._redis.hvals(KEY_PREFIX + conversation))


def page_presence(redis_url: str | None) -> PagePresence | None:
    """Presence shared by the replicas, or None without Redis (one process: its own sockets say it)."""
    if not redis_url:
        return None
    import redis

    return PagePresence(redis.Redis.from_url(redis_url))
