"""Signals in a citizen's message that a person should take over: sensitive topics and anger."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).with_name("escalation.yml")


@dataclass(frozen=True)
class Signals:
    """What a message shows: the sensitive topic it touches (or None) and whether it is angry."""

    topic: str | None = None
    angry: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"topic": self.topic, "angry": self.angry}


@dataclass(frozen=True)
class EscalationTerms:
    topics: dict[str, tuple[str, ...]]
    anger: tuple[str, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> EscalationTerms:
        return _load(path or DEFAULT_FILE)

    def signals(self, text: str) -> Signals:
        """The signals in ``text`` (case- and space-insensitive substring matches)."""
        compact = "".join((text or "").split()).lower()
        topic = next((name for name, words in self.topics.items() if any(w in compact for w in words)), None)
        return Signals(topic=topic, angry=any(word in compact for word in self.anger))


@lru_cache(maxsize=4)
def _load(path: Path) -> EscalationTerms:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topics = {
        str(name): tuple(str(w).lower() for w in words or ()) for name, words in (raw.get("sensitive_topics") or {}).items()
    }
    return EscalationTerms(topics=topics, anger=tuple(str(w).lower() for w in raw.get("anger") or ()))


def angry_outbursts(parse_data: list[dict]) -> int:
    """How many of these user messages were nothing but anger (routed to a person by the NLU)."""
    return sum(
        1 for data in parse_data if (e := data.get("escalation") or {}).get("angry") and e.get("overrode") and not e.get("topic")
    )
