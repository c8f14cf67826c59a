"""The index every process serves from, rebuilt when the knowledge base's version changes.

In a server a watcher thread checks the version (the latest revision id) every half second; when it
moved, a new index is built while the current one keeps answering, then swapped in. A citizen never
waits for a rebuild, and an edit is served within a second on the sample knowledge base (about two at
10,000 entries; see ``make bench-faq``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.core.clock import beijing_today
from bot.faq.lexical import LexicalMemo
from bot.faq.matcher import FaqIndex, Weights
from bot.faq.semantic import CachedEncoder, UniversalSentenceEncoder
from bot.faq.store import catalogue_version, published_snapshot
from bot.faq.text import default_normalizer

logger = logging.getLogger(__name__)

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
        background: bool = True,
    ) -> None:
        """
        Args:
            background: a watcher thread checks the version and rebuilds while the old index keeps
                answering (servers); False checks and rebuilds before answering (one-shot commands).
        """
        self._factory = factory
        self._encoder = encoder if encoder is not None else CachedEncoder(UniversalSentenceEncoder(), factory)
        self._weights = weights
        self._recheck = recheck_seconds
        self._background = background
        self._memos: dict[str, LexicalMemo] = {}
        self._lock = threading.Lock()
        self._index: FaqIndex | None = None
        self._version = -1
        self._day: date | None = None  # entries expire by the day: a new day rebuilds too
        self._checked_at = float("-inf")
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def index(self) -> FaqIndex:
        """The current index (built on first use); a database outage keeps serving the last good one."""
        with self._lock:
            if self._index is None:
                self._rebuild()
            if self._background:
                self._start_watcher()
            elif time.monotonic() - self._checked_at >= self._recheck:
                self._refresh()
            if self._index is None:  # _rebuild raises instead of leaving none
                raise KnowledgeBaseUnavailable("no index")
            return self._index

    def close(self) -> None:
        """Stop the watcher thread (servers simply exit; tests call this)."""
        self._stop.set()

    def _start_watcher(self) -> None:
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="faq-watcher", daemon=True)
            self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(self._recheck):
            try:  # no lock: searches keep using the index they already hold until the swap
                self._refresh()
            except Exception:
                logger.exception("FAQ index refresh failed; serving version %s", self._version)

    def _refresh(self) -> None:
        self._checked_at = time.monotonic()
        try:
            changed = catalogue_version(self._factory) != self._version or beijing_today() != self._day
        except SQLAlchemyError as exc:
            logger.warning("knowledge base unreachable (%s); serving version %s", type(exc).__name__, self._version)
            return
        if changed:
            self._rebuild()

    def _rebuild(self) -> None:
        started = time.perf_counter()
        day = beijing_today()
        try:
            version, entries = published_snapshot(self._factory, today=day)
        except SQLAlchemyError as exc:
            if self._index is None:
                raise KnowledgeBaseUnavailable(type(exc).__name__) from exc
            logger.warning("knowledge base unreachable (%s); serving version %s", type(exc).__name__, self._version)
            return
        index = FaqIndex(
            entries, normalizer=default_normalizer(), encoder=self._encoder, weights=self._weights, memos=self._memos
        )
        self._index, self._version, self._day = index, version, day  # one swap: searches see old or new
        logger.info(
            "FAQ index: version %s, %s entries, built in %.0f ms", version, len(entries), (time.perf_counter() - started) * 1000
        )

    @property
    def version(self) -> int:
        return self._version
