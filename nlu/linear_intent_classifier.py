"""Intent classifier: logistic regression over TF-IDF-weighted word/char counts and sentence embeddings.

On our data (about 1,200 citizen messages, 15 intents) this reaches ~0.92 accuracy in 5-fold
cross-validation where DIET reaches ~0.83 and trains in seconds rather than minutes, so DIET is kept
for entities only. Features come from the pipeline's featurizers: the sparse sentence features
(CountVectorsFeaturizer word + char n-gram counts) get sublinear TF, IDF and L2 normalisation; the
dense sentence features (the sentence encoder) are appended with a weight.

The model is stored as plain numpy arrays (no pickle): weights, intercepts, class names, IDF.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

MODEL_FILE = "linear_intent_classifier.npz"


def sentence_features(message: Message) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The message's sentence features as ``Message.get_sparse_features`` / ``get_dense_features``
    combine them (every featurizer's, side by side, in pipeline order), without building the row:
    the sparse part as (column, value) pairs, the dense part as one vector."""
    columns, values, dense, offset = [], [], [], 0
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        if feature.is_sparse():
            row = feature.features.tocoo()
            row.sum_duplicates()
            columns.append(row.col.astype(np.int64) + offset)
            values.append(row.data.astype(np.float64))
            offset += row.shape[1]
        else:
            dense.append(np.asarray(feature.features, dtype=np.float64).ravel())
    empty_int, empty = np.zeros(0, dtype=np.int64), np.zeros(0)
    return (
        np.concatenate(columns) if columns else empty_int,
        np.concatenate(values) if values else empty,
        np.concatenate(dense) if dense else empty,
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression on the message's sentence features."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 10.0, "dense_weight": 1.0, "max_iter": 3000, "ranking_length": 10}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._weights = weights

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    def _raw_features(self, message: Message) -> tuple[csr_matrix, np.ndarray]:
        sparse = message.get_sparse_features(TEXT)[1]
        dense = message.get_dense_features(TEXT)[1]
        counts = csr_matrix(sparse.features, dtype=np.float64) if sparse else csr_matrix((1, 0))
        vector = np.asarray(dense.features, dtype=np.float64).reshape(1, -1) if dense else np.zeros((1, 0))
        return counts, vector

    def _design_matrix(self, counts: csr_matrix, dense: np.ndarray, idf: np.ndarray) -> csr_matrix:
        counts = counts.copy()
        counts.data = np.log1p(counts.data)  # sublinear term frequency
        weighted = normalize(csr_matrix(counts.multiply(idf)))
        return hstack([weighted, csr_matrix(dense * float(self._config["dense_weight"]))]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the classifier on every example that has text and an intent."""
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            return self._resource
        raw = [self._raw_features(e) for e in examples]
        counts = vstack([c for c, _ in raw]).tocsr()
        dense = np.vstack([d for _, d in raw])
        document_frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
        idf = np.log((1 + counts.shape[0]) / (1 + document_frequency)) + 1
        classifier = LogisticRegression(C=float(self._config["C"]), max_iter=int(self._config["max_iter"]))
        classifier.fit(self._design_matrix(counts, dense, idf), [e.get(INTENT) for e in examples])
        self._weights = {
            "coef": classifier.coef_,
            "intercept": classifier.intercept_,
            "classes": np.asarray(classifier.classes_, dtype=str),
            "idf": idf,
        }
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / MODEL_FILE, **self._weights)
        return self._resource

    def _probabilities(self, message: Message) -> np.ndarray:
        """The same scores as ``_design_matrix(...) @ coef.T + intercept``, computed on the message's
        non-zero columns only (a few dozen of ~45,000): building and multiplying the full sparse row
        took a third of the time of a parse."""
        w = self._weights
        assert w is not None, "process() predicts only with trained weights"
        columns, values, dense = sentence_features(message)
        weighted = np.log1p(values) * w["idf"][columns]  # sublinear TF, IDF
        norm = np.sqrt(weighted @ weighted)
        if norm > 0:
            weighted = weighted / norm  # L2, over the sparse part only (as sklearn's normalize)
        coef, n_sparse = w["coef"], w["idf"].shape[0]
        scores = (
            coef[:, columns] @ weighted
            + coef[:, n_sparse : n_sparse + dense.size] @ (dense * float(self._config["dense_weight"]))
            + w["intercept"]
        )
        if coef.shape[0] == 1:  # binary case: one weight row, P(second class) = sigmoid(score)
            scores = np.hstack([np.zeros_like(scores), scores])
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets intent and intent ranking on every message with text."""
        if self._weights is None:
            return messages
        classes = self._weights["classes"]
        for message in messages:
            if not message.get(TEXT):
                continue
            probabilities = self._probabilities(message)
            order = np.argsort(-probabilities)[: int(self._config["ranking_length"])]
            ranking = [{"name": str(classes[i]), "confidence": float(probabilities[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory, np.load(directory / MODEL_FILE, allow_pickle=False) as stored:
                weights = {key: stored[key] for key in stored.files}
        except (ValueError, FileNotFoundError):
            weights = None  # trained on data without intents
        return cls(config, model_storage, resource, weights)
