"""Rasa's REST channel for integrations, as the hotline serves it (``channels.rest.AuthenticatedRestInput``).

Same URL and JSON as Rasa's ``rest`` (POST /webhooks/rest/webhook ``{"sender": …, "message": …}``), but
only for a caller that sends ``Authorization: Bearer <RASA_AUTH_TOKEN>`` (401 otherwise: the stock
channel lets anyone write into any conversation as anyone), with the sender and message checked
(400 with a reason), the text screened like every citizen channel, and conversations of its own
(``rest:<sender>``).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.core.config import Settings
from bot.core.server_keys import rasa_auth_token
from bot.messaging.conversation_ids import conversation_id
from channels.screening import channel_settings, screened

MAX_SENDER_CHARS = 128


def bearer_token(request: Request) -> str:
    scheme, _, value = (request.headers.get("Authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def request_problem(request: Request) -> str | None:
    """Why a webhook request cannot be taken, in a sentence for the integrator; None when it can."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic raises its own error types for bad JSON
        return "the body must be JSON"
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"sender must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    if not isinstance(body.get("message"), str):
        return "message must be a string"
    return None


class AuthenticatedRestInput(RestInput):
    """Rasa's REST channel behind the API token, with checked requests and screened text."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings  # None: the deployment's, read when the server starts

    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str:
        """The integration's sender, inside the REST channel's own conversations (``rest:…``): a REST
        caller cannot write into a WeChat, Telegram or web chat citizen's conversation."""
        return conversation_id(self.name(), req.json["sender"])

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # never what the caller claims

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = self.settings or channel_settings()
        # Integrations are authenticated and may send Rasa's "/intent{…}" payloads on purpose.
        rest = super().blueprint(screened(on_new_message, "REST", settings, payloads=lambda _: True))
        expected = rasa_auth_token(settings).encode()

        @rest.middleware("request")
        async def authenticate_and_check(request: Request):
            if not hmac.compare_digest(bearer_token(request).encode(), expected):
                return response.json({"error": "unauthorized: send Authorization: Bearer <RASA_AUTH_TOKEN>"}, status=401)
            if request.method == "POST":
                problem = request_problem(request)
                if problem:
                    return response.json({"error": problem}, status=400)
            return None

        return rest
