"""The project's held-out benchmark sets (``tests/heldout/``), written apart from every training file.

- ``appeals-*.jsonl``: citizen appeals as they arrive on a message board — ``title``, ``text``, ``intent``
  (consult / complain / report / suggest), ``department``, ``style`` (``describes``: the title only
  describes the problem; ``explicit``: it says 投诉/举报/建议/咨询).
- ``chat.jsonl``: short chat lines — everyday chat (``out_of_scope``), ``check_ticket``, ``my_tickets``.

``tests/heldout/next/`` holds a second set of the same kinds, written later by a helper that saw neither
the training data nor the first set: the first set's texts and parses were once printed by Rasa's debug
log during issue 15, so the next round of changes is measured on this one (``--heldout tests/heldout/next``).

``tests/heldout/third/`` (written 2026-12-07, same rules) is the set for the next round after that.

Never train or tune on them; the benchmarks only read them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "heldout"


def silence_rasa_logs() -> None:
    """Keep Rasa from logging each parse (text and intent) at debug level: a benchmark prints figures,
    never the held-out texts or the model's answer to one of them."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Appeal:
    id: str
    title: str
    text: str
    intent: str
    department: str | None
    style: str

    @property
    def message(self) -> str:
        """What a citizen sends when they paste their whole appeal: the title line, then the account."""
        return f"{self.title}\n{self.text}"


@dataclass(frozen=True)
class ChatLine:
    id: str
    text: str
    intent: str


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def appeals(folder: Path = HELDOUT) -> list[Appeal]:
    return [
        Appeal(r["id"], r["title"], r["text"], r["intent"], r.get("department"), r.get("style", ""))
        for path in sorted(folder.glob("appeals-*.jsonl"))
        for r in _lines(path)
    ]


def chat_lines(folder: Path = HELDOUT) -> list[ChatLine]:
    return [ChatLine(r["id"], r["text"], r["intent"]) for r in _lines(folder / "chat.jsonl")]
