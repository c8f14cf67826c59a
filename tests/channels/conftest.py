"""The WeChat channel in-process: its blueprint on a Sanic app, a scripted bot behind it, and the
stand-in WeChat API on localhost. The real assistant behind the channel: tests/integration/test_wechat_*."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from bot.config import load_settings
from bot.migrate import upgrade
from scripts.fake_wechat_api import FakeWeChatApi
from scripts.wechat_simulator import WeChatServer

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
def wechat(tmp_path, fake_api, monkeypatch):
    """Build a channel app: ``wechat(mode)`` → (client call helper, channel, bot, WeChat server)."""
    from channels.wechat import WeChatInput

    monkeypatch.setattr(Sanic, "test_mode", True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    url = f"sqlite:///{tmp_path / 'wechat.sqlite3'}"
    upgrade(url)
    settings = load_settings({"DATABASE_URL": url, "REDIS_URL": ""}, env_file=Path("/nonexistent"))

    def build(mode: str = "plaintext", reply_within: float = 1.0, template_id: str | None = None) -> Channel:
        channel = WeChatInput(token=TOKEN, app_id=APP_ID, app_secret="secret", mode=mode, encoding_aes_key=AES_KEY,
                              api_base=fake_api.url, reply_within_seconds=reply_within, template_id=template_id,
                              settings=settings)
        bot = ScriptedBot()
        app = Sanic(f"wechat_{uuid.uuid4().hex[:8]}")
        app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/wechat")
        loop.run_until_complete(app._startup())
        return Channel(app, channel, bot, WeChatServer(TOKEN, mode, APP_ID, AES_KEY), settings, loop)

    yield build
    loop.close()


@dataclass
class Channel:
    app: Sanic
    channel: object
    bot: ScriptedBot
    server: WeChatServer
    settings: object
    loop: asyncio.AbstractEventLoop

    def call(self, method: str, path: str = "/webhooks/wechat/webhook", **kwargs) -> httpx.Response:
        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://wechat.test") as c:
                return await c.request(method, path, **kwargs)

        return self.loop.run_until_complete(go())

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
    from scripts.fake_telegram_api import FakeTelegramApi

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

        async def go():
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://tg.test") as c:
                return await c.post("/webhooks/telegram/webhook", content=content, headers=headers)

        return self.loop.run_until_complete(go())


@pytest.fixture
def telegram(tmp_path, fake_telegram, monkeypatch):
    from channels.telegram import TelegramInput

    monkeypatch.setattr(Sanic, "test_mode", True)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    url = f"sqlite:///{tmp_path / 'telegram.sqlite3'}"
    upgrade(url)
    settings = load_settings({"DATABASE_URL": url, "REDIS_URL": ""}, env_file=Path("/nonexistent"))
    channel = TelegramInput(token=TELEGRAM_TOKEN, webhook_secret=TELEGRAM_SECRET, api_base=fake_telegram.base_url,
                            settings=settings)
    bot = ScriptedBot()
    app = Sanic(f"telegram_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/telegram")
    loop.run_until_complete(app._startup())
    yield TelegramChannel(app, channel, bot, settings, loop)
    loop.close()
