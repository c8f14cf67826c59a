"""The action server's shared services follow the deployment: its database, deadlines, holiday schedules,
queue settings and the sentence vectors the NLU shares through Redis."""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pytest

from actions import services
from actions.handoff import ActionHandOver
from actions.tickets import ActionSubmitMessage
from actions.unanswered import remember_misunderstanding
from bot.conversation.unanswered import latest_unanswered
from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.core.sentence_vectors import vector_relay
from bot.staff.audit import SYSTEM
from bot.tickets.calendar_years import save_schedule, schedule_from_text
from bot.tickets.service import TicketDraft
from tests.actions.conftest import load_tracker, run_action


@pytest.fixture(autouse=True)
def fresh_services(isolated_services, monkeypatch):
    """Every service rebuilt from this test's settings; a fixed server key (nothing written under var/)."""
    monkeypatch.setenv("HOTLINE_SECRET_KEY", "test-secret-key")
    caches = (services.settings, services.session_factory, services.ticket_desk, services.handoff_queue, services.live_faq)
    for cache in caches:
        cache.cache_clear()
    yield
    if services.live_faq.cache_info().currsize:
        services.live_faq().close()
    for cache in caches:
        cache.cache_clear()


def _rebuild():
    """What restarting the action server does after a settings change."""
    for cache in (services.settings, services.session_factory, services.ticket_desk, services.handoff_queue, services.live_faq):
        cache.cache_clear()


def _typed(text: str, **changes):
    message = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}, "intent_ranking": [], "entities": []}
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "input_channel": "webchat", "parse_data": message},
    ]
    return load_tracker("consult_question", latest_message=message, events=events, **changes)


def test_what_the_actions_record_lands_in_the_database_the_deployment_names(database_url, isolated_services, monkeypatch):
    """Editors in the console read DATABASE_URL: an unanswered question must be there (SQLite and PostgreSQL)."""
    upgrade(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    _rebuild()
    remember_misunderstanding(_typed("小区里的流浪狗归谁管"), "fallback")
    engine = make_engine(database_url)
    try:
        assert [r.text for r in latest_unanswered(make_session_factory(engine))] == ["小区里的流浪狗归谁管"]
    finally:
        engine.dispose()
        services.session_factory().kw["bind"].dispose()
    other = make_engine(isolated_services)  # the database the fixture set up before DATABASE_URL changed
    try:
        assert latest_unanswered(make_session_factory(other)) == []
    finally:
        other.dispose()


def test_a_message_is_promised_an_answer_within_the_deployments_own_deadline(monkeypatch):
    """A city that answers 留言 in 5 working days (DEADLINE_CONSULTATION_DAYS) tells the citizen 5, not the default 3."""
    monkeypatch.setenv("DEADLINE_CONSULTATION_DAYS", "5")
    _rebuild()
    tracker = load_tracker(
        "consult_question", slots={"message_question": "外地户口孩子上小学要什么材料", "message_phone": "13812345678"}
    )
    messages, _ = run_action(ActionSubmitMessage(), tracker)
    assert messages[0]["ticket_number"].startswith("ZX") and messages[0]["working_days"] == 5


def test_a_holiday_schedule_an_admin_loaded_moves_the_deadline_and_makes_it_certain():
    """Over a year the calendar package does not know, the admin's schedule counts: a holiday is skipped,
    and the date is no longer shown as 预计 (without it: 2099-03-05, estimated; tests/actions/test_tickets.py)."""
    save_schedule(services.session_factory(), SYSTEM, "admin", schedule_from_text("2099", "2099-03-04", ""))  # made up
    created = services.ticket_desk().create(
        TicketDraft(
            category="consultation",
            fields={"message_question": "外地户口孩子上小学要什么材料"},
            channel="webchat",
            conversation_id="c1",
            submission_key="k-2099-holiday",
            phone="13812345678",
        ),
        now=datetime(2099, 3, 2, 2, 0, tzinfo=timezone.utc),  # Monday 10:00 in Beijing
    )
    assert (created.due, created.deadline_certain) == (date(2099, 3, 6), True)


def test_the_expected_wait_told_to_the_citizen_follows_the_deployments_setting(monkeypatch):
    """Until there is a history of claims, the wait is HANDOFF_MINUTES_PER_CITIZEN per place."""
    monkeypatch.setenv("HANDOFF_STAFF_HOURS", "00:00-24:00")
    monkeypatch.setenv("HANDOFF_MINUTES_PER_CITIZEN", "7")
    _rebuild()
    messages, _ = run_action(ActionHandOver(), _typed("转人工", sender_id="citizen-1"))
    assert "您是下一位" in messages[0]["text"] and "约 7 分钟" in messages[0]["text"]
    messages, _ = run_action(ActionHandOver(), _typed("转人工", sender_id="citizen-2"))
    assert "前面还有 1 位" in messages[0]["text"] and "约 14 分钟" in messages[0]["text"]


@pytest.mark.redis
def test_with_redis_the_faq_uses_the_vector_the_nlu_left_for_the_question(redis_url, monkeypatch):
    """The action server does not encode the citizen's question again when the Rasa server shared its vector."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    _rebuild()
    planted = np.zeros(512, dtype=np.float32)
    planted[3] = 2.0  # not what the encoder would give: proves the shared vector was used
    vector_relay(redis_url).put("异地就医备案怎么办理", planted)
    used = services.live_faq()._encoder.encode_query("异地就医备案怎么办理")
    assert np.allclose(used, planted / 2.0)
