"""The sentence encoder gives each message one 512-dim vector for its meaning, the same for the same words,
and leaves it for the FAQ matcher when the deployment shares vectors through Redis."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.sentence_vectors import vector_relay
from nlu import sentence_featurizer
from nlu.sentence_featurizer import UniversalSentenceEncoderFeaturizer

DIMENSIONS = 512


@pytest.fixture(autouse=True)
def no_shared_vectors(monkeypatch):
    """Without REDIS_URL nothing is shared; the relay is read again for each test."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    sentence_featurizer._relay.cache_clear()
    yield
    sentence_featurizer._relay.cache_clear()


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory) -> UniversalSentenceEncoderFeaturizer:
    """One featurizer (and one loaded encoder) for the module, created as the pipeline creates it."""
    config = UniversalSentenceEncoderFeaturizer.get_default_config()
    context = ExecutionContext(GraphSchema({}), node_name="sentence_encoder")
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    return UniversalSentenceEncoderFeaturizer.create(config, storage, Resource("sentence_encoder"), context)


def tokenized(text: str) -> Message:
    """A message as it leaves the tokenizer (the encoder reads the text; it only needs tokens to exist)."""
    return Message(data={TEXT: text, TOKENS_NAMES[TEXT]: [Token(text, 0)]})


def sentence_vector(message: Message) -> np.ndarray:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None, "no per-token vectors: only the sentence"
    assert sentence is not None, "the message has no sentence vector"
    return np.asarray(sentence.features)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.ravel(), b.ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_every_message_gets_one_sentence_vector_and_the_same_words_the_same_vector(featurizer):
    """Features the intent classifier can rely on: one finite 512-dim row per message, and a repeated
    question (in the same batch or a later one) looks exactly the same to the classifier."""
    social, again, tax, noise = (tokenized(t) for t in ("社保怎么交", "社保怎么交", "社会保险如何缴纳", "楼下烧烤店半夜很吵"))
    featurizer.process([social, again, tax, noise])
    vectors = [sentence_vector(m) for m in (social, again, tax, noise)]
    assert all(v.shape == (1, DIMENSIONS) and np.isfinite(v).all() for v in vectors)
    assert np.array_equal(vectors[0], vectors[1])

    later = tokenized("社保怎么交")
    featurizer.process([later])
    assert np.allclose(sentence_vector(later), vectors[0], atol=1e-5)

    # Each message got the vector of its own text: the paraphrase is close, the noise complaint is not.
    assert cosine(vectors[0], vectors[2]) > cosine(vectors[0], vectors[3]) + 0.3


def test_messages_without_text_or_tokens_get_no_vector(featurizer):
    """Training examples for responses (no text) and untokenized messages are left alone, not given a made-up vector."""
    no_text = Message(data={INTENT: "greet"})
    no_tokens = Message(data={TEXT: "你好"})
    featurizer.process([no_text, no_tokens])
    assert no_text.get_dense_features(TEXT) == (None, None)
    assert no_tokens.get_dense_features(TEXT) == (None, None)


def test_training_examples_get_the_vector_live_messages_get(featurizer):
    """The classifier is trained on the same vectors it later sees at run time."""
    example, live = tokenized("公积金怎么提取"), tokenized("公积金怎么提取")
    example.set(INTENT, "consult")
    featurizer.process_training_data(TrainingData([example]))
    featurizer.process([live])
    assert np.allclose(sentence_vector(example), sentence_vector(live), atol=1e-5)


@pytest.mark.redis
def test_the_vector_is_left_for_the_faq_matcher_when_redis_is_configured(featurizer, redis_url, monkeypatch):
    """With REDIS_URL the action server takes the question's vector from Redis instead of encoding it again."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    sentence_featurizer._relay.cache_clear()
    question = tokenized("异地就医备案怎么办理")
    featurizer.process([question])
    shared = vector_relay(redis_url).take("异地就医备案怎么办理")
    assert shared is not None and np.allclose(shared, sentence_vector(question).ravel())
    assert vector_relay(redis_url).take("别的问题") is None


def test_a_thread_count_below_one_is_refused():
    """A misconfigured pipeline fails at training with a clear message, not at the first citizen's message."""
    with pytest.raises(ValueError, match="threads"):
        UniversalSentenceEncoderFeaturizer.validate_config({"threads": 0})
    UniversalSentenceEncoderFeaturizer.validate_config({"threads": 2})
