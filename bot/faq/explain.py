"""Why a question goes where it goes: the decision and the best candidates with per-channel scores
(for editors in the console's "try it", and ``python -m bot faq search --json``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.faq.decision import decide
from bot.faq.live import LiveFaq


def search_report(live: LiveFaq, question: str, *, hotlines: Sequence[str] | None, top: int = 5) -> dict[str, Any]:
    found = live.index().search(question, hotlines=hotlines, top=max(top, 1))
    return {
        "query": question,
        "decision": decide(found).kind,
        "knowledge_base_version": live.version,
        "topic_words": found.topic_words,
        "unknown_words": found.unknown_words,
        "candidates": [
            {
                "id": c.entry.id,
                "question": c.entry.question,
                "answer": c.entry.answer,
                "score": round(c.score, 4),
                "parts": {name: round(value, 4) for name, value in c.parts.items()},
                "matched": c.matched,
                "category": c.entry.category,
                "hotline": c.entry.hotline,
            }
            for c in found.candidates
        ],
    }
