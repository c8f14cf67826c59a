"""The NLU review queue: unsure messages collected from Rasa's events, labelled, exported as training data."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.core.db import make_engine, make_session_factory, transaction
from bot.core.migrate import upgrade
from bot.handoff.transcript import ConversationEvent
from bot.review.cli import nlu_yaml
from bot.review.models import NluReview
from bot.review.queue import ReviewError, collect, label, labelled_examples, pending_and_labelled, record_correction

ROOT = Path(__file__).resolve().parents[2]


def _user(text, intent, confidence, ranking=(), at=1796000000.0):
    return {
        "event": "user",
        "timestamp": at,
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        },
    }


def _write(factory, sender, *events):
    with transaction(factory) as session:
        for event in events:
            session.add(ConversationEvent(sender_id=sender, data=json.dumps(event, ensure_ascii=False)))


def test_only_messages_the_bot_was_unsure_about_are_collected_once(factory):
    _write(
        factory,
        "c-1",
        _user(
            "幸福路那个事你们到底管不管，电话13812345678",
            "nlu_fallback",
            0.55,
            [("nlu_fallback", 0.55), ("complain", 0.41), ("check_ticket", 0.3)],
        ),
        _user("我想问下公积金怎么提取", "consult", 0.97),
        _user("城东那边有点情况", "complain", 0.6, [("complain", 0.6), ("report", 0.3)]),
        _user("/affirm", "affirm", 1.0),
        {"event": "bot", "timestamp": 1796000001.0, "text": "请问您要反映什么问题？"},
        _user("", "nlu_fallback", 0.1),
    )
    with transaction(factory) as session:
        session.add(ConversationEvent(sender_id="c-1", data="{not json"))
    assert collect(factory) == 2
    assert collect(factory) == 0  # the scan remembers where it stopped
    items = pending_and_labelled(factory, labelled=False)
    by_reason = {i["reason"]: i for i in items}
    assert set(by_reason) == {"fallback", "low_confidence"}
    fallback = by_reason["fallback"]
    assert "13812345678" not in fallback["text"] and "138****5678" in fallback["text"]
    assert fallback["predicted"] == "nlu_fallback" and fallback["ranking"][0]["name"] == "complain"
    _write(factory, "c-2", _user("还有这个事", "nlu_fallback", 0.3))
    assert collect(factory) == 1  # only what is new


def test_a_label_is_one_choice_and_the_export_is_rasa_training_data(factory):
    _write(
        factory,
        "c-1",
        _user("幸福路烧烤摊[油烟]大得很，电话13812345678", "nlu_fallback", 0.5),
        _user("啊啊啊啊", "nlu_fallback", 0.2),
        _user("城东那边有点情况", "complain", 0.6),
    )
    collect(factory)
    items = {i["text"][:4]: i["id"] for i in pending_and_labelled(factory, labelled=False)}
    with transaction(factory) as session:
        label(session, items["幸福路烧"], "complain", "1024")
        label(session, items["啊啊啊啊"], "", "1024")  # not for training
        with pytest.raises(ReviewError):
            label(session, items["城东那边"], "nlu_fallback", "1024")
    assert len(pending_and_labelled(factory, labelled=True)) == 2
    examples = labelled_examples(factory)
    assert list(examples) == ["complain"]
    data = yaml.safe_load(nlu_yaml(examples))
    assert data["version"] == "3.1"
    lines = data["nlu"][0]["examples"].splitlines()
    assert data["nlu"][0]["intent"] == "complain" and len(lines) == 1
    assert "13812345678" not in lines[0] and "【油烟】" in lines[0]  # brackets never read as entities


def test_a_ticket_staff_created_of_another_kind_corrects_the_bots_reading(factory):
    _write(
        factory,
        "c-9",
        _user("我要举报", "report", 0.9),
        _user("楼下饭店天天半夜吵", "suggest", 0.8),
        _user("转人工", "request_human", 0.99),
    )
    assert record_correction(factory, "c-9", "complaint", "1024")
    [item] = pending_and_labelled(factory, labelled=True)
    assert item["text"] == "楼下饭店天天半夜吵" and item["label"] == "complain" and item["reason"] == "staff_corrected"
    assert not record_correction(factory, "c-9", "suggestion", "1024")  # the bot had read that one right


def test_export_reviewed_writes_the_labelled_messages(tmp_path):
    url = f"sqlite:///{tmp_path / 'review.sqlite3'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    _write(factory, "c-1", _user("我家门口井盖没了", "nlu_fallback", 0.4))
    collect(factory)
    with transaction(factory) as session:
        label(session, session.query(NluReview).one().id, "complain", "1024")
    out = tmp_path / "reviewed.yml"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "nlu", "export-reviewed", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["nlu"] == [{"intent": "complain", "examples": "- 我家门口井盖没了\n"}]
