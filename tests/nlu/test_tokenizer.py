"""The hotline tokenizer keeps the hotline's own words whole, ignores spaces and gives offsets that match the text."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.tokenizer import HotlineJiebaTokenizer

DICTIONARY = Path(__file__).resolve().parents[2] / "nlu" / "jieba_dict"
CONFIG = {**HotlineJiebaTokenizer.get_default_config(), "dictionary_path": str(DICTIONARY)}


@pytest.fixture(scope="module")
def storage(tmp_path_factory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def tokenizer(storage) -> HotlineJiebaTokenizer:
    """The tokenizer as the pipeline in config.yml creates it, with the hotline dictionary."""
    context = ExecutionContext(GraphSchema({}), node_name="tokenizer")
    return HotlineJiebaTokenizer.create(CONFIG, storage, Resource("tokenizer"), context)


def tokens(tokenizer, text: str):
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def words(tokenizer, text: str) -> list[str]:
    return [t.text for t in tokens(tokenizer, text)]


@pytest.mark.parametrize(
    "text, term",
    [
        ("12345政务热线怎么打", "12345政务热线"),
        ("我要转人工", "转人工"),
        ("我的工单号是多少", "工单号"),
        ("楼下有人飞线充电很危险", "飞线充电"),
        ("小区晚上噪音扰民", "噪音扰民"),
        ("楼上高空抛物砸坏了车", "高空抛物"),
        ("公积金提取需要什么材料", "公积金提取"),
        ("HPV疫苗哪里能打", "HPV疫苗"),
    ],
)
def test_hotline_terms_stay_whole_tokens(tokenizer, text, term):
    """Plain jieba splits these terms (政务/热线, 转/人工 …); the intent features need them as one word."""
    assert term in words(tokenizer, text)


@pytest.mark.parametrize("text", ["社保 怎么交", "社保\u3000怎么交", " 社保\n怎么交 ", "社保\t\t怎么交", "社保怎么交"])
def test_spaces_do_not_change_the_words(tokenizer, text):
    """A citizen who types spaces (half- or full-width, tabs, line breaks) gets the same words as one who does not."""
    assert words(tokenizer, text) == ["社保", "怎么", "交"]


@pytest.mark.parametrize(
    "text",
    ["我要投诉 社保 怎么交", "查询 TS202611280007 进度😀", "  12345政务热线\u3000转人工\n", "HPV疫苗 哪里能打？"],
)
def test_token_offsets_point_at_their_words_in_the_text(tokenizer, text):
    """Entity positions are read from token offsets: each token's start/end must cut its own word out of the text."""
    found = tokens(tokenizer, text)
    assert found and all(text[t.start : t.end] == t.text for t in found)
    assert all(t.text.strip() == t.text for t in found)  # no blank tokens
    assert all(a.end <= b.start for a, b in pairwise(found))  # in order, not overlapping
    assert "".join(t.text for t in found) == "".join(text.split())  # nothing but the spaces dropped


def test_a_blank_message_still_gets_a_token(tokenizer):
    """Rasa's featurizers need at least one token per message, even for a message of spaces only."""
    found = tokens(tokenizer, "   ")
    assert len(found) >= 1 and all("   "[t.start : t.end] == t.text for t in found)


def test_training_examples_are_tokenized_like_live_messages(tokenizer):
    """The words the classifier learns from are the words it later sees: no blank tokens in training either."""
    example = Message(data={TEXT: "我要投诉 社保 怎么交", INTENT: "complain"})
    tokenizer.process_training_data(TrainingData([example]))
    assert [t.text for t in example.get(TOKENS_NAMES[TEXT])] == words(tokenizer, "我要投诉社保怎么交")


def test_the_trained_model_carries_the_dictionary_and_loads_as_the_hotline_tokenizer(tokenizer, storage):
    """A deployed model has the hotline words with it (no nlu/ folder needed) and still drops blank tokens."""
    tokenizer.train(TrainingData())
    with storage.read_from(Resource("tokenizer")) as directory:
        stored = {path.name: path.read_text(encoding="utf-8") for path in directory.iterdir()}
    assert stored == {path.name: path.read_text(encoding="utf-8") for path in DICTIONARY.iterdir()}

    context = ExecutionContext(GraphSchema({}), node_name="tokenizer")
    loaded = HotlineJiebaTokenizer.load(CONFIG, storage, Resource("tokenizer"), context)
    assert isinstance(loaded, HotlineJiebaTokenizer)
    assert words(loaded, "我要 转人工") == ["我要", "转人工"]
