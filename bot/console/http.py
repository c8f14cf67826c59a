"""What every console route needs from a request and for a response: the JSON body, the pages, and
refusals raised from anywhere in a handler and answered as JSON with a Chinese message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

STATIC_DIR = Path(__file__).with_name("static")


class Refusal(Exception):
    """The request cannot be done; ``message`` is shown to the staff member."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or an empty one (a malformed body is Sanic's 400)."""
    return request.json if isinstance(request.json, dict) else {}


async def html_page(name: str) -> HTTPResponse:
    """One of the console's pages from ``static/``."""
    return await response.file(STATIC_DIR / name, mime_type="text/html; charset=utf-8")


async def refused(_request: Request, exc: Refusal) -> HTTPResponse:
    return response.json({"error": exc.message}, status=exc.status, ensure_ascii=False)


def client_address(request: Request) -> str:
    """The caller's address: the proxy's forwarded one when the console trusts its proxies
    (``TRUSTED_PROXIES``, Sanic's ``PROXIES_COUNT``), else the connection's peer."""
    return request.remote_addr or request.ip or "unknown"
