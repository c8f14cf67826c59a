"""The three outcomes of a consultation: answer, ask which question was meant, or decline honestly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.faq.matcher import Candidate, SearchResult

CLARIFY_CHOICES = 3


@dataclass(frozen=True)
class Thresholds:
    """Score limits, calibrated with ``make bench-faq`` on the dev split (a wrong answer costs more
    than a question back, so ``answer`` is set where confident-wrong answers stay rare)."""

    answer: float = 0.48
    clarify: float = 0.40
    margin: float = 0.07  # an answer must beat the runner-up by this much, else ask
    topic_words: int = 2  # fewer topic words than this: ask which question, never answer


@dataclass(frozen=True)
class Decision:
    """What to do with a question and the candidates behind it."""

    kind: Literal["answer", "clarify", "decline"]
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def decide(result: SearchResult, thresholds: Thresholds = Thresholds()) -> Decision:
    """Answer when the best entry is clearly good, ask when some are plausible, else decline."""
    candidates = result.candidates
    vague = result.topic_words is not None and result.topic_words < thresholds.topic_words
    if not candidates or candidates[0].score < thresholds.clarify:
        return Decision("decline", ())
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if not vague and best.score >= thresholds.answer and best.score - runner_up >= thresholds.margin:
        return Decision("answer", (best,))
    plausible = tuple(c for c in candidates[:CLARIFY_CHOICES] if c.score >= thresholds.clarify)
    return Decision("clarify", plausible)
