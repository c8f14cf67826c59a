"""Dialogue decisions that do not depend on Rasa: fallback choices and misunderstanding counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

MISUNDERSTOOD_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
LABELS_FILE = Path(__file__).resolve().parent / "intent_labels.yml"
NAMES_FILE = Path(__file__).resolve().parent / "intent_names.yml"
DEFAULT_CHOICES = ("consult", "complain")
# The last button under every "did you mean" list (Rasa's two-stage fallback, the FAQ's choices).
NONE_OF_THESE_TITLE = "都不是"


@dataclass(frozen=True)
class Choice:
    """A button offering one meaning: its label and the intent payload it sends."""

    intent: str
    title: str

    @property
    def payload(self) -> str:
        return f"/{self.intent}"


@lru_cache(maxsize=1)
def intent_names() -> dict[str, str]:
    """What staff call each intent (Chinese), wherever the console shows one."""
    return dict(yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def intent_labels() -> dict[str, str]:
    """Intent → button title for the intents the assistant may offer as a guess."""
    return dict(yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")))


def likeliest_choices(ranking: Iterable[tuple[str, float]], *, count: int = 2) -> list[Choice]:
    """The ``count`` likeliest offerable meanings, most likely first.

    ``ranking`` holds (intent, confidence) pairs as the NLU returned them. Intents that cannot be
    offered (fallback, chit-chat) are skipped; if too few remain, general choices fill the list.
    """
    labels = intent_labels()
    ordered = sorted(ranking, key=lambda pair: pair[1], reverse=True)
    intents: list[str] = []
    for intent, _confidence in ordered:
        if intent in labels and intent not in intents:
            intents.append(intent)
    for intent in DEFAULT_CHOICES:
        if len(intents) >= count:
            break
        if intent not in intents:
            intents.append(intent)
    return [Choice(intent, labels[intent]) for intent in intents[:count]]


def consecutive_misunderstandings(intents_newest_first: Sequence[str | None]) -> int:
    """How many of the latest user turns in a row the assistant failed to understand."""
    count = 0
    for intent in intents_newest_first:
        if intent not in MISUNDERSTOOD_INTENTS:
            break
        count += 1
    return count
