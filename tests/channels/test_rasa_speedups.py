"""The action-response check built once still rejects what Rasa's per-call check rejects."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.runtime.ports import free_port
from channels import rasa_speedups
from tests.support.local_server import LocalServer


@pytest.fixture
def installed():
    original, session = RemoteAction._validate_action_result, EndpointConfig.session
    rasa_speedups.install()
    yield RemoteAction("action_ticket_status", None)
    RemoteAction._validate_action_result, EndpointConfig.session = original, session


def test_a_well_formed_action_response_passes(installed):
    response = {
        "events": [{"event": "slot", "name": "ticket_number", "value": "12345-20261207-0001"}],
        "responses": [{"text": "您的工单正在办理中。"}],
    }
    assert installed._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": {"event": "slot"}},  # events must be a list
        {"events": [{"event": "no_such_event"}]},  # unknown event type
        {"responses": ["plain text instead of an object"]},
    ],
)
def test_a_malformed_action_response_is_refused_with_rasas_hint(installed, response):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        installed._validate_action_result(response)


@pytest.mark.parametrize(
    "event",
    [
        {"event": "slot", "name": "ticket_number", "value": "TS202612070001", "timestamp": None},
        {"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet", "confidence": 0.99}}},
        {"event": "active_loop", "name": None},
        {"event": "bot", "text": "您好", "data": {}, "metadata": {"staff_no": "1024"}},
        {"event": "slot", "name": "x", "value": 1, "timestamp": "yesterday"},  # timestamp must be a number
        {"event": "followup"},  # Rasa takes it without a name
        {"event": "action", "name": 5},  # a name is a string
        {"name": "ticket_number"},  # no event name
        "slot",
    ],
)
def test_each_event_is_judged_as_rasas_own_schema_judges_it(installed, event):
    from jsonschema import validate
    from rasa.core.actions.action import RemoteAction as Spec

    try:
        validate({"events": [event]}, Spec.action_response_format_spec())
        rasa_accepts = True
    except ValidationError:
        rasa_accepts = False
    if rasa_accepts:
        assert installed._validate_action_result({"events": [event]}) is True
    else:
        with pytest.raises(ValidationError):
            installed._validate_action_result({"events": [event]})


def test_action_calls_reuse_one_connection_and_survive_the_server_closing_it(installed):
    peers: list[int] = []

    async def webhook(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": [{"text": "收到"}]})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    server = LocalServer(app, free_port())
    endpoint = EndpointConfig(f"http://127.0.0.1:{server.port}/webhook", headers={"X-Hotline-Action-Token": "t"})

    async def calls() -> list:
        answers = [await endpoint.request(json={"next_action": "action_answer_faq"}) for _ in range(5)]
        await asyncio.sleep(rasa_speedups.KEEPALIVE_SECONDS + 0.5)  # the client lets the idle connection go first
        answers.append(await endpoint.request(json={"next_action": "action_answer_faq"}))
        await endpoint._hotline_session.close()
        return answers

    try:
        answers = asyncio.run(calls())
    finally:
        server.stop()
    assert all(a == {"events": [], "responses": [{"text": "收到"}]} for a in answers)
    assert len(set(peers[:5])) <= 2  # five calls, kept-alive connections (a new one per call before)
    assert peers[5] not in peers[:5]  # after the idle time the client opened a fresh one, and it worked
