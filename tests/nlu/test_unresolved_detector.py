"""Short "还是没解决" messages get the ``still_unresolved`` entity; accounts of a problem and payloads do not,
and the classifier's intent is left as it was."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.tickets.still_unresolved import still_unresolved
from nlu.unresolved_detector import UnresolvedDetector


@pytest.mark.parametrize(
    "text",
    [
        "还是没解决",
        "问题还是没有解决",
        "你们上次说处理了，可是还是没解决",
        "我反映的问题到现在还没解决",
        "上次投诉的噪音还是老样子",
        "还没修好",
        "问题依旧",
        "一点都没变",
    ],
)
def test_still_not_solved_in_a_short_message(text):
    assert still_unresolved(text)


@pytest.mark.parametrize(
    "text",
    [
        "没有",
        "你好",
        "楼下烧烤店天天半夜吵得人睡不着",
        "我要投诉小区门口占道施工",
        "",
        "小区门口的路灯坏了好几个月，" * 3 + "一直没人管",
    ],
)  # a long account is a new complaint
def test_other_messages_and_long_accounts_are_not(text):
    assert not still_unresolved(text)


def test_the_detector_adds_the_entity_and_keeps_the_intent_and_other_entities():
    ticket = {"entity": "ticket_number", "value": "TS202612010001", "start": 0, "end": 14}
    said = Message(data={TEXT: "TS202612010001 还是没解决", INTENT: {"name": "deny", "confidence": 0.9}, ENTITIES: [ticket]})
    payload = Message(data={TEXT: "/deny", INTENT: {"name": "deny", "confidence": 1.0}})
    other = Message(data={TEXT: "社保怎么交", INTENT: {"name": "consult", "confidence": 0.9}})
    UnresolvedDetector().process([said, payload, other])
    assert [e["entity"] for e in said.get(ENTITIES)] == ["ticket_number", "still_unresolved"]
    assert said.get(INTENT)["name"] == "deny"
    assert not payload.get(ENTITIES) and not other.get(ENTITIES)
