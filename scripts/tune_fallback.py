"""Choose the "did you mean" fallback's thresholds by k-fold cross-validation on the training data.

Never on the held-out sets (``tests/heldout/``): those measure, they do not tune. Each fold trains the
NLU pipeline of ``config.yml`` on the other folds and parses its own examples; the FallbackClassifier
keeps the classifier's ranking, so every threshold pair can be replayed on the same parses. A message
is *answered right*, *sent to the fallback* or *taken as a wrong intent*; the table shows each pair and
the chosen one minimises ``wrong + FALLBACK_COST * fallback`` (a wrong intent starts the wrong form;
the fallback only asks the citizen again); pairs within ``TIE`` of the lowest cost count as equal, and
of those the one with the fewest wrong intents wins.

    python -m scripts.tune_fallback [--folds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = "nlu_fallback"
FALLBACK_COST = 0.5
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
AMBIGUITIES = (0.0, 0.02, 0.05, 0.1)
TIE = 0.001


def decide(ranking: Sequence[tuple[str, float]], threshold: float, ambiguity: float) -> str:
    """What the FallbackClassifier makes of a ranking (best first) at these thresholds."""
    best, confidence = ranking[0]
    if confidence < threshold:
        return FALLBACK
    if len(ranking) > 1 and confidence - ranking[1][1] < ambiguity:
        return FALLBACK
    return best


def outcomes(parses: Sequence[tuple[str, list[tuple[str, float]]]], threshold: float, ambiguity: float) -> dict:
    right = fallback = wrong = 0
    for truth, ranking in parses:
        predicted = decide(ranking, threshold, ambiguity)
        if predicted == truth:
            right += 1
        elif predicted == FALLBACK:
            fallback += 1
        else:
            wrong += 1
    n = max(len(parses), 1)
    return {"right": right / n, "fallback": fallback / n, "wrong": wrong / n}


async def _parse_fold(model: str, examples) -> list[tuple[str, list[tuple[str, float]]]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    parses = []
    for example in examples:
        parsed = await agent.parse_message(example.get("text"))
        ranking = [(r["name"], r["confidence"]) for r in parsed.get("intent_ranking", []) if r["name"] != FALLBACK]
        parses.append((example.get("intent"), ranking or [(FALLBACK, 0.0)]))
    return parses


def cross_validated_parses(folds: int) -> list[tuple[str, list[tuple[str, float]]]]:
    from rasa.model_training import train_nlu
    from rasa.nlu.test import generate_folds
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    parses: list[tuple[str, list[tuple[str, float]]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (train, test) in enumerate(generate_folds(folds, data)):
            fold_data = Path(tmp) / f"fold{index}.yml"
            fold_data.write_text(train.nlu_as_yaml(), encoding="utf-8")
            model = train_nlu(
                str(ROOT / "config.yml"),
                str(fold_data),
                str(Path(tmp) / "models"),
                fixed_model_name=f"fold{index}",
                domain=str(ROOT / "domain.yml"),
            )
            parses += asyncio.run(_parse_fold(model, test.intent_examples))
            print(f"fold {index + 1}/{folds}: {len(test.intent_examples)} examples parsed", flush=True)
    return parses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    parses = cross_validated_parses(args.folds)
    print(f"\n{len(parses)} training examples, {args.folds}-fold; cost = wrong + {FALLBACK_COST} x fallback")
    print("| threshold | ambiguity | right | fallback | wrong | cost |")
    print("|---|---|---|---|---|---|")
    rows = []
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            o = outcomes(parses, threshold, ambiguity)
            cost = o["wrong"] + FALLBACK_COST * o["fallback"]
            rows.append((cost, o["wrong"], threshold, ambiguity))
            print(f"| {threshold} | {ambiguity} | {o['right']:.4f} | {o['fallback']:.4f} | {o['wrong']:.4f} | {cost:.4f} |")
    lowest = min(row[0] for row in rows)
    cost, _, threshold, ambiguity = min((row for row in rows if row[0] <= lowest + TIE), key=lambda row: row[1])
    print(f"\nchosen: threshold {threshold}, ambiguity_threshold {ambiguity} (cost {cost:.4f}; lowest {lowest:.4f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
