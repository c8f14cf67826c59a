"""Alembic's migrations build exactly the schema the models describe (tables, columns, types, indexes,
keys), on SQLite and on the real PostgreSQL: a model changed without a migration fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from bot.core.db import Base
from bot.core.migrate import upgrade
from bot.core.table_modules import import_all_models


def _differences(url: str) -> list:
    import_all_models()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()


def test_the_comparison_sees_every_model_table(sqlite_url):
    missing = {entry[1].name for entry in _differences(sqlite_url) if entry[0] == "add_table"}  # nothing migrated yet
    assert missing == set(Base.metadata.tables) and len(missing) >= 30


def test_the_migrated_schema_is_the_models_schema(database_url):
    upgrade(database_url)
    assert _differences(database_url) == []
