"""The console app in-process on a migrated SQLite database, with a recording stand-in for Rasa's API.

Route, permission and queue behaviour is tested here; the real Rasa server and a real browser are
used by tests/integration/test_handoff_*.py.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from bot.console.app import create_app
from bot.console.rasa_api import ConversationState, RasaUnavailable
from bot.core.config import load_settings
from bot.core.migrate import upgrade
from bot.staff.accounts import create_user

PASSWORD = "correct-horse-42"
STAFF = {  # username: (staff number, role)
    "agent1": ("1024", "agent"),
    "agent2": ("1025", "agent"),
    "editor": ("2001", "editor"),
    "supervisor": ("3001", "supervisor"),
    "admin": ("9001", "admin"),
    "dept": ("5000", "department"),
}


@dataclass
class RecordingRasa:
    """Records what the console asked Rasa to do; ``down`` makes every call fail like an outage."""

    calls: list[tuple] = field(default_factory=list)
    down: bool = False
    slot_values: dict = field(default_factory=dict)
    states: dict = field(default_factory=dict)  # conversation id → ConversationState (default: idle, no form)

    def _call(self, *call) -> None:
        if self.down:
            raise RasaUnavailable("Rasa not reachable: ClientConnectorError")
        self.calls.append(call)

    async def say(self, conversation_id, text, *, staff_no=None):
        self._call("say", conversation_id, text, staff_no)

    async def resume(self, conversation_id):
        self._call("resume", conversation_id)

    async def trigger(self, conversation_id, intent):
        self._call("trigger", conversation_id, intent)

    async def run_action(self, conversation_id, action):
        self._call("run_action", conversation_id, action)

    async def conversation_state(self, conversation_id):
        if self.down:
            raise RasaUnavailable("Rasa not reachable: ClientConnectorError")
        return self.states.get(conversation_id, ConversationState(form=None, paused=False, latest_event_time=0.0))

    async def slots(self, conversation_id):
        self._call("slots", conversation_id)
        return self.slot_values


@pytest.fixture
def console_database_url(sqlite_url: str) -> str:
    """The console tests' database: SQLite. Modules about records override it to run on PostgreSQL too."""
    return sqlite_url


def settings_for(database_url: str):
    """Console settings on a migrated database."""
    upgrade(database_url)
    return load_settings({"DATABASE_URL": database_url, "HANDOFF_CLAIM_TIMEOUT_SECONDS": "120"}, env_file=Path("/nonexistent"))


@contextmanager
def running_console(settings) -> Iterator:
    """A started console app (Rasa recorded, not called) with one account per entry of ``STAFF``."""
    # Sanic rewrites its own methods at start-up; test mode keeps the originals so that every test
    # can start a fresh app in the same process.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sanic, "test_mode", True)
        app = create_app(
            settings, rasa_url="http://127.0.0.1:9", rasa_token="unused", name=f"console_{uuid.uuid4().hex[:8]}", watch=False
        )
        app.ctx.rasa = RecordingRasa()
        for username, (staff_no, role) in STAFF.items():
            create_user(
                app.ctx.factory,
                username=username,
                staff_no=staff_no,
                role=role,
                password=PASSWORD,
                department="住房和城乡建设局" if role == "department" else "",
            )
        asyncio.run(app._startup())
        try:
            yield app
        finally:
            app.ctx.live_faq.close()


@pytest.fixture
def console_settings(console_database_url: str):
    return settings_for(console_database_url)


@pytest.fixture
def console(console_settings):
    with running_console(console_settings) as app:
        yield app


class Browser:
    """One staff member's browser: cookies, and the CSRF token the page would send."""

    def __init__(self, app, address: str = "127.0.0.1") -> None:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        self.client = httpx.AsyncClient(transport=transport, base_url="http://console.test")
        self.csrf = ""

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return asyncio.run(self.client.request(method, path, headers=headers, **kwargs))

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        page = self.request("GET", "/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        signed = self.request("POST", "/console/login", data={"csrf": token, "username": username, "password": password})
        if signed.status_code == 303:
            self.csrf = self.request("GET", "/console/api/me").json()["csrf"]
        return signed


@pytest.fixture
def browser(console):
    def open_browser(username: str | None = None) -> Browser:
        opened = Browser(console)
        if username:
            assert opened.sign_in(username).status_code == 303
        return opened

    return open_browser
