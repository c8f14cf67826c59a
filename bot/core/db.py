"""Application database: engine and session factories, and the declarative base.

Nothing connects at import time: callers build an engine from the settings' URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool

Base = declarative_base()


def make_engine(database_url: str) -> Engine:
    """Create an engine; for SQLite, create the file's folder and enable foreign keys.

    SQLite connections are pooled (SQLAlchemy 1.4 opens a new one per session by default, and each
    opening re-runs the pragmas: under load that cost as much as the queries)."""
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            database_url,
            future=True,
            poolclass=QueuePool,
            pool_size=5,
            max_overflow=10,
            connect_args={"timeout": 10, "check_same_thread": False},
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    # pool_pre_ping: a database that restarted under us is reconnected instead of failing once.
    return create_engine(database_url, future=True, pool_pre_ping=True, connect_args=_connect_timeout(database_url))


def _connect_timeout(database_url: str) -> dict[str, int]:
    return {"connect_timeout": 5} if database_url.startswith("postgresql") else {}


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Readers (the console) and writers (Rasa's event broker, the actions) share the file: WAL lets
    # them work at the same time instead of waiting on each other.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the file; only a power cut may lose the last commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@cache
def shared_session_factory(database_url: str) -> sessionmaker:
    """Sessions on one engine (one connection pool) per database for the whole process, for the
    channels of the Rasa server, which each need the application database now and then."""
    return make_session_factory(make_engine(database_url))


def make_session_factory(engine: Engine) -> sessionmaker:
    """A session factory bound to ``engine``."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def temporary_schema(postgres_url: str, prefix: str = "tmp") -> Iterator[str]:
    """A fresh schema on a PostgreSQL server for a test or benchmark run, dropped afterwards; yields a
    URL that selects it (the server's other data is never touched)."""
    from sqlalchemy import text

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, future=True)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands back naive ones, stored as UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
