"""Production profile: with REDIS_URL, a conversation in the middle of a flow survives a restart."""

from __future__ import annotations

import pytest

from tests.integration.conftest import say, stack_environment, start_stack, texts, tracker

pytestmark = [pytest.mark.stack, pytest.mark.redis]


def test_conversation_mid_fallback_survives_a_rasa_server_restart(redis_url, tmp_path):
    env = stack_environment(tmp_path, REDIS_URL=redis_url, RASA_PORT="5205", ACTION_PORT="5255")
    stack = start_stack(env, tmp_path / "logs")
    try:
        sender = "redis-restart-citizen"
        buttons = [b for r in say(stack, sender, "/nlu_fallback") for b in r.get("buttons", [])]
        assert buttons[-1]["title"] == "都不是"  # the bot is now waiting inside the fallback loop

        stack.stop(("rasa",))
        stack.start_rasa()
        stack.wait_until_ready()

        state = tracker(stack, sender)
        assert state["active_loop"].get("name") == "action_two_stage_fallback"
        # "None of these" inside the loop asks to rephrase; in a fresh conversation it would not.
        assert "换个说法" in texts(say(stack, sender, "/out_of_scope"))
    finally:
        stack.stop()
