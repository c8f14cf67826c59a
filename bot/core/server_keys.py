"""Shared secrets between the hotline's own processes, from the environment or generated once.

A deployment sets them in the environment (every replica the same); on one machine (``make run``) each is
generated on first use and kept in ``var/`` (mode 0600). They are handed to child processes through
their environment, never on a command line (``ps`` shows command lines to every local user).

- ``RASA_AUTH_TOKEN``: the Rasa HTTP API (console → Rasa) and the authenticated REST channel.
- ``HOTLINE_ACTION_TOKEN``: the Rasa server → action server webhook (header ``ACTION_TOKEN_HEADER``).
- ``HOTLINE_SECRET_KEY``: signs web chat session ids and keys the HMAC of anonymous report codes; keep it
  stable (a new key ends open web chat sessions and voids the codes already given out).
"""

from __future__ import annotations

import secrets
import time

from bot.core.config import Settings

ACTION_TOKEN_HEADER = "X-Hotline-Action-Token"
ACTION_TOKEN_ENV = "HOTLINE_ACTION_TOKEN"
SECRET_KEY_ENV = "HOTLINE_SECRET_KEY"
RASA_TOKEN_ENV = "RASA_AUTH_TOKEN"


def _kept_secret(settings: Settings, name: str, configured: str | None) -> str:
    if configured:
        return configured
    path = settings.var_dir / name
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(value, encoding="utf-8")
    return value


def rasa_auth_token(settings: Settings) -> str:
    """The Rasa HTTP API and REST channel token (``RASA_AUTH_TOKEN``, else ``var/rasa-auth-token``)."""
    return _kept_secret(settings, "rasa-auth-token", settings.rasa_auth_token)


def action_token(settings: Settings) -> str:
    """What the Rasa server shows the action server (``HOTLINE_ACTION_TOKEN``, else ``var/action-token``)."""
    return _kept_secret(settings, "action-token", settings.action_token)


def secret_key(settings: Settings) -> str:
    """The server key (``HOTLINE_SECRET_KEY``, else ``var/secret-key``)."""
    return _kept_secret(settings, "secret-key", settings.secret_key)


def child_environment(settings: Settings) -> dict[str, str]:
    """The secrets the hotline's server processes read from their environment."""
    return {
        RASA_TOKEN_ENV: rasa_auth_token(settings),
        ACTION_TOKEN_ENV: action_token(settings),
        SECRET_KEY_ENV: secret_key(settings),
    }


def rasa_api_headers(token: str, *, valid_seconds: int = 300) -> dict[str, str]:
    """Headers for Rasa's HTTP API (``channels/serve.py`` turns its plain token off): a short-lived JWT
    signed with the API token, so the token itself never travels."""
    import jwt

    claims = {"user": {"username": "hotline", "role": "admin"}, "exp": int(time.time()) + valid_seconds}
    return {"Authorization": "Bearer " + jwt.encode(claims, token, algorithm="HS256")}
