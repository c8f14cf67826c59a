"""The intent classifier scores a message exactly as the design matrix it was trained on would."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix, csr_matrix

from nlu.linear_intent_classifier import LinearIntentClassifier, sentence_features

WORDS, CHARS, DENSE, CLASSES = 300, 700, 16, ("complain", "consult", "report", "suggest")


def message(rng: np.random.Generator) -> Message:
    text = Message(data={TEXT: "楼下烧烤店天天半夜吵"})
    for name, width, nonzero in (("words", WORDS, 6), ("chars", CHARS, 25)):
        columns = rng.choice(width, nonzero, replace=False)
        row = coo_matrix((rng.integers(1, 4, nonzero).astype(float), (np.zeros(nonzero), columns)), shape=(1, width))
        text.add_features(Features(row, "sentence", TEXT, name))
        text.add_features(Features(coo_matrix(np.ones((3, width))), "sequence", TEXT, name))  # ignored
    text.add_features(Features(rng.normal(size=(1, DENSE)), "sentence", TEXT, "encoder"))
    return text


@pytest.mark.parametrize("classes", [CLASSES, CLASSES[:2]])
def test_scores_on_the_nonzero_columns_equal_the_full_design_matrix(classes):
    rng = np.random.default_rng(7)
    rows = 1 if len(classes) == 2 else len(classes)
    weights = {
        "coef": rng.normal(size=(rows, WORDS + CHARS + DENSE)),
        "intercept": rng.normal(size=rows),
        "classes": np.asarray(classes),
        "idf": rng.uniform(1, 5, WORDS + CHARS),
    }
    classifier = LinearIntentClassifier({"dense_weight": 0.7}, None, None, weights)
    for _ in range(20):
        parsed = message(rng)
        sparse, dense = parsed.get_sparse_features(TEXT)[1], parsed.get_dense_features(TEXT)[1]
        design = classifier._design_matrix(csr_matrix(sparse.features), np.asarray(dense.features), weights["idf"])
        scores = np.asarray(design @ weights["coef"].T + weights["intercept"]).ravel()
        if rows == 1:
            scores = np.hstack([[0.0], scores])
        expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
        assert np.allclose(classifier._probabilities(parsed), expected, atol=1e-12)


def test_a_message_without_features_gets_the_intercepts_alone():
    columns, values, dense = sentence_features(Message(data={TEXT: "你好"}))
    assert columns.size == values.size == dense.size == 0
