"""Slowing down password guessing per client address, never locking a named account.

Locking the account after N failures let anyone keep ``admin`` out by typing wrong passwords. Instead
the address that keeps failing waits longer and longer (2 s, 4 s, 8 s … up to 15 minutes) after its
first ``FREE_FAILURES`` failures within ``WINDOW_SECONDS``; a success clears it. Counted in Redis when
the console runs as several replicas (``REDIS_URL``), else in the console's memory.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)

FREE_FAILURES = 5
WINDOW_SECONDS = 15 * 60
MAX_WAIT_SECONDS = 15 * 60


def wait_after(failures: int) -> int:
    """Seconds a client must wait after its ``failures``-th failure in the window."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES + 1), MAX_WAIT_SECONDS)


class LoginBackoff:
    """Failures per client: (count, time of the last one), forgotten after ``WINDOW_SECONDS``."""

    def __init__(self, redis_client=None, prefix: str = "hotline:login:", clock=time.time) -> None:
        self._redis = redis_client
        self._prefix = prefix
        self._clock = clock
        self._memory: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try again (0: now)."""
        failures, last = self._read(client)
        return max(0, int(last + wait_after(failures) - self._clock() + 0.999)) if failures else 0

    def failed(self, client: str) -> None:
        failures, _ = self._read(client)
        self._write(client, failures + 1, self._clock())

    def succeeded(self, client: str) -> None:
        self._write(client, 0, 0.0)

    def _read(self, client: str) -> tuple[int, float]:
        if self._redis is None:
            with self._lock:
                failures, last = self._memory.get(client, (0, 0.0))
        else:
            try:
                stored = self._redis.hmget(self._prefix + client, "failures", "last")
            except Exception as exc:  # noqa: BLE001 - Redis down: do not lock staff out
                logger.error("login backoff not read (%s)", type(exc).__name__)
                return 0, 0.0
            failures, last = int(stored[0] or 0), float(stored[1] or 0.0)
        return (failures, last) if self._clock() - last < WINDOW_SECONDS else (0, 0.0)

    def _write(self, client: str, failures: int, last: float) -> None:
        if self._redis is None:
            with self._lock:
                if len(self._memory) > 50_000:
                    self._memory.clear()
                self._memory[client] = (failures, last)
            return
        try:
            key = self._prefix + client
            self._redis.hset(key, mapping={"failures": failures, "last": last})
            self._redis.expire(key, WINDOW_SECONDS)
        except Exception as exc:  # noqa: BLE001
            logger.error("login backoff not written (%s)", type(exc).__name__)


def login_backoff_for(redis_url: str | None) -> LoginBackoff:
    if not redis_url:
        return LoginBackoff()
    import redis

    return LoginBackoff(redis.Redis.from_url(redis_url, socket_timeout=1.0))
