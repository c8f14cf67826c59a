"""Guessing slows down per address; a success or the end of the window forgives; replicas share it."""

import redis

from bot.staff.login_backoff import FREE_FAILURES, WINDOW_SECONDS, LoginBackoff, wait_after


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_wait_doubles_after_the_free_failures_and_is_capped():
    assert [wait_after(n) for n in range(FREE_FAILURES)] == [0] * FREE_FAILURES
    assert [wait_after(FREE_FAILURES + i) for i in range(3)] == [2, 4, 8] and wait_after(100) == 15 * 60


def _fail(backoff, client: str, times: int) -> None:
    for _ in range(times):
        backoff.failed(client)


def test_an_address_waits_after_repeated_failures_and_is_forgiven():
    clock = Clock()
    backoff = LoginBackoff(clock=clock)
    _fail(backoff, "10.0.0.1", FREE_FAILURES)
    assert backoff.retry_after("10.0.0.1") == 2 and backoff.retry_after("10.0.0.2") == 0
    clock.now += 2
    assert backoff.retry_after("10.0.0.1") == 0
    backoff.succeeded("10.0.0.1")
    _fail(backoff, "10.0.0.1", FREE_FAILURES - 1)
    assert backoff.retry_after("10.0.0.1") == 0
    _fail(backoff, "10.0.0.3", 20)
    clock.now += WINDOW_SECONDS
    assert backoff.retry_after("10.0.0.3") == 0


def test_console_replicas_share_the_count_in_redis(redis_url):
    clock = Clock()
    one = LoginBackoff(redis.Redis.from_url(redis_url), clock=clock)
    two = LoginBackoff(redis.Redis.from_url(redis_url), clock=clock)
    _fail(one, "10.0.0.1", FREE_FAILURES - 1)
    two.failed("10.0.0.1")
    assert one.retry_after("10.0.0.1") == 2


def test_a_backoff_whose_redis_is_gone_does_not_lock_staff_out():
    gone = LoginBackoff(redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2))
    _fail(gone, "10.0.0.1", 10)
    assert gone.retry_after("10.0.0.1") == 0
