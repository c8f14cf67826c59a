"""Throttles count per subject and window, shared through Redis, and never block when Redis is gone."""

import redis

from bot.core.throttle import Limit, MemoryThrottle, RedisThrottle

LIMIT = Limit("test", 3, 60)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _tries(throttle, subject: str, n: int) -> list[bool]:
    return [throttle.allow(LIMIT, subject) for _ in range(n)]


def test_each_subject_gets_its_own_count_and_a_new_window_starts_over():
    clock = Clock()
    throttle = MemoryThrottle(clock)
    assert _tries(throttle, "a", 4) == [True, True, True, False]
    assert _tries(throttle, "b", 1) == [True]
    clock.now += 60
    assert _tries(throttle, "a", 1) == [True]


def test_replicas_share_the_count_in_redis(redis_url):
    prefix = f"hotline:test-throttle:{id(object())}:"
    clock = Clock()
    one = RedisThrottle(redis.Redis.from_url(redis_url), prefix=prefix, clock=clock)
    two = RedisThrottle(redis.Redis.from_url(redis_url), prefix=prefix, clock=clock)
    assert [one.allow(LIMIT, "s"), two.allow(LIMIT, "s"), one.allow(LIMIT, "s"), two.allow(LIMIT, "s")] == [
        True,
        True,
        True,
        False,
    ]
    assert 0 < redis.Redis.from_url(redis_url).ttl(f"{prefix}test:s:{int(clock.now // 60)}") <= 120


def test_a_throttle_whose_redis_is_gone_lets_citizens_through():
    gone = RedisThrottle(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    assert _tries(gone, "a", 5) == [True] * 5
