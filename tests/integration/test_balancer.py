"""The production profile's nginx in front of two stand-in Rasa replicas: a message goes to the replica
with the fewest messages in flight, so one slow turn does not hold up the messages behind it."""

from __future__ import annotations

import asyncio
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp import web

from bot.runtime.production import free_public_port, nginx_binary, replica_ports, write_nginx_config
from tests.conftest import IN_CI
from tests.support.local_server import LocalServer
from tests.support.polling import wait_until

pytestmark = pytest.mark.stack


@pytest.fixture
def nginx_path() -> str:
    found = nginx_binary()
    if found is None:
        if IN_CI:
            pytest.fail("nginx is not installed, but CI=true requires it")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    return found


def _replica(name: str, served: list[str]) -> web.Application:
    """A stand-in Rasa replica that records which replica took each message; "slow" takes 3 s."""

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        served.append(f"{name}:{body['message']}")
        if body["message"] == "slow":
            await asyncio.sleep(3)
        return web.json_response([{"text": name}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    return app


def _send(port: int, message: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=f'{{"sender": "s", "message": "{message}"}}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read().decode()


def test_messages_go_to_the_replica_not_busy_with_a_slow_turn(nginx_path, tmp_path: Path):
    public = free_public_port(replicas=2)
    served: list[str] = []
    replicas = [LocalServer(_replica(f"r{i}", served), replica_ports(public, i)["RASA_PORT"]) for i in range(2)]
    work = tmp_path / "nginx"
    config = write_nginx_config(work, "127.0.0.1", public, 2)
    nginx = subprocess.Popen([nginx_path, "-p", str(work), "-c", str(config), "-g", "daemon off;"])
    try:
        wait_until(lambda: _reachable(public), timeout=15, message="nginx did not start")
        served.clear()
        slow = ThreadPoolExecutor(1).submit(_send, public, "slow")
        busy = wait_until(lambda: next((s.split(":")[0] for s in served if s.endswith(":slow")), None), timeout=10)
        quick = [_send(public, f"quick-{n}") for n in range(6)]
        assert all(busy not in answer for answer in quick), (busy, quick)  # none waited behind the slow turn
        assert busy in wait_until(lambda: slow.done() and slow.result(), timeout=15)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for replica in replicas:
            replica.stop()


def _reachable(port: int) -> bool:
    try:
        _send(port, "ping")
        return True
    except OSError:
        return False
