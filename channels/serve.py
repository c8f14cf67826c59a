"""The Rasa server as the hotline runs it: ``python -m channels.serve --model M --endpoints E --credentials C``.

It runs ``rasa run`` in this process with the HTTP API behind JWT (HS256, keyed by ``RASA_AUTH_TOKEN``,
see ``bot/core/server_keys.py``): the secret is read from the environment and never appears on a command
line, in ``ps`` or in a URL. Callers send ``Authorization: Bearer <JWT>`` (``rasa_api_headers``).
It refuses Rasa's stock ``rest`` channel, which takes any sender without authentication; the
hotline's ``channels.rest.AuthenticatedRestInput`` replaces it.
"""

from __future__ import annotations

import argparse
import os
import sys

import yaml

from bot.core.config import load_settings
from bot.core.server_keys import rasa_auth_token
from bot.runtime.service_checks import require_redis

UNSAFE_CHANNELS = {"rest": "channels.rest.AuthenticatedRestInput"}
# Citizen messages, webhooks and socket.io frames are small; Sanic's default (100 MB) would let one
# caller make the server read and hold 100 MB. Larger bodies get 413 before they are read.
MAX_BODY_BYTES = 1024 * 1024


class UnsafeChannelError(SystemExit):
    pass


def check_credentials(path: str) -> None:
    """Refuse credentials that enable a channel anyone can write into as anyone."""
    with open(path, encoding="utf-8") as handle:
        channels = yaml.safe_load(handle) or {}
    for unsafe, replacement in UNSAFE_CHANNELS.items():
        if unsafe in channels:
            raise UnsafeChannelError(
                f"{path} enables Rasa's unauthenticated `{unsafe}` channel; replace `{unsafe}:` with `{replacement}:`"
            )


def rasa_arguments(model: str, endpoints: str, credentials: str, host: str, port: int, secret: str) -> list[str]:
    return [
        "rasa",
        "run",
        "--enable-api",
        "--jwt-secret",
        secret,
        "--jwt-method",
        "HS256",
        "--model",
        model,
        "--endpoints",
        endpoints,
        "--credentials",
        credentials,
        "--interface",
        host,
        "--port",
        str(port),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--endpoints", required=True)
    parser.add_argument("--credentials", required=True)
    args = parser.parse_args(argv)
    check_credentials(args.credentials)
    settings = load_settings()
    require_redis(settings, "The Rasa server")
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_BODY_BYTES))  # Sanic reads it when Rasa builds its app
    os.environ.setdefault("SANIC_PROXIES_COUNT", str(settings.trusted_proxies))  # request.remote_addr behind proxies
    sys.argv = rasa_arguments(
        args.model, args.endpoints, args.credentials, settings.host, settings.rasa_port, rasa_auth_token(settings)
    )
    from rasa.__main__ import main as rasa_main

    from channels import rasa_ops, rasa_speedups

    rasa_speedups.install()
    rasa_ops.install(settings)
    rasa_main()


if __name__ == "__main__":
    main()
