"""Sensitive topics go to a person at once, anger with nothing else to act on goes to the handoff action,
and an ordinary (even angry) complaint stays with the assistant."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.handoff import ANGER_BEFORE_HANDOFF
from bot.handoff.escalation import angry_outbursts
from nlu import escalation
from nlu.escalation import EscalationDetector


@pytest.fixture(autouse=True)
def built_in_words(monkeypatch):
    """The shipped word list (bot/handoff/escalation.yml), read again for each test."""
    monkeypatch.delenv("HANDOFF_ESCALATION_FILE", raising=False)
    escalation._terms.cache_clear()
    yield
    escalation._terms.cache_clear()


def parsed(text: str, intent: str, confidence: float = 0.8, ranking: list[dict] | None = None) -> Message:
    """A message as the classifiers before the detector leave it."""
    top = {"name": intent, "confidence": confidence}
    message = Message(data={TEXT: text, INTENT: top, INTENT_RANKING_KEY: ranking or [top]})
    EscalationDetector().process([message])
    return message


@pytest.mark.parametrize(
    "text, intent, topic",
    [
        ("我们几十户业主准备集体上访", "complain", "群体性事件"),
        ("再不解决我就去找记者曝光", "complain", "媒体舆情"),
        ("工作丢了房租也交不起，真的活不下去了", "consult", "自伤风险"),
        ("明天大家一起 去 政府门口拉 横幅", "suggest", "群体性事件"),  # spaces do not hide the words
    ],
)
def test_a_sensitive_topic_goes_to_a_person_whatever_the_classifier_said(text, intent, topic):
    """Staff see the topic; the dialogue gets ``request_human`` for certain, with the classifier's guess kept below it."""
    message = parsed(text, intent)
    assert message.get(INTENT) == {"name": "request_human", "confidence": 1.0}
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["request_human", intent]
    assert message.get("escalation") == {"topic": topic, "angry": False, "overrode": intent}


def test_an_ordinary_complaint_stays_with_the_assistant():
    message = parsed("楼下烧烤店天天半夜吵得人睡不着", "complain", 0.91)
    assert message.get(INTENT) == {"name": "complain", "confidence": 0.91}
    assert message.get("escalation") == {"topic": None, "angry": False, "overrode": None}


def test_anger_with_nothing_else_to_act_on_goes_to_the_handoff_action_and_counts_towards_a_person():
    """The first such message gets an apology, the second a person: the handoff action counts them from parse data."""
    first = parsed("什么破机器人，听不懂人话", "nlu_fallback", 0.35)
    second = parsed("垃圾机器人", "chitchat", 0.6)
    for message, intent in ((first, "nlu_fallback"), (second, "chitchat")):
        assert message.get(INTENT)["name"] == "request_human"
        assert message.get("escalation") == {"topic": None, "angry": True, "overrode": intent}
    assert angry_outbursts([{"escalation": first.get("escalation")}]) == 1
    assert angry_outbursts([{"escalation": m.get("escalation")} for m in (first, second)]) == ANGER_BEFORE_HANDOFF


def test_an_angry_complaint_is_still_taken_down_and_does_not_count_as_an_outburst():
    """A citizen venting while reporting a problem gets the complaint form, not a queue."""
    message = parsed("气死我了，小区门口的井盖丢了三天没人管", "complain", 0.88)
    assert message.get(INTENT)["name"] == "complain"
    assert message.get("escalation") == {"topic": None, "angry": True, "overrode": None}
    assert angry_outbursts([{"escalation": message.get("escalation")}]) == 0


def test_an_emergency_is_never_taken_over():
    """110/119/120 comes first: a jumper on the roof is an emergency, not a queue for a person."""
    message = parsed("有人站在楼顶要跳楼，快来人", "emergency", 0.97)
    assert message.get(INTENT) == {"name": "emergency", "confidence": 0.97}
    assert message.get("escalation") == {"topic": "自伤风险", "angry": False, "overrode": None}


def test_button_payloads_are_not_examined():
    payload = Message(data={TEXT: "/complain", INTENT: {"name": "complain", "confidence": 1.0}})
    EscalationDetector().process([payload])
    assert payload.get(INTENT)["name"] == "complain" and payload.get("escalation") is None


def test_request_human_is_listed_once_at_the_top():
    ranking = [
        {"name": "complain", "confidence": 0.7},
        {"name": "request_human", "confidence": 0.2},
        {"name": "consult", "confidence": 0.1},
    ]
    message = parsed("我们要集体上访", "complain", 0.7, ranking)
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["request_human", "complain", "consult"]


def test_the_signals_reach_the_action_server_in_the_parse_data():
    """The handoff action reads ``escalation`` from the tracker: it must be part of the NLU output."""
    output = parsed("我们要集体上访", "complain").as_dict(only_output_properties=True)
    assert output["escalation"]["topic"] == "群体性事件"
    assert output[INTENT]["name"] == "request_human"


def test_a_citys_own_word_list_replaces_the_built_in_one(tmp_path, monkeypatch):
    """HANDOFF_ESCALATION_FILE is read at run time: a city changes the words without retraining."""
    own = tmp_path / "escalation.yml"
    own.write_text("sensitive_topics:\n  征地拆迁: [强拆]\nanger: [太差劲]\n", encoding="utf-8")
    monkeypatch.setenv("HANDOFF_ESCALATION_FILE", str(own))
    escalation._terms.cache_clear()
    assert parsed("村里要强拆我家的房子", "complain").get("escalation")["topic"] == "征地拆迁"
    assert parsed("你们服务太差劲", "nlu_fallback").get(INTENT)["name"] == "request_human"
    assert parsed("我们要集体上访", "complain").get(INTENT)["name"] == "complain"  # replaced, not added to
