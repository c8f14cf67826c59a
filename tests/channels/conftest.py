"""The WeChat channel in-process: its blueprint on a Sanic app, a scripted bot behind it, and the
stand-in WeChat API on localhost. The real assistant behind the channel: tests/integration/test_wechat_*."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from bot.core.config import load_settings
from bot.core.migrate import upgrade
from channels.screening import message_throttle
from scripts.wechat_simulator import WeChatServer
from tests.support.fake_wechat_api import FakeWeChatApi

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wechat"
TOKEN = "hotline-test-token"
APP_ID = "wx1234567890abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def fixture(name: str, **replace: str) -> str:
    xml = (FIXTURES / f"{name}.xml").read_text(encoding="utf-8")
    for old, new in replace.items():
        xml = xml.replace(old, new)
    return xml


@dataclass
class ScriptedBot:
    """Stands in for Rasa: answers each text with scripted messages, optionally slowly."""

    answers: dict[str, list[dict]] = field(default_factory=dict)
    delay: float = 0.0
    seen: list = field(default_factory=list)
    fail: bool = False

    async def __call__(self, message) -> None:
        self.seen.append(message)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("tracker store down")
        for answer in self.answers.get(message.text, [{"text": f"收到：{message.text}"}]):
            await message.output_channel.send_response(message.sender_id, dict(answer))


@pytest.fixture
def fake_api():
    api = FakeWeChatApi().start()
    yield api
    api.stop()


@pytest.fixture
def channel_env(tmp_path, monkeypatch):
    """A fresh event loop and settings on a migrated SQLite file, for one channel under test."""
    # Sanic rewrites its own methods at start-up; test mode keeps the originals for the next app.
    monkeypatch.setattr(Sanic, "test_mode", True)
    message_throttle.cache_clear()  # each test's citizens start with a fresh message count
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    url = f"sqlite:///{tmp_path / 'channel.sqlite3'}"
    upgrade(url)
    yield loop, load_settings({"DATABASE_URL": url, "REDIS_URL": ""}, env_file=Path("/nonexistent"))
    loop.close()


def serve(loop, channel, bot, prefix: str) -> Sanic:
    """The channel's blueprint on a started Sanic app, with ``bot`` behind it."""
    app = Sanic(f"{prefix.strip('/').replace('/', '_')}_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(bot), url_prefix=prefix)
    loop.run_until_complete(app._startup())
    return app


def asgi_request(app: Sanic, loop, method: str, path: str, **kwargs) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://channel.test") as client:
            return await client.request(method, path, **kwargs)

    return loop.run_until_complete(go())


@pytest.fixture
def wechat(channel_env, fake_api):
    """Build a channel app: ``wechat(mode)`` → (client call helper, channel, bot, WeChat server)."""
    from channels.wechat import WeChatInput

    loop, settings = channel_env

    def build(mode: str = "plaintext", reply_within: float = 1.0, template_id: str | None = None) -> Channel:
        channel = WeChatInput(
            token=TOKEN,
            app_id=APP_ID,
            app_secret="secret",
            mode=mode,
            encoding_aes_key=AES_KEY,
            api_base=fake_api.url,
            reply_within_seconds=reply_within,
            template_id=template_id,
            settings=settings,
        )
        bot = ScriptedBot()
        app = serve(loop, channel, bot, "/webhooks/wechat")
        return Channel(app, channel, bot, WeChatServer(TOKEN, mode, APP_ID, AES_KEY), settings, loop)

    return build


@dataclass
class Channel:
    app: Sanic
    channel: object
    bot: ScriptedBot
    server: WeChatServer
    settings: object
    loop: asyncio.AbstractEventLoop

    def call(self, method: str, path: str = "/webhooks/wechat/webhook", **kwargs) -> httpx.Response:
        return asgi_request(self.app, self.loop, method, path, **kwargs)

    def send(self, xml: str, **request) -> tuple[httpx.Response, str | None]:
        """POST as WeChat would; returns the response and the passive reply's text."""
        params, body = self.server.request(xml, **request)
        answer = self.call("POST", params=params, content=body)
        text = self.server.reply_text(answer.text, params) if answer.status_code == 200 else None
        return answer, text

    def settle(self, until: Callable[[], bool], timeout: float = 10) -> None:
        """Let background pushes run until ``until()`` holds."""
        deadline = self.loop.time() + timeout
        while not until() and self.loop.time() < deadline:
            self.loop.run_until_complete(asyncio.sleep(0.05))
        assert until(), "condition not reached in time"


TELEGRAM_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"
TELEGRAM_TOKEN = "7000000001:AAH-test-token-never-logged"
TELEGRAM_SECRET = "webhook-secret-0123"
TELEGRAM_CHAT = 523456789


def update(name: str, **changes) -> dict:
    data = json.loads((TELEGRAM_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.fixture
def fake_telegram():
    from tests.support.fake_telegram_api import FakeTelegramApi

    api = FakeTelegramApi(TELEGRAM_TOKEN).start()
    yield api
    api.stop()


@dataclass
class TelegramChannel:
    app: Sanic
    channel: object
    bot: ScriptedBot
    settings: object
    loop: asyncio.AbstractEventLoop

    def post(self, body, secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        return asgi_request(self.app, self.loop, "POST", "/webhooks/telegram/webhook", content=content, headers=headers)


@pytest.fixture
def telegram(channel_env, fake_telegram):
    from channels.telegram import TelegramInput

    loop, settings = channel_env
    channel = TelegramInput(
        token=TELEGRAM_TOKEN, webhook_secret=TELEGRAM_SECRET, api_base=fake_telegram.base_url, settings=settings
    )
    bot = ScriptedBot()
    return TelegramChannel(serve(loop, channel, bot, "/webhooks/telegram"), channel, bot, settings, loop)


REST_TOKEN = "rest-api-token-0123456789"


@pytest.fixture
def rest(channel_env):
    """The REST channel with a scripted bot: ``post(body, token=…)`` → response, and the bot."""
    from channels.rest import AuthenticatedRestInput

    loop, settings = channel_env
    bot = ScriptedBot()
    app = serve(loop, AuthenticatedRestInput(replace(settings, rasa_auth_token=REST_TOKEN)), bot, "/webhooks/rest")

    def post(body=None, token: str | None = REST_TOKEN, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return asgi_request(app, loop, "POST", "/webhooks/rest/webhook", json=body, headers=headers, **kwargs)

    return post, bot


@pytest.fixture
def wechat_plain(wechat):
    """One WeChat channel in plaintext mode (WeChat's server played by the simulator)."""
    return wechat("plaintext")
