"""A stand-in for Telegram's Bot API on localhost (no network), for tests: getMe, sendMessage,
answerCallbackQuery, editMessageReplyMarkup, setWebhook, deleteWebhook. Requests are recorded.
A chat id in ``blocked`` answers 403 like a citizen who blocked the bot."""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

from bot.runtime.ports import free_port
from tests.support.local_server import LocalServer

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "12345热线", "username": "hotline12345_bot"}


@dataclass
class FakeTelegramApi:
    token: str
    port: int = 0
    calls: list[tuple[str, dict]] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    webhook: dict = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(100))

    @property
    def base_url(self) -> str:
        """What the channel's ``api_base`` is set to (the token follows)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def sent_to(self, chat_id: int) -> list[dict]:
        return [params for method, params in self.calls if method == "sendMessage" and int(params["chat_id"]) == chat_id]

    def texts_to(self, chat_id: int) -> list[str]:
        return [params["text"] for params in self.sent_to(chat_id)]

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        form = await request.post()
        params = {k: (json.loads(v) if k in ("reply_markup", "allowed_updates") else v) for k, v in form.items()}
        self.calls.append((method, params))
        if method == "getMe":
            return web.json_response({"ok": True, "result": BOT_USER})
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            if chat_id in self.blocked:
                return web.json_response(
                    {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403
                )
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "message_id": next(self._ids),
                        "date": int(time.time()),
                        "from": BOT_USER,
                        "chat": {"id": chat_id, "type": "private"},
                        "text": params.get("text", ""),
                    },
                }
            )
        if method == "setWebhook":
            self.webhook = params
        if method == "deleteWebhook":
            self.webhook = {}
        return web.json_response({"ok": True, "result": True})

    def start(self) -> FakeTelegramApi:
        """Serve in a background thread until ``stop``."""
        self.port = self.port or free_port()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        self._server = LocalServer(app, self.port)
        return self

    def stop(self) -> None:
        self._server.stop()
