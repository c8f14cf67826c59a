"""The three outcomes of a consultation: answer, ask which question was meant, or decline honestly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from bot.faq.matcher import Candidate, SearchResult
from bot.faq.store import EntryData

CLARIFY_CHOICES = 3
FEATURES = ("score", "margin", "words", "chars", "sounds", "semantic", "topic_words", "unknown_words", "matched_length", "bias")
# Whether the best entry really answers the question, from how it matched (logistic regression fitted
# by ``make bench-faq -- --calibrate`` on the dev split: paraphrases plus questions no entry answers).
# Near misses — same topic, another question ("社保卡能借给别人用吗") — score high on topic words alone;
# the mix of channels, the margin and the words left unmatched tell them apart.
ANSWER_MODEL = (2.2742, 8.5517, 0.0, 0.5692, 0.5442, 0.3759, 0.674, 0.262, 0.5112, -5.6312)


@dataclass(frozen=True)
class Thresholds:
    """Score limits, calibrated with ``make bench-faq`` on the dev split (a wrong answer costs more
    than a question back, so ``answer`` is set where confident-wrong answers stay rare)."""

    answer: float = 0.40
    clarify: float = 0.40
    margin: float = 0.0  # an answer must beat the runner-up by this much, else ask
    topic_words: int = 2  # fewer topic words than this: ask which question, never answer
    sure: float = 0.91  # the answer model's probability an answer needs (0: the model is not asked)


@dataclass(frozen=True)
class Decision:
    """What to do with a question and the candidates behind it."""

    kind: Literal["answer", "clarify", "decline"]
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def answer(self) -> EntryData:
        """The entry to answer with: a decision of kind "answer" always has one."""
        if self.kind != "answer" or not self.candidates:
            raise ValueError(f"a {self.kind} decision has no answer")
        return self.candidates[0].entry


def decide(result: SearchResult, thresholds: Thresholds = Thresholds()) -> Decision:
    """Answer when the best entry is clearly good, ask when some are plausible, else decline."""
    candidates = result.candidates
    vague = result.topic_words is not None and result.topic_words < thresholds.topic_words
    if not candidates or candidates[0].score < thresholds.clarify:
        return Decision("decline", ())
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if (
        not vague
        and best.score >= thresholds.answer
        and best.score - runner_up >= thresholds.margin
        and (thresholds.sure <= 0 or answer_probability(result) >= thresholds.sure)
    ):
        return Decision("answer", (best,))
    plausible = tuple(c for c in candidates[:CLARIFY_CHOICES] if c.score >= thresholds.clarify)
    return Decision("clarify", plausible)


def answer_features(result: SearchResult) -> list[float]:
    """The numbers ``ANSWER_MODEL`` weighs, in the order of ``FEATURES``."""
    candidates = result.candidates
    if not candidates:
        return [0.0] * (len(FEATURES) - 1) + [1.0]
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    parts = best.parts or {}
    return [
        best.score,
        best.score - runner_up,
        parts.get("words", 0.0),
        parts.get("chars", 0.0),
        parts.get("sounds", 0.0),
        parts.get("semantic", 0.0),
        float(result.topic_words or 0),
        float(result.unknown_words or 0),
        min(len(best.matched), 60) / 60,
        1.0,
    ]


def answer_probability(result: SearchResult, model: tuple[float, ...] = ANSWER_MODEL) -> float:
    """How likely the best entry answers the question (``ANSWER_MODEL`` on ``answer_features``)."""
    z = sum(w * x for w, x in zip(model, answer_features(result)))
    return 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))
