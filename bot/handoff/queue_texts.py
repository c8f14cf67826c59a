"""The texts citizens get about the queue and the staff member who joins (from queue_texts.yml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

NOTICES_FILE = Path(__file__).with_name("queue_texts.yml")


@lru_cache(maxsize=1)
def _templates() -> dict[str, str]:
    return yaml.safe_load(NOTICES_FILE.read_text(encoding="utf-8"))


def queued_notice(position: int, minutes: int) -> str:
    """First message after the request: how many are ahead and the expected wait."""
    key = "queued_first" if position <= 1 else "queued"
    return _templates()[key].format(ahead=position - 1, minutes=minutes)


def moved_notice(position: int, minutes: int) -> str:
    """The citizen's place changed."""
    key = "moved_first" if position <= 1 else "moved"
    return _templates()[key].format(ahead=position - 1, minutes=minutes)


def staff_joined_notice(staff_no: str) -> str:
    return _templates()["staff_joined"].format(staff_no=staff_no)
