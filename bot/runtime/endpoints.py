"""The Rasa endpoints configuration for a deployment: in-memory stores, or Redis when configured;
conversation events always go to the SQL database for the staff console."""

from __future__ import annotations

from typing import Any

from bot.core.config import Settings
from bot.core.server_keys import ACTION_TOKEN_ENV, ACTION_TOKEN_HEADER

# Rasa accepts only an alphanumeric prefix and appends ":tracker:" / ":lock:" itself.
KEY_PREFIX = "hotline"
TRACKER_KEY_PREFIX = f"{KEY_PREFIX}:tracker:"
# Conversations idle this long disappear from Redis (the SQL database keeps what must last).
TRACKER_EXPIRY_SECONDS = 30 * 24 * 3600
EVENT_BROKER = "channels.event_broker.BatchedSQLEventBroker"


def rasa_endpoints(settings: Settings) -> dict[str, Any]:
    """The content of Rasa's endpoints.yml for ``settings``.

    Embedded mode (no ``REDIS_URL``) keeps trackers and locks in memory; with ``REDIS_URL`` they
    live in Redis, so conversations survive restarts and several server replicas can share them.
    """
    endpoints: dict[str, Any] = {
        # The action server answers only callers with the shared token; Rasa reads it from its environment.
        # Rasa sends its whole domain (36 KB of JSON) with every action call unless told which actions
        # need it: only the form validations do (``send_domain: true`` in domain.yml).
        "action_endpoint": {
            "url": f"http://{settings.host}:{settings.action_port}/webhook",
            "headers": {ACTION_TOKEN_HEADER: "${" + ACTION_TOKEN_ENV + "}"},
            "enable_selective_domain": True,
        },
        # Every conversation event also goes to the application database, where the staff console
        # follows live conversations (bot/handoff/transcript.py): batched by a writer thread instead of
        # Rasa's SQL broker, which commits each event on the event loop (channels/event_broker.py).
        "event_broker": {"type": EVENT_BROKER, "url": settings.database_url},
    }
    redis = settings.redis
    if redis is None:
        return endpoints
    connection = {
        "url": redis.host,
        "port": redis.port,
        "db": redis.db,
        "password": redis.password or None,
        "use_ssl": redis.use_ssl,
    }
    endpoints["tracker_store"] = {
        "type": "redis",
        **connection,
        "key_prefix": KEY_PREFIX,
        "record_exp": TRACKER_EXPIRY_SECONDS,
    }
    endpoints["lock_store"] = {"type": "redis", **connection, "key_prefix": KEY_PREFIX}
    return endpoints
