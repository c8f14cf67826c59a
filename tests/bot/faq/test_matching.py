"""The matcher on the sample knowledge base, with the real sentence encoder."""

import pytest

from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.faq.decision import decide
from bot.faq.live import LiveFaq
from bot.faq.transfer import import_file
from tests.bot.faq.conftest import SAMPLE

ALL = ("12345", "12319", "12320", "all")


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('faq') / 'faq.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    import_file(factory, SAMPLE, actor="test")
    return LiveFaq(factory).index()


def _decision(index, text, hotlines=ALL):
    return decide(index.search(text, hotlines=hotlines, top=5))


def test_a_close_paraphrase_is_answered_with_the_right_entry(index):
    decision = _decision(index, "异地就医备案怎么办理")
    assert decision.kind == "answer" and decision.best.entry.id == "MI-001"


def test_a_colloquial_paraphrase_gets_the_right_entry_first(index):
    decision = _decision(index, "我要去外地住院，医保那个备案在手机上咋弄")
    assert decision.kind in ("answer", "clarify") and decision.best.entry.id == "MI-001"


@pytest.mark.parametrize("text", ["社保卡可以借给亲戚去医院刷吗", "公积金贷款买的房子能不能出租给别人"])
def test_a_question_on_a_known_topic_that_no_entry_answers_is_not_answered(index, text):
    """Near misses share the topic words of an entry but ask something else: never answered outright."""
    assert _decision(index, text).kind != "answer"


def test_homophone_typos_are_understood(index):
    assert index.corrected("设保卡丢了咋办") == "社保卡丢了咋办"
    decision = _decision(index, "设保卡丢了咋办")
    assert decision.best.entry.id == "SI-002"


@pytest.mark.parametrize("text", ["社保的事情", "我想问社保的事情", "公积金"])
def test_a_vague_question_gets_choices_not_a_guess(index, text):
    decision = _decision(index, text)
    assert decision.kind == "clarify"
    assert 1 <= len(decision.candidates) <= 3
    assert len({c.entry.category for c in decision.candidates[:2]}) == 1


@pytest.mark.parametrize("text", ["推荐几部好看的电影", "给我讲个笑话", "'; DROP TABLE faq_entries; --", "😀😀😀"])
def test_nothing_close_is_declined(index, text):
    assert _decision(index, text).kind == "decline"


def test_empty_or_huge_questions_do_not_break_the_search(index):
    assert index.search("   ", hotlines=ALL).candidates == []
    assert decide(index.search("公积金" * 2000, hotlines=ALL)).kind in {"answer", "clarify", "decline"}


def test_entries_of_other_hotlines_are_not_served(index):
    question = "宝宝打疫苗怎么预约"
    assert _decision(index, question).best.entry.hotline == "12320"
    only_12319 = index.search(question, hotlines=("12319", "all")).candidates
    assert all(c.entry.hotline in ("12319", "all") for c in only_12319)
