"""``python -m bot telegram set-webhook --url https://<host>/webhooks/telegram/webhook | delete-webhook``.

Reads the token and secret from credentials.yml (``${VAR}`` values from the environment), so neither
is typed on a command line or printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from collections.abc import Callable
from pathlib import Path

import yaml
from telegram import Bot
from telegram.error import TelegramError

SECTION = "channels.telegram.TelegramInput"
UPDATES = ["message", "edited_message", "callback_query"]
_ENV = re.compile(r"\$\{([^}]+)\}")


def add_parser(sub: argparse._SubParsersAction) -> None:
    telegram = sub.add_parser("telegram", help="Telegram webhook")
    actions = telegram.add_subparsers(dest="telegram_command", required=True)
    set_hook = actions.add_parser("set-webhook", help="point Telegram at this server, with the secret")
    set_hook.add_argument("--url", required=True, help="https://<host>/webhooks/telegram/webhook")
    actions.add_parser("delete-webhook", help="stop Telegram calling this server")
    for action in actions.choices.values():
        action.add_argument("--credentials", default="credentials.yml")


def section(credentials: Path) -> dict[str, str]:
    """The Telegram section with ``${VAR}`` values taken from the environment.

    Raises:
        ValueError: when the section, the token or the secret is missing.
    """
    raw = (yaml.safe_load(credentials.read_text(encoding="utf-8")) or {}).get(SECTION) or {}
    values = {k: _ENV.sub(lambda m: os.environ.get(m.group(1), ""), str(v)) for k, v in raw.items() if v is not None}
    if not values.get("token") or not values.get("webhook_secret"):
        raise ValueError(f"{credentials} needs {SECTION} with token and webhook_secret")
    return values


async def _apply(values: dict[str, str], url: str | None) -> bool:
    async with Bot(values["token"], base_url=values.get("api_base") or "https://api.telegram.org/bot") as bot:
        if url is None:
            return await bot.delete_webhook()
        return await bot.set_webhook(url, secret_token=values["webhook_secret"], allowed_updates=UPDATES)


def run(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    try:
        values = section(Path(args.credentials))
        url = getattr(args, "url", None) if args.telegram_command == "set-webhook" else None
        if url is not None and not url.startswith("https://") and "127.0.0.1" not in url:
            say("Telegram only calls https:// URLs.")
            return 2
        done = asyncio.run(_apply(values, url))
    except (ValueError, OSError, TelegramError) as exc:
        say(f"Not done: {type(exc).__name__}: {exc}")
        return 1
    say(("Webhook set to " + url if url else "Webhook deleted") if done else "Telegram said no.")
    return 0 if done else 1
