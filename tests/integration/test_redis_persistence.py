"""Production profile: conversations live in a real Redis server.

With REDIS_URL, a conversation in the middle of a flow survives a restart of the Rasa server; when
Redis goes away the citizen is told so plainly, and the conversation goes on once it is back.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from bot.runtime.ports import free_port
from bot.runtime.runner import own_environment, start_stack
from tests.conftest import IN_CI
from tests.integration.conftest import say, texts, tracker
from tests.integration.test_webchat_channel import exchange

pytestmark = [pytest.mark.stack, pytest.mark.redis]


class RedisServer:
    """A redis-server process of our own, so the test can stop and restart it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        if IN_CI:
            pytest.fail("redis-server is not installed, but CI=true requires it")
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def test_conversation_survives_a_restart_and_a_redis_outage_is_answered_plainly(redis_server, tmp_path):
    env = own_environment(tmp_path, REDIS_URL=redis_server.url)
    stack = start_stack(env, tmp_path / "logs")
    try:
        sender = "redis-restart-citizen"
        buttons = [b for r in say(stack, sender, "/nlu_fallback") for b in r.get("buttons", [])]
        assert buttons[-1]["title"] == "都不是"  # the bot now waits inside the fallback loop

        stack.stop(("rasa",))
        stack.start_rasa()
        stack.wait_until_ready()
        assert tracker(stack, sender)["active_loop"].get("name") == "action_two_stage_fallback"
        # "None of these" inside the loop asks to rephrase; in a fresh conversation it would not.
        assert "换个说法" in texts(say(stack, sender, "/out_of_scope"))

        redis_server.stop()
        _, (during_outage,) = asyncio.run(exchange(stack.rasa_url, ["你好"]))
        assert "系统暂时繁忙" in during_outage[0]["text"]
        assert stack.settings.profile.number in during_outage[0]["text"]

        redis_server.start()
        _, (after,) = asyncio.run(exchange(stack.rasa_url, ["你好"]))
        assert stack.settings.profile.name in " ".join(m.get("text", "") for m in after)
    finally:
        stack.stop()
