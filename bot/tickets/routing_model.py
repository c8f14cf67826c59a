"""The department classifier behind routing: character n-grams, a sentence vector and keyword hits in
one multinomial logistic regression, stored as plain numpy arrays (no pickle).

Features of a text:
- character 1–3-grams, sublinear TF × IDF, L2-normalised (typos and unknown words still share n-grams);
- the sentence vector of the multilingual Universal Sentence Encoder (meaning across wordings);
- per department, log(1 + number of its directory keywords in the text) (the city's own vocabulary).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.faq.semantic import Encoder

MAX_CHARS = 1200  # the opening of an appeal says what it is about; the rest is background


def normalise(text: str) -> str:
    """NFKC, lower case, whitespace collapsed, cut to the opening ``MAX_CHARS`` characters."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())[:MAX_CHARS]


@dataclass(frozen=True)
class FeatureWeights:
    """How much each kind of feature counts (chosen by cross-validation on the directory)."""

    chars: float = 1.0
    vector: float = 1.0
    keywords: float = 0.5


@dataclass
class RoutingModel:
    """A trained classifier: the names of its classes, and the arrays to score a text."""

    classes: list[str]
    vocabulary: list[str]
    idf: np.ndarray
    keywords: list[tuple[str, ...]]  # one tuple per class, in the order of ``classes``
    coef: np.ndarray
    intercept: np.ndarray
    weights: FeatureWeights = FeatureWeights()

    # --- training -------------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        keywords: dict[str, tuple[str, ...]],
        encoder: Encoder,
        *,
        c: float = 10.0,
        weights: FeatureWeights = FeatureWeights(),
    ) -> RoutingModel:
        """Fit on (text, department) pairs; ``keywords`` gives each department's directory keywords."""
        classes = sorted(set(labels), key=list(dict.fromkeys(labels)).index)
        normalised = [normalise(t) for t in texts]
        min_df = 2 if len(normalised) >= 100 else 1  # n-grams seen once add time, not accuracy
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=min_df, dtype=np.float64)
        vectorizer.fit(normalised)
        vocabulary = [term for term, _ in sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])]
        model = cls(
            classes,
            vocabulary,
            vectorizer.idf_,
            [tuple(keywords.get(c, ())) for c in classes],
            np.zeros((0, 0)),
            np.zeros(0),
            weights,
        )
        design = model.design_matrix(normalised, encoder, normalised=True)
        classifier = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        classifier.fit(design, list(labels))
        order = [list(classifier.classes_).index(name) for name in classes]
        if len(classes) == 2:  # binary: sklearn keeps one row for the second class
            model.coef = np.vstack([-classifier.coef_[0], classifier.coef_[0]]) / 2
            model.intercept = np.array([-classifier.intercept_[0], classifier.intercept_[0]]) / 2
        else:
            model.coef, model.intercept = classifier.coef_[order], classifier.intercept_[order]
        return model

    # --- scoring --------------------------------------------------------------------------------
    def _vectorizer(self) -> TfidfVectorizer:
        vectorizer = TfidfVectorizer(
            analyzer="char",
            ngram_range=(1, 3),
            sublinear_tf=True,
            vocabulary={term: i for i, term in enumerate(self.vocabulary)},
            dtype=np.float64,
        )
        vectorizer.idf_ = self.idf
        return vectorizer

    def design_matrix(self, texts: Sequence[str], encoder: Encoder, *, normalised: bool = False) -> csr_matrix:
        texts = list(texts) if normalised else [normalise(t) for t in texts]
        chars = self._vectorizer().transform(texts) * self.weights.chars
        vectors = encoder.encode(texts) * self.weights.vector
        hits = np.array([[sum(1 for k in words if k in text) for words in self.keywords] for text in texts], dtype=np.float64)
        keyword_features = np.log1p(hits) * self.weights.keywords
        return hstack([chars, csr_matrix(vectors), csr_matrix(keyword_features)]).tocsr()

    def probabilities(self, texts: Sequence[str], encoder: Encoder) -> np.ndarray:
        """One row per text: the probability of each class, in the order of ``classes``."""
        scores = np.asarray(self.design_matrix(texts, encoder) @ self.coef.T) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    # --- storage --------------------------------------------------------------------------------
    def save(self, path: Path, **meta: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez(
            partial,
            classes=np.asarray(self.classes, dtype=str),
            vocabulary=np.asarray(self.vocabulary, dtype=str),
            idf=self.idf,
            keywords=np.asarray(["\t".join(k) for k in self.keywords], dtype=str),
            coef=self.coef,
            intercept=self.intercept,
            weights=np.array([self.weights.chars, self.weights.vector, self.weights.keywords]),
            meta_keys=np.asarray(list(meta), dtype=str),
            meta_values=np.asarray(list(meta.values()), dtype=str),
        )
        partial.replace(path)  # readers never see half a file

    @classmethod
    def load(cls, path: Path) -> tuple[RoutingModel, dict[str, str]]:
        with np.load(path, allow_pickle=False) as stored:
            model = cls(
                classes=[str(c) for c in stored["classes"]],
                vocabulary=[str(t) for t in stored["vocabulary"]],
                idf=stored["idf"],
                keywords=[tuple(k for k in str(row).split("\t") if k) for row in stored["keywords"]],
                coef=stored["coef"],
                intercept=stored["intercept"],
                weights=FeatureWeights(*(float(w) for w in stored["weights"])),
            )
            meta = dict(zip((str(k) for k in stored["meta_keys"]), (str(v) for v in stored["meta_values"])))
        return model, meta
