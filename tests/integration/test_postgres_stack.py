"""The production database: the whole assistant on PostgreSQL, with conversation events in it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from bot.core.db import make_engine, make_session_factory
from bot.handoff.models import Handoff
from bot.handoff.transcript import transcript
from bot.messaging.conversation_ids import conversation_id
from bot.runtime.runner import own_environment, start_stack
from tests.integration.conftest import say, texts

pytestmark = [pytest.mark.stack, pytest.mark.postgres]


def test_on_postgresql_a_handoff_is_queued_and_its_transcript_comes_from_the_event_broker(postgres_url, tmp_path):
    env = own_environment(tmp_path, DATABASE_URL=postgres_url)
    stack = start_stack(env, tmp_path / "logs")
    try:
        citizen = f"citizen-{uuid.uuid4().hex[:8]}"
        assert "已为您转接人工客服" in texts(say(stack, citizen, "我要找人工，电话13812345678"))
        say(stack, citizen, "在吗")
        factory = make_session_factory(make_engine(postgres_url))
        with factory() as session:
            (handoff,) = session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id("rest", citizen))).all()
        assert handoff.status == "waiting"
        lines = transcript(factory, conversation_id("rest", citizen), masked=True)
        assert [(line.who, line.text) for line in lines if line.who == "citizen"] == [
            ("citizen", "我要找人工，电话138****5678"),
            ("citizen", "在吗"),
        ]
        assert ("system", "转人工") in [(line.who, line.text) for line in lines]
    finally:
        stack.stop()
