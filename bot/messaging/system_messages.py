"""Citizen-facing messages that channels send without the dialogue (e.g. when a store is down)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.core.config import HotlineProfile

MESSAGES_FILE = Path(__file__).resolve().parent / "system_messages.yml"


@lru_cache(maxsize=1)
def _messages() -> dict[str, str]:
    return dict(yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8")))


def system_message(key: str, profile: HotlineProfile) -> str:
    """The message ``key`` with the hotline's number and hours filled in."""
    return _messages()[key].format(number=profile.number, service_hours=profile.service_hours)
