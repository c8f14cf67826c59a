"""Health and metrics routes on the Rasa server (``bot/runtime/ops.py``), added to the app Rasa builds.

``install`` wraps ``rasa.core.run.configure_app`` (call it before the server starts): readiness means
the model is loaded and the database and Redis (when configured) answer.
"""

from __future__ import annotations

from typing import Any

from bot.core.config import Settings
from bot.core.db import shared_session_factory
from bot.runtime.ops import add_ops_routes
from bot.runtime.service_checks import database_problem, redis_problem


def add_rasa_ops_routes(app: Any, settings: Settings) -> None:
    def model() -> str | None:
        agent = getattr(app.ctx, "agent", None)
        return None if agent is not None and agent.is_ready() else "no model loaded yet"

    add_ops_routes(
        app,
        {
            "model": model,
            "database": lambda: database_problem(shared_session_factory(settings.database_url)),
            "redis": lambda: redis_problem(settings.redis_url),
        },
    )


def install(settings: Settings) -> None:
    import rasa.core.run as rasa_run

    original = rasa_run.configure_app

    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        add_rasa_ops_routes(app, settings)
        return app

    rasa_run.configure_app = configure_app
