"""The action server as the hotline runs it: ``python -m actions.serve``.

Unlike ``rasa run actions`` it listens on ``HOTLINE_HOST`` only (loopback by default; rasa-sdk binds
every interface) and answers the webhook and the action list only to a caller that shows the shared
action token (``bot/core/server_keys.py``) — the Rasa server, whose endpoints carry it as a header. Anyone
else who reaches the port gets 401 and cannot run an action on a made-up conversation. ``/health``
stays open: it says nothing but "ok".
"""

from __future__ import annotations

import hmac
import logging

from bot.core.config import Settings, load_settings
from bot.core.db import shared_session_factory
from bot.core.server_keys import ACTION_TOKEN_HEADER, action_token
from bot.runtime.ops import add_ops_routes
from bot.runtime.service_checks import database_problem, redis_problem, require_redis

OPEN_PATHS = frozenset({"/health", "/health/live", "/health/ready", "/metrics"})
# Rasa sends the whole tracker with every call: long conversations with long appeals reach megabytes.
MAX_BODY_BYTES = 32 * 1024 * 1024


def create_server(settings: Settings):
    """The rasa-sdk Sanic app for the ``actions`` package, behind the action-token check."""
    from rasa_sdk.endpoint import create_app
    from sanic import response

    app = create_app("actions", cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    database = shared_session_factory(settings.database_url)
    add_ops_routes(app, {"database": lambda: database_problem(database), "redis": lambda: redis_problem(settings.redis_url)})
    expected = action_token(settings).encode()

    @app.middleware("request")
    async def require_action_token(request):
        if request.path in OPEN_PATHS:
            return None
        shown = request.headers.get(ACTION_TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(shown, expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    return app


def main() -> None:
    from rasa_sdk import utils

    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    settings = load_settings()
    require_redis(settings, "The action server")
    logging.getLogger(__name__).info("Action server on %s:%s", settings.host, settings.action_port)
    create_server(settings).run(settings.host, settings.action_port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
