"""TF-IDF cosine over one kind of token, counting the query's unknown tokens against the match.

scikit-learn's vectoriser drops tokens it has not seen, so "车派丢了怎么补办" would look like a perfect
match for any "…丢了怎么补办" question. Here an unknown token weighs as much as the rarest known one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
from scipy.sparse import csr_matrix

Analyzer = Callable[[str], list[str]]


class LexicalChannel:
    """Cosine similarity of a query to every indexed text, over the tokens ``analyzer`` yields."""

    def __init__(self, analyzer: Analyzer, texts: list[str]) -> None:
        self._analyzer = analyzer
        token_lists = [analyzer(text) for text in texts]
        self._vocabulary: dict[str, int] = {}
        for tokens in token_lists:
            for token in tokens:
                self._vocabulary.setdefault(token, len(self._vocabulary))
        documents = len(texts)
        frequency = np.zeros(len(self._vocabulary))
        for tokens in token_lists:
            for token in set(tokens):
                frequency[self._vocabulary[token]] += 1
        self._idf = np.log((1 + documents) / (1 + frequency)) + 1.0
        self._unknown_idf = math.log(1 + documents) + 1.0
        self._matrix = self._weighted_rows(token_lists)

    def _weights(self, tokens: list[str]) -> tuple[list[int], list[float], float]:
        """(known token ids, their weights, squared weight of unknown tokens)."""
        ids, weights, unknown = [], [], 0.0
        for token, count in Counter(tokens).items():
            weight = 1.0 + math.log(count)  # sublinear term frequency
            position = self._vocabulary.get(token)
            if position is None:
                unknown += (weight * self._unknown_idf) ** 2
            else:
                ids.append(position)
                weights.append(weight * self._idf[position])
        return ids, weights, unknown

    def _weighted_rows(self, token_lists: list[list[str]]) -> csr_matrix:
        data, indices, indptr = [], [], [0]
        for tokens in token_lists:
            ids, weights, _ = self._weights(tokens)
            norm = math.sqrt(sum(w * w for w in weights)) or 1.0
            indices.extend(ids)
            data.extend(w / norm for w in weights)
            indptr.append(len(indices))
        return csr_matrix((data, indices, indptr), shape=(len(token_lists), max(len(self._vocabulary), 1)), dtype=np.float32)

    def cosines(self, query: str) -> np.ndarray:
        """Similarity of ``query`` to every text, in [0, 1]."""
        ids, weights, unknown = self._weights(self._analyzer(query))
        norm = math.sqrt(sum(w * w for w in weights) + unknown)
        if not ids or norm == 0:
            return np.zeros(self._matrix.shape[0], dtype=np.float32)
        vector = np.zeros(self._matrix.shape[1], dtype=np.float32)
        vector[ids] = np.asarray(weights, dtype=np.float32) / norm
        return self._matrix @ vector

    def knows(self, token: str) -> bool:
        """Whether ``token`` occurs in the indexed texts."""
        return token in self._vocabulary
