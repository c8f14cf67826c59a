"""The action server answers only the Rasa server: the shared token or 401, on the configured interface."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from actions.serve import create_server
from bot.core.config import load_settings
from bot.core.server_keys import ACTION_TOKEN_ENV, ACTION_TOKEN_HEADER
from bot.runtime.endpoints import rasa_endpoints

TOKEN = "action-token-0123456789abcdef"
CALL = {
    "next_action": "action_session_start",
    "sender_id": "web:abc",
    "version": "3.6.2",
    "tracker": {
        "sender_id": "web:abc",
        "slots": {},
        "latest_message": {},
        "events": [],
        "paused": False,
        "latest_event_time": None,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
    },
    "domain": {"slots": {}, "responses": {}, "intents": [], "entities": [], "forms": {}, "actions": []},
}


@pytest.fixture
def action_server(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)
    settings = replace(load_settings({"REDIS_URL": ""}, env_file=Path("/nonexistent")), action_token=TOKEN)
    app = create_server(settings)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(app._startup())

    def request(method: str, path: str, **kwargs) -> httpx.Response:
        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://actions.test") as c:
                return await c.request(method, path, **kwargs)

        return loop.run_until_complete(go())

    yield request
    loop.close()


def test_a_made_up_tracker_without_the_token_runs_nothing(action_server):
    for headers in ({}, {ACTION_TOKEN_HEADER: "guess"}, {"Authorization": f"Bearer {TOKEN}"}):
        assert action_server("POST", "/webhook", json=CALL, headers=headers).status_code == 401
        assert action_server("GET", "/actions", headers=headers).status_code == 401


def test_the_rasa_server_with_the_token_runs_actions(action_server):
    answer = action_server("POST", "/webhook", json=CALL, headers={ACTION_TOKEN_HEADER: TOKEN})
    assert answer.status_code == 200 and "events" in answer.json()
    names = {a["name"] for a in action_server("GET", "/actions", headers={ACTION_TOKEN_HEADER: TOKEN}).json()}
    assert "action_session_start" in names


def test_health_stays_open_for_load_balancers(action_server):
    assert action_server("GET", "/health").json() == {"status": "ok"}


def test_rasas_endpoints_send_the_token_from_the_environment_not_the_file():
    settings = load_settings({"REDIS_URL": "", "HOTLINE_HOST": "127.0.0.1"}, env_file=Path("/nonexistent"))
    action = rasa_endpoints(settings)["action_endpoint"]
    assert action["url"].startswith("http://127.0.0.1:")
    assert action["headers"] == {ACTION_TOKEN_HEADER: "${" + ACTION_TOKEN_ENV + "}"}
