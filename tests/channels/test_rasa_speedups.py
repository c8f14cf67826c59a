"""The action-response check built once still rejects what Rasa's per-call check rejects."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from channels import rasa_speedups


@pytest.fixture
def installed():
    original = RemoteAction._validate_action_result
    rasa_speedups.install()
    yield RemoteAction("action_ticket_status", None)
    RemoteAction._validate_action_result = original


def test_a_well_formed_action_response_passes(installed):
    response = {"events": [{"event": "slot", "name": "ticket_number", "value": "12345-20261207-0001"}],
                "responses": [{"text": "您的工单正在办理中。"}]}
    assert installed._validate_action_result(response) is True


@pytest.mark.parametrize("response", [
    {"events": {"event": "slot"}},                      # events must be a list
    {"events": [{"event": "no_such_event"}]},           # unknown event type
    {"responses": ["plain text instead of an object"]},
])
def test_a_malformed_action_response_is_refused_with_rasas_hint(installed, response):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        installed._validate_action_result(response)
