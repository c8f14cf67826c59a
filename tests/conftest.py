"""Shared fixtures: real Redis and PostgreSQL when present (required in CI), temporary databases."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_TEST_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    """Skip when a service is absent on a developer's machine; fail in CI, where it must run."""
    if _reachable(url, default_port):
        return
    message = f"{name} is not reachable at {urlsplit(url).netloc}"
    if IN_CI:
        pytest.fail(f"{message}, but CI=true requires it (.ci/run starts it)")
    pytest.skip(f"{message}; start it to run this test")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis database for one test, emptied afterwards."""
    require_service("Redis", REDIS_TEST_URL, 6379)
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield REDIS_TEST_URL
    client.flushdb()
    client.close()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL database, dropped afterwards (its URL selects it)."""
    require_service("PostgreSQL", POSTGRES_TEST_URL, 5432)
    from bot.core.db import temporary_schema

    with temporary_schema(POSTGRES_TEST_URL, prefix="test") as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL database for one test, dropped afterwards."""
    with postgres_schema() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A temporary SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'hotline.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request) -> str:
    """Each database test runs on SQLite and on the real PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")
