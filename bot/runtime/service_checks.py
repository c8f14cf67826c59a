"""Are the services a process depends on reachable? For start-up (fail loudly) and readiness checks."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.core.config import Settings


class ServiceUnavailable(SystemExit):
    """A required service is unreachable at start-up; the message says which and what to do."""


def redis_problem(redis_url: str | None) -> str | None:
    """Why Redis at ``redis_url`` cannot be used (None when it answers, or is not configured)."""
    if not redis_url:
        return None
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer ({type(exc).__name__})"
    return None


def database_problem(factory: sessionmaker) -> str | None:
    """Why the database behind ``factory`` cannot be used (None when a query works)."""
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"the database does not answer ({type(exc).__name__})"
    return None


def require_redis(settings: Settings, server: str) -> None:
    """Refuse to start with ``REDIS_URL`` set and Redis away: Rasa would silently keep conversations in
    one process's memory instead, and replicas would lose them."""
    problem = redis_problem(settings.redis_url)
    if problem:
        raise ServiceUnavailable(
            f"{server} not started: REDIS_URL is set but {problem}. Start Redis, or unset "
            "REDIS_URL to run on one machine with in-memory stores."
        )
