"""A stand-in for WeChat's API on localhost (no network): access tokens, customer-service and
template messages. Used by the tests and the simulator (``make wechat-sim``).

It behaves like the real API where the channel depends on it: tokens expire (errcode 42001 for an
expired one, then a new token is issued), a citizen can be outside the 48-hour window (45015).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.runtime.ports import free_port
from tests.support.local_server import LocalServer


@dataclass
class FakeWeChatApi:
    port: int = 0
    token_lifetime: int = 7200
    sent: list[dict] = field(default_factory=list)  # customer-service messages, in order
    templates: list[dict] = field(default_factory=list)
    tokens_issued: int = 0
    expired_tokens: set[str] = field(default_factory=set)
    window_closed: set[str] = field(default_factory=set)  # openids outside the 48-hour window
    on_message: Callable[[dict], None] | None = None
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def expire_all_tokens(self) -> None:
        self.expired_tokens.update(f"TOKEN-{n}" for n in range(1, self.tokens_issued + 1))

    async def _token(self, request: web.Request) -> web.Response:
        if request.query.get("grant_type") != "client_credential" or not request.query.get("secret"):
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        self.tokens_issued = next(self._counter)
        return web.json_response({"access_token": f"TOKEN-{self.tokens_issued}", "expires_in": self.token_lifetime})

    def _token_problem(self, request: web.Request) -> dict | None:
        token = request.query.get("access_token", "")
        if token in self.expired_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if not token.startswith("TOKEN-"):
            return {"errcode": 40001, "errmsg": "invalid credential"}
        return None

    async def _custom_send(self, request: web.Request) -> web.Response:
        problem = self._token_problem(request)
        if problem:
            return web.json_response(problem)
        body = json.loads(await request.text())
        if body.get("touser") in self.window_closed:
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit"})
        self.sent.append(body)
        if self.on_message:
            self.on_message(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _template_send(self, request: web.Request) -> web.Response:
        problem = self._token_problem(request)
        if problem:
            return web.json_response(problem)
        self.templates.append(json.loads(await request.text()))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": 1})

    def texts_to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in self.sent if m.get("touser") == openid and m.get("msgtype") == "text"]

    def start(self) -> FakeWeChatApi:
        """Serve in a background thread until ``stop``."""
        self.port = self.port or free_port()
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        self._server = LocalServer(app, self.port)
        return self

    def stop(self) -> None:
        self._server.stop()
