"""TF-IDF cosine over one kind of token, counting the query's unknown tokens against the match.

scikit-learn's vectoriser drops tokens it has not seen, so "车派丢了怎么补办" would look like a perfect
match for any "…丢了怎么补办" question. Here an unknown token weighs as much as the rarest known one.

Building is vectorised and remembers each text's token counts (``LexicalMemo``), so rebuilding after an
edit of a 10,000-entry knowledge base costs little more than stacking arrays.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix

Analyzer = Callable[[str], list[str]]


class LexicalMemo:
    """Token ids and sublinear term frequencies per text, kept from one index build to the next."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self._rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def row(self, text: str, analyzer: Analyzer) -> tuple[np.ndarray, np.ndarray]:
        cached = self._rows.get(text)
        if cached is None:
            counts = Counter(analyzer(text))
            ids = np.fromiter(
                (self.vocabulary.setdefault(t, len(self.vocabulary)) for t in counts), dtype=np.int64, count=len(counts)
            )
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts))
            cached = self._rows[text] = (ids, tf)
        return cached

    def keep_only(self, texts: list[str]) -> None:
        """Forget texts that are no longer indexed (ids stay: they are cheap and stable)."""
        wanted = set(texts)
        self._rows = {t: r for t, r in self._rows.items() if t in wanted}


class LexicalChannel:
    """Cosine similarity of a query to every indexed text, over the tokens ``analyzer`` yields."""

    def __init__(self, analyzer: Analyzer, texts: list[str], memo: LexicalMemo | None = None) -> None:
        self._analyzer = analyzer
        self._memo = memo or LexicalMemo()
        rows = [self._memo.row(text, analyzer) for text in texts]
        self._memo.keep_only(texts)
        size = max(len(self._memo.vocabulary), 1)
        lengths = np.fromiter((len(ids) for ids, _ in rows), dtype=np.int64, count=len(rows))
        ids = np.concatenate([r[0] for r in rows]) if rows else np.zeros(0, dtype=np.int64)
        tf = np.concatenate([r[1] for r in rows]) if rows else np.zeros(0)
        documents = len(texts)
        self._frequency = np.bincount(ids, minlength=size)  # each id once per text (Counter keys)
        self._idf = np.log((1 + documents) / (1 + self._frequency)) + 1.0
        self._unknown_idf = math.log(1 + documents) + 1.0
        weights = tf * self._idf[ids]
        row_of = np.repeat(np.arange(documents), lengths)
        norms = np.sqrt(np.bincount(row_of, weights=weights**2, minlength=documents))
        data = (weights / np.maximum(norms[row_of], 1e-12)).astype(np.float32)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        # Stored by column: a query touches only its own tokens' columns, not every indexed text.
        self._columns = csr_matrix((data, ids, indptr), shape=(documents, size)).tocsc()

    def _query_weights(self, tokens: list[str]) -> tuple[list[int], list[float], float]:
        """(known token ids, their weights, squared weight of tokens no indexed text has)."""
        ids: list[int] = []
        weights: list[float] = []
        unknown = 0.0
        vocabulary = self._memo.vocabulary
        for token, count in Counter(tokens).items():
            weight = 1.0 + math.log(count)
            position = vocabulary.get(token)
            if position is None or not self._indexed(position):
                unknown += (weight * self._unknown_idf) ** 2
            else:
                ids.append(position)
                weights.append(weight * self._idf[position])
        return ids, weights, unknown

    def cosines(self, query: str) -> np.ndarray:
        """Similarity of ``query`` to every text, in [0, 1]."""
        ids, weights, unknown = self._query_weights(self._analyzer(query))
        norm = math.sqrt(sum(w * w for w in weights) + unknown)
        if not ids or norm == 0:
            return np.zeros(self._columns.shape[0], dtype=np.float32)
        return self._columns[:, ids] @ (np.asarray(weights, dtype=np.float32) / norm)

    def knows(self, token: str) -> bool:
        """Whether ``token`` occurs in the indexed texts."""
        return self._indexed(self._memo.vocabulary.get(token))

    def _indexed(self, position: int | None) -> bool:
        """Whether a token id occurs in this index's texts (the shared vocabulary also holds tokens of
        texts indexed before, or after, this one was built)."""
        return position is not None and position < len(self._frequency) and self._frequency[position] > 0
