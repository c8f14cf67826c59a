"""Conversation events into the application database, written off Rasa's event loop in batches.

Rasa's ``SQL`` event broker commits every event in its own transaction, synchronously on the event
loop: under load a quarter of the Rasa server's CPU went there, and every conversation waited for each
commit. This broker (``type: channels.event_broker.BatchedSQLEventBroker`` in endpoints.yml) hands
each event to one writer thread per process, which inserts whatever has queued up in one transaction,
in the order the events were published (the console's transcripts read them by id). While the
database is away the writer keeps the events and retries; ``close`` (server shutdown) flushes them.
The ``events`` table is the one the migrations create (``bot/handoff/transcript.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot.core.db import make_engine
from bot.handoff.transcript import ConversationEvent
from bot.runtime.ops import metrics

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500
FALLBACK_INTENT = "nlu_fallback"
RETRY_SECONDS = (0.5, 1, 2, 5)
_STOP = object()


def count_understanding(event: dict[str, Any]) -> None:
    """Intents and fallbacks of citizen messages (the console's own turns, "EXTERNAL: …", are not theirs)."""
    if str(event.get("text") or "").startswith("EXTERNAL:"):
        return
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or "none"
    metrics().intents.labels(intent).inc()
    if intent == FALLBACK_INTENT:
        metrics().fallbacks.inc()


class BatchedSQLEventBroker(EventBroker):
    """Events to the ``events`` table by one writer thread, batched, in publishing order."""

    def __init__(self, database_url: str) -> None:
        self._engine = make_engine(database_url)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._connection: Connection | None = None  # the writer thread's
        self._writer = threading.Thread(target=self._write_until_stopped, name="event-writer", daemon=True)
        self._writer.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: asyncio.AbstractEventLoop | None = None
    ) -> BatchedSQLEventBroker:
        return cls(broker_config.url)

    def publish(self, event: dict[str, Any]) -> None:
        self._queue.put({"sender_id": event.get("sender_id"), "data": json.dumps(event)})
        if event.get("event") == "user":
            count_understanding(event)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every event published so far is written; False after ``timeout`` seconds."""
        written = threading.Event()
        self._queue.put(written)
        return written.wait(timeout)

    async def close(self) -> None:
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._writer.join, 30)
        self._engine.dispose()

    def _write_until_stopped(self) -> None:
        while True:
            batch, signals = self._next_batch()
            if batch:
                self._insert(batch)
            for signal in signals:
                if signal is _STOP:
                    self._drop_connection()
                    return
                signal.set()

    def _next_batch(self) -> tuple[list[dict], list]:
        """Blocks for the first item, then takes what else is waiting (up to BATCH_LIMIT events)."""
        batch: list[dict] = []
        signals: list = []
        item = self._queue.get()
        while True:
            if isinstance(item, dict):
                batch.append(item)
            else:
                signals.append(item)
                break  # a flush or stop marks a point: write what came before it first
            if len(batch) >= BATCH_LIMIT:
                break
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
        return batch, signals

    def _insert(self, batch: list[dict]) -> None:
        """One transaction on the writer's own connection (kept open: opening one per batch cost as
        much as the insert), reconnecting after an error."""
        attempt = 0
        while True:
            try:
                if self._connection is None:
                    self._connection = self._engine.connect()
                with self._connection.begin():
                    self._connection.execute(insert(ConversationEvent.__table__), batch)
                if attempt:
                    logger.info("event broker: database back, %d events written", len(batch))
                return
            except SQLAlchemyError as error:
                self._drop_connection()
                delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                logger.warning(
                    "event broker: cannot write %d events (%s); retrying in %ss", len(batch), type(error).__name__, delay
                )
                attempt += 1
                time.sleep(delay)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None
