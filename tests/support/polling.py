"""Waiting in tests for something to happen: poll a condition until it holds, with a deadline.

A fixed ``sleep`` either waits too long or not long enough, and a check that something did *not*
happen after one proves nothing. Wait for an observable condition instead; the deadline only keeps a
broken run from hanging (a test never asserts how fast something was: benchmarks measure that).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], *, timeout: float, interval: float = 0.05, message: str = "") -> T:
    """Call ``predicate()`` until it returns a truthy value, and return that value.

    Raises ``AssertionError(message)`` when it is still falsy after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout} s: {_name(predicate)}")
        time.sleep(interval)


async def wait_until_async(
    predicate: Callable[[], T | Awaitable[T]], *, timeout: float, interval: float = 0.05, message: str = ""
) -> T:
    """``wait_until`` inside an event loop: sleeps with ``asyncio.sleep`` (other tasks run meanwhile);
    ``predicate`` may be a plain function or return an awaitable."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout} s: {_name(predicate)}")
        await asyncio.sleep(interval)


def _name(predicate: Callable) -> str:
    return getattr(predicate, "__qualname__", repr(predicate))
