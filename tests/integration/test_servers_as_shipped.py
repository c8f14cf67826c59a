"""The servers as `make run` starts them, seen from an attacker on the same machine or network."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.core.server_keys import ACTION_TOKEN_HEADER, action_token

pytestmark = pytest.mark.stack


def _status(url: str, *, data: dict | None = None, headers: dict | None = None) -> int:
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_no_secret_is_on_any_command_line(stack):
    secrets = (stack.token, action_token(stack.settings))
    for process in stack.processes.values():
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode(errors="replace")
        assert not any(secret in command_line for secret in secrets)


def test_the_action_server_runs_nothing_for_a_stranger(stack):
    url = f"http://{stack.settings.host}:{stack.settings.action_port}"
    call = {"next_action": "action_my_tickets", "sender_id": "tg:523456789", "tracker": {"sender_id": "tg:523456789"}}
    assert _status(f"{url}/webhook", data=call) == 401
    assert _status(f"{url}/webhook", data=call, headers={ACTION_TOKEN_HEADER: "guess"}) == 401
    assert _status(f"{url}/health") == 200


def test_rasas_api_and_rest_channel_need_their_credentials(stack):
    tracker = f"{stack.rasa_url}/conversations/someone/tracker"
    assert _status(tracker) == 401
    assert _status(f"{tracker}?token={stack.token}") == 401  # the plain token is switched off: it never travels
    assert _status(tracker, headers=stack.api_headers()) == 200
    message = {"sender": "tg:523456789", "message": "我的工单"}
    assert _status(f"{stack.rasa_url}/webhooks/rest/webhook", data=message) == 401
    assert (
        _status(f"{stack.rasa_url}/webhooks/rest/webhook", data=message, headers={"Authorization": f"Bearer {stack.token}"})
        == 200
    )


def test_a_huge_body_is_refused_before_it_is_read(stack):
    huge = json.dumps({"sender": "x", "message": "投" * 600_000}).encode()
    request = urllib.request.Request(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        data=huge,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {stack.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (ConnectionError, urllib.error.URLError):
        status = 413  # the server may close the connection while the client is still sending
    assert status == 413
    assert (
        _status(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            data={"sender": "x", "message": "你好"},
            headers={"Authorization": f"Bearer {stack.token}"},
        )
        == 200
    )  # and goes on serving
