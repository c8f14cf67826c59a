"""Measuring a matcher on labelled questions: accuracy, honest declines, confident mistakes, latency."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bot.faq.decision import Decision
from bot.faq.matcher import SearchResult

Searcher = Callable[[str], SearchResult]
Decider = Callable[[SearchResult], Decision]


@dataclass(frozen=True)
class EvalCase:
    """A citizen question and the entry that answers it ("" when no entry does)."""

    query: str
    expected_id: str


@dataclass(frozen=True)
class EvalReport:
    """Shares over the cases (top1/top3 over answerable cases; the rest over all cases)."""

    cases: int
    answerable: int
    top1: float
    top3: float
    answered_correct: float
    clarified: float
    declined: float
    wrong_confident: float
    unanswerable_answered: float  # of the questions no entry answers, the share answered anyway
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def read_cases(path: Path, *, split: str | None = None) -> list[EvalCase]:
    """Cases from a CSV with ``query`` and ``expected_id`` columns (others ignored, ``split`` filters)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"query", "expected_id"} <= set(rows[0]):
        raise ValueError(f"{path.name}: needs columns query and expected_id")
    return [
        EvalCase(row["query"].strip(), (row.get("expected_id") or "").strip())
        for row in rows
        if row.get("query", "").strip() and (split is None or row.get("split", "").strip() == split)
    ]


def evaluate(search: Searcher, cases: Sequence[EvalCase], *, decide: Decider) -> EvalReport:
    """Run every case through ``search`` then ``decide`` (timed together) and score the outcome.

    Args:
        search: question → candidates, best first (at least three for top-3).
        cases: labelled questions.
        decide: candidates → answer / clarify / decline.
    """
    latencies, top1, top3, correct, clarified, declined, wrong, unanswerable_answered = [], 0, 0, 0, 0, 0, 0, 0
    answerable = sum(1 for c in cases if c.expected_id)
    for case in cases:
        started = time.perf_counter()
        result = search(case.query)
        decision = decide(result)
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [c.entry.id for c in result.candidates]
        if case.expected_id:
            top1 += ids[:1] == [case.expected_id]
            top3 += case.expected_id in ids[:3]
        if decision.kind == "answer":
            correct += decision.answer.id == case.expected_id
            wrong += decision.answer.id != case.expected_id
            unanswerable_answered += not case.expected_id
        elif decision.kind == "clarify":
            clarified += 1
        else:
            declined += 1
    total = max(len(cases), 1)
    return EvalReport(
        cases=len(cases),
        answerable=answerable,
        top1=top1 / max(answerable, 1),
        top3=top3 / max(answerable, 1),
        answered_correct=correct / total,
        clarified=clarified / total,
        declined=declined / total,
        wrong_confident=wrong / total,
        unanswerable_answered=unanswerable_answered / max(len(cases) - answerable, 1),
        p50_ms=float(np.percentile(latencies, 50)) if latencies else 0.0,
        p99_ms=float(np.percentile(latencies, 99)) if latencies else 0.0,
    )
