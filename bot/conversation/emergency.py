"""Which emergency number a citizen must call, decided from the NLU's entity or from keywords."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from functools import lru_cache
from pathlib import Path

import yaml

KEYWORDS_FILE = Path(__file__).resolve().parent / "emergency_keywords.yml"


class EmergencyKind(str, Enum):
    """Kinds of emergency and the national number for each."""

    FIRE = "fire"
    MEDICAL = "medical"
    POLICE = "police"

    @property
    def number(self) -> str:
        return {"fire": "119", "medical": "120", "police": "110"}[self.value]


@lru_cache(maxsize=1)
def _keywords() -> list[tuple[EmergencyKind, tuple[str, ...]]]:
    raw = yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8"))
    return [(EmergencyKind(kind), tuple(words)) for kind, words in raw.items()]


def classify_emergency(text: str, entity_values: Iterable[str] = ()) -> EmergencyKind | None:
    """The kind of emergency: the NLU's ``emergency_kind`` entity first, then keywords in ``text``.

    Returns None when neither says, in which case all numbers should be given.
    """
    for value in entity_values:
        try:
            return EmergencyKind(value)
        except ValueError:
            continue
    for kind, words in _keywords():
        if any(word in text for word in words):
            return kind
    return None
