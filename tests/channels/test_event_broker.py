"""The batched event broker: every event reaches the console's table, in order, even when the database
was away for a while, and a server shutdown writes what was still queued."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.handoff.transcript import ConversationEvent
from channels.event_broker import BatchedSQLEventBroker


def stored(database_url: str) -> list[tuple[str, dict]]:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(select(ConversationEvent).order_by(ConversationEvent.id)).scalars().all()
        result = [(row.sender_id, json.loads(row.data)) for row in rows]
    engine.dispose()
    return result


def user_event(sender: str, number: int) -> dict:
    return {"sender_id": sender, "event": "user", "text": f"第{number}条：路灯坏了 😀 ' OR 1=1 --", "timestamp": number}


def test_events_published_from_many_conversations_are_stored_in_publishing_order(database_url):
    upgrade(database_url)

    async def publish_all() -> BatchedSQLEventBroker:
        broker = BatchedSQLEventBroker(database_url)
        for number in range(600):
            broker.publish(user_event(f"web:{number % 7}", number))
        return broker

    broker = asyncio.run(publish_all())
    assert broker.flush()
    rows = stored(database_url)
    assert [event["timestamp"] for _, event in rows] == list(range(600))
    assert rows[13] == ("web:6", user_event("web:6", 13))
    asyncio.run(broker.close())


def test_events_wait_for_a_database_that_is_away_and_are_written_when_it_is_back(sqlite_url):
    broker = BatchedSQLEventBroker(sqlite_url)  # no tables yet: every insert fails as if the database were down
    broker.publish(user_event("web:a", 1))
    broker.publish(user_event("web:a", 2))
    assert not broker.flush(timeout=1.0)

    upgrade(sqlite_url)  # the database is back
    assert broker.flush(timeout=15)
    assert [event["timestamp"] for _, event in stored(sqlite_url)] == [1, 2]
    asyncio.run(broker.close())


def test_closing_the_server_writes_the_events_still_queued(sqlite_url):
    upgrade(sqlite_url)

    async def publish_and_close() -> None:
        broker = BatchedSQLEventBroker(sqlite_url)
        for number in range(50):
            broker.publish(user_event("tg:1", number))
        await broker.close()

    asyncio.run(publish_and_close())
    assert len(stored(sqlite_url)) == 50
