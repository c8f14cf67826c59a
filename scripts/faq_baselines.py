"""Baselines the FAQ matcher is measured against in ``make bench-faq`` (not used in production).

Each ranks entries by the best score of their phrasings, like the matcher, and returns the same
``Candidate`` objects so that the same decision rule and evaluation apply.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.faq.matcher import Candidate, SearchResult
from bot.faq.semantic import CachedEncoder
from bot.faq.store import EntryData


class _PhrasingRanker:
    """Shared bookkeeping: phrasings, their owners, best phrasing per entry."""

    def __init__(self, entries: Sequence[EntryData]) -> None:
        self.entries = list(entries)
        self.phrasings, owners = [], []
        for position, entry in enumerate(self.entries):
            for phrasing in dict.fromkeys(entry.phrasings()):
                self.phrasings.append(phrasing)
                owners.append(position)
        self.owners = np.asarray(owners)

    def scores(self, query: str) -> np.ndarray:
        raise NotImplementedError

    def search(self, query: str, *, top: int = 5) -> SearchResult:
        scores = self.scores(query)
        best: dict[int, int] = {}
        for phrase in np.argsort(-scores, kind="stable"):
            best.setdefault(int(self.owners[phrase]), int(phrase))
            if len(best) == top:
                break
        return SearchResult([Candidate(self.entries[o], float(scores[p]), self.phrasings[p], {}) for o, p in best.items()])


class Bm25(_PhrasingRanker):
    """Okapi BM25 (k1 1.5, b 0.75) over plain jieba tokens."""

    def __init__(self, entries: Sequence[EntryData], k1: float = 1.5, b: float = 0.75) -> None:
        super().__init__(entries)
        import jieba

        self._jieba = jieba.Tokenizer()
        self._k1, self._b = k1, b
        self._docs = [Counter(self._tokens(p)) for p in self.phrasings]
        self._lengths = np.asarray([sum(d.values()) for d in self._docs], dtype=float)
        self._average = float(self._lengths.mean()) if len(self._docs) else 1.0
        frequency = Counter(t for d in self._docs for t in d)
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in frequency.items()}

    def _tokens(self, text: str) -> list[str]:
        clean = unicodedata.normalize("NFKC", text).lower()
        return [t for t in self._jieba.lcut(clean) if t.strip() and any(ch.isalnum() for ch in t)]

    def scores(self, query: str) -> np.ndarray:
        result = np.zeros(len(self._docs))
        norm = self._k1 * (1 - self._b + self._b * self._lengths / self._average)
        for token in set(self._tokens(query)):
            idf = self._idf.get(token)
            if idf is None:
                continue
            tf = np.asarray([d.get(token, 0) for d in self._docs], dtype=float)
            result += idf * tf * (self._k1 + 1) / (tf + norm)
        return result


class CharTfidf(_PhrasingRanker):
    """Cosine over TF-IDF of character 1–3-grams (scikit-learn defaults otherwise)."""

    def __init__(self, entries: Sequence[EntryData]) -> None:
        super().__init__(entries)
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3))
        self._matrix = self._vectorizer.fit_transform([unicodedata.normalize("NFKC", p).lower() for p in self.phrasings])

    def scores(self, query: str) -> np.ndarray:
        vector = self._vectorizer.transform([unicodedata.normalize("NFKC", query).lower()])
        return np.asarray((self._matrix @ vector.T).todense()).ravel()


class EmbeddingOnly(_PhrasingRanker):
    """Cosine of sentence vectors (the matcher's encoder, nothing else)."""

    def __init__(self, entries: Sequence[EntryData], encoder: CachedEncoder) -> None:
        super().__init__(entries)
        self._encoder = encoder
        self._vectors = encoder.encode(self.phrasings)

    def scores(self, query: str) -> np.ndarray:
        return self._vectors @ self._encoder.encode_query(query)
