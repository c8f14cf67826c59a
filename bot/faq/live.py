"""The index every process serves from, rebuilt when the knowledge base's version changes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.faq.matcher import FaqIndex, Weights
from bot.faq.semantic import CachedEncoder, UniversalSentenceEncoder
from bot.faq.store import catalogue_version, published_snapshot
from bot.faq.text import default_normalizer

logger = logging.getLogger(__name__)

# A change must be served within 2 s; checking the version costs one indexed query.
RECHECK_SECONDS = 0.5


class KnowledgeBaseUnavailable(RuntimeError):
    """No index could be built (the database has never been reachable from this process)."""


class LiveFaq:
    """Serves searches from an index that follows every edit, publish and retire in the database."""

    def __init__(
        self,
        factory: sessionmaker,
        *,
        encoder: CachedEncoder | None = None,
        weights: Weights = Weights(),
        recheck_seconds: float = RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._encoder = encoder if encoder is not None else CachedEncoder(UniversalSentenceEncoder(), factory)
        self._weights = weights
        self._recheck = recheck_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._index: FaqIndex | None = None
        self._version = -1
        self._checked_at = float("-inf")

    def index(self) -> FaqIndex:
        """The current index; a database outage keeps serving the last good one."""
        with self._lock:
            now = self._clock()
            if self._index is not None and now - self._checked_at < self._recheck:
                return self._index
            try:
                if self._index is None or catalogue_version(self._factory) != self._version:
                    self._rebuild()
                self._checked_at = now
            except SQLAlchemyError as exc:
                if self._index is None:
                    raise KnowledgeBaseUnavailable(type(exc).__name__) from exc
                logger.warning("knowledge base unreachable (%s); serving version %s", type(exc).__name__, self._version)
            return self._index

    def _rebuild(self) -> None:
        started = time.perf_counter()
        version, entries = published_snapshot(self._factory)
        self._index = FaqIndex(entries, normalizer=default_normalizer(), encoder=self._encoder, weights=self._weights)
        self._version = version
        logger.info("FAQ index: version %s, %s entries, built in %.0f ms", version, len(entries), (time.perf_counter() - started) * 1000)

    @property
    def version(self) -> int:
        return self._version
