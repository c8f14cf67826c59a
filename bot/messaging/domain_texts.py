"""The domain's citizen-facing texts, for messages sent outside a Rasa action (the staff console).

Keeps one wording: the console tells a citizen about a ticket exactly as the bot would.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from bot.core.config import PROJECT_ROOT


@lru_cache(maxsize=1)
def _responses() -> dict[str, list[dict[str, Any]]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def response_text(name: str, **values: Any) -> str:
    """The first text of domain response ``name`` with its ``{placeholders}`` filled in."""
    return _responses()[name][0]["text"].format(**values)
