"""The FAQ matcher takes the question's vector the NLU pipeline left in Redis instead of encoding the
question again, and encodes it itself when it is not there."""

from __future__ import annotations

import numpy as np
import redis

from bot.core.sentence_vectors import VectorRelay
from bot.faq.semantic import DIMENSIONS, CachedEncoder


class CountingEncoder:
    name = "usem3"

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded += list(texts)
        return np.ones((len(texts), DIMENSIONS), dtype=np.float32) / np.sqrt(DIMENSIONS)


def test_a_shared_vector_is_used_and_a_missing_one_is_encoded(redis_url):
    relay = VectorRelay(redis.Redis.from_url(redis_url), "usem3")
    shared = np.arange(DIMENSIONS, dtype=np.float32)
    relay.put("社保卡丢了怎么补办", shared)
    encoder = CountingEncoder()
    faq = CachedEncoder(encoder, relay=relay)

    vector = faq.encode_query("社保卡丢了怎么补办")
    assert encoder.encoded == [] and np.allclose(vector, shared / np.linalg.norm(shared))
    faq.encode_query("居住证怎么办理")
    assert encoder.encoded == ["居住证怎么办理"]


def test_without_redis_the_matcher_encodes_and_a_dead_redis_fails_nothing():
    relay = VectorRelay(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2), "usem3")
    relay.put("你好", np.zeros(DIMENSIONS, dtype=np.float32))  # logged, not raised
    encoder = CountingEncoder()
    CachedEncoder(encoder, relay=relay).encode_query("你好")
    assert encoder.encoded == ["你好"]
