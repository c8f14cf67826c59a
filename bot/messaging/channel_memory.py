"""What a channel remembers between requests: handled messages (a platform's retries processed
once) and the options last offered to each citizen. In memory by default, Redis when configured
(then shared by every process, with an expiry). Each channel uses its own key prefix."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import asdict
from typing import Protocol

from bot.messaging.reply_shaping import Option

HANDLED_TTL_SECONDS = 3600  # WeChat retries within seconds; an hour is ample
OPTIONS_TTL_SECONDS = 24 * 3600
PENDING = "pending"  # the answer is still being worked out
PUSHED = "pushed"  # the answer went (or goes) through the customer-service API
REMEMBERED_PAYLOADS = 30  # buttons of the last few messages: an earlier button still works

logger = logging.getLogger(__name__)


class ChannelMemory(Protocol):
    def claim(self, key: str) -> bool:
        """True for the first request with ``key``; False for every retry."""

    def settle(self, key: str, outcome: str) -> None:
        """Record what the first request answered: the passive reply XML, or ``PUSHED``."""

    def outcome(self, key: str) -> str | None:
        """``PENDING``, ``PUSHED``, the passive reply, or None for an unknown key."""

    def remember_options(self, user: str, options: list[Option]) -> None: ...

    def options(self, user: str) -> list[Option]: ...


class MemoryChannelMemory:
    """One process only (embedded mode, tests)."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[float, str]] = {}

    def _get(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None or found[0] < time.monotonic():
            self._values.pop(key, None)
            return None
        return found[1]

    def _set(self, key: str, value: str, ttl: int) -> None:
        self._values[key] = (time.monotonic() + ttl, value)

    def claim(self, key: str) -> bool:
        if self._get(f"handled:{key}") is not None:
            return False
        self._set(f"handled:{key}", PENDING, HANDLED_TTL_SECONDS)
        return True

    def settle(self, key: str, outcome: str) -> None:
        self._set(f"handled:{key}", outcome, HANDLED_TTL_SECONDS)

    def outcome(self, key: str) -> str | None:
        return self._get(f"handled:{key}")

    def remember_options(self, user: str, options: list[Option]) -> None:
        self._set(f"options:{user}", json.dumps([asdict(o) for o in options]), OPTIONS_TTL_SECONDS)

    def options(self, user: str) -> list[Option]:
        return [Option(**o) for o in json.loads(self._get(f"options:{user}") or "[]")]


class RedisChannelMemory:
    """Shared by every process: ``SET NX EX`` makes exactly one request the first."""

    def __init__(self, client, prefix: str) -> None:
        self._redis = client
        self._prefix = prefix

    def claim(self, key: str) -> bool:
        return bool(self._redis.set(f"{self._prefix}handled:{key}", PENDING, nx=True, ex=HANDLED_TTL_SECONDS))

    def settle(self, key: str, outcome: str) -> None:
        self._redis.set(f"{self._prefix}handled:{key}", outcome, ex=HANDLED_TTL_SECONDS)

    def outcome(self, key: str) -> str | None:
        value = self._redis.get(f"{self._prefix}handled:{key}")
        return value.decode() if isinstance(value, bytes) else value

    def remember_options(self, user: str, options: list[Option]) -> None:
        self._redis.set(f"{self._prefix}options:{user}", json.dumps([asdict(o) for o in options]), ex=OPTIONS_TTL_SECONDS)

    def options(self, user: str) -> list[Option]:
        value = self._redis.get(f"{self._prefix}options:{user}")
        return [Option(**o) for o in json.loads(value or "[]")]


def channel_memory(redis_url: str | None, prefix: str) -> ChannelMemory:
    """Redis-backed when ``redis_url`` is set (shared by processes), else in this process's memory."""
    if not redis_url:
        return MemoryChannelMemory()
    import redis

    return RedisChannelMemory(redis.Redis.from_url(redis_url), prefix=prefix)


def payload_key(payload: str) -> str:
    """A short stand-in for a payload too long for a platform's button data ("#3f2a…")."""
    return "#" + hashlib.sha1(payload.encode()).hexdigest()[:12]


def remember_payloads(memory: ChannelMemory, conversation: str, payloads: list[str]) -> None:
    """Button payloads just offered to ``conversation``, kept with the latest ``REMEMBERED_PAYLOADS``:
    the only intents a pressed button may send (a typed or forged "/…" is plain text)."""
    try:
        kept = [o.payload for o in memory.options(conversation) if o.payload not in payloads]
        latest = [*kept, *(p for p in payloads if p)][-REMEMBERED_PAYLOADS:]
        memory.remember_options(conversation, [Option(n, "", p) for n, p in enumerate(latest, start=1)])
    except Exception as exc:  # noqa: BLE001 - Redis down: the buttons still reach the citizen
        logger.error("offered buttons not kept: %s", type(exc).__name__)


def offered_payload(memory: ChannelMemory, conversation: str, data: str) -> str | None:
    """The offered payload a pressed button stands for (itself, or its ``payload_key``), else None."""
    try:
        offered = [o.payload for o in memory.options(conversation)]
    except Exception as exc:  # noqa: BLE001 - Redis down: no payloads, the text still goes through
        logger.error("offered buttons not read: %s", type(exc).__name__)
        return None
    return next((p for p in offered if data in (p, payload_key(p))), None)
