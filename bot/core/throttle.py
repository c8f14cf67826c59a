"""How often one sender, one client address or one conversation may do something.

Fixed windows counted in Redis when ``REDIS_URL`` is set (every replica shares the count: ``INCR`` then
``EXPIRE`` on the first hit), else in this process's memory. If Redis is unreachable the request is
allowed and the error logged: a throttle must never be what stops a citizen from reaching the hotline.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


# Generous for a person, tight for a script. Tickets and handoffs are counted in the database instead
# (bot/tickets/service.py, bot/handoff/queue.py): those counts must hold across restarts.
MESSAGES_PER_SENDER = Limit("sender", 20, 60)
MESSAGES_PER_CLIENT = Limit("client", 120, 60)  # one address may be a whole office behind NAT


class Throttle(Protocol):
    def allow(self, limit: Limit, subject: str) -> bool:
        """Count one more for ``subject``; False once it is over ``limit`` in the current window."""


class MemoryThrottle:
    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    def allow(self, limit: Limit, subject: str) -> bool:
        window = int(self._clock() // limit.seconds)
        with self._lock:
            if len(self._counts) > 100_000:  # forget finished windows
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= window - 1}
            key = (limit.name, subject, window)
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key] <= limit.count


class RedisThrottle:
    def __init__(self, client, prefix: str = "hotline:throttle:", clock=time.time) -> None:
        self._redis = client
        self._prefix = prefix
        self._clock = clock

    def allow(self, limit: Limit, subject: str) -> bool:
        window = int(self._clock() // limit.seconds)
        key = f"{self._prefix}{limit.name}:{subject}:{window}"
        try:
            count = self._redis.incr(key)
            if count == 1:
                self._redis.expire(key, limit.seconds * 2)
        except Exception as exc:  # noqa: BLE001 - Redis down: let the citizen through
            logger.error("throttle not counted (%s); request allowed", type(exc).__name__)
            return True
        return count <= limit.count


def throttle_for(redis_url: str | None) -> Throttle:
    if not redis_url:
        return MemoryThrottle()
    import redis

    return RedisThrottle(redis.Redis.from_url(redis_url, socket_timeout=1.0))
