"""NLU benchmark: k-fold cross-validation on our own training data (``make bench-nlu``).

Runs ``rasa test nlu --cross-validation`` with the project's config and prints intent accuracy,
macro-F1 (all intents and the four core classes) and the confusion among the classes that matter
most: consult / complain / report / suggest / out_of_scope. Target: core macro-F1 >= 0.90.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.training import rasa_executable

ROOT = Path(__file__).resolve().parent.parent
CORE = ("consult", "complain", "report", "suggest")
CONFUSION = CORE + ("out_of_scope",)
TARGET_CORE_MACRO_F1 = 0.90


def run_cross_validation(folds: int, out: Path, config: Path) -> dict:
    """Run Rasa's cross-validation and return its intent report (test folds)."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [rasa_executable(), "test", "nlu", "--nlu", "data/nlu", "--config", str(config), "--cross-validation",
               "--folds", str(folds), "--out", str(out), "--no-plot", "--successes", "--quiet"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return json.loads((out / "intent_report.json").read_text(encoding="utf-8"))


def fallback_threshold(config: Path) -> float:
    """The FallbackClassifier threshold of ``config`` (messages below it get the two-stage fallback)."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    return next(float(c.get("threshold", 0.3)) for c in pipeline if c["name"] == "FallbackClassifier")


def decline_figures(out: Path, threshold: float) -> dict:
    """Share of messages the assistant would not answer directly, and of confident wrong answers."""
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        if path.is_file():
            predictions += json.loads(path.read_text(encoding="utf-8"))
    total = len(predictions) or 1
    confident = [p for p in predictions if p["intent_prediction"]["confidence"] >= threshold]
    wrong = [p for p in confident if p["intent_prediction"]["name"] != p["intent"]]
    return {
        "fallback_threshold": threshold,
        "declined": round(1 - len(confident) / total, 4),
        "wrong_confident": round(len(wrong) / total, 4),
        "accuracy_when_confident": round(1 - len(wrong) / (len(confident) or 1), 4),
    }


def summarize(report: dict) -> dict:
    """Accuracy, macro-F1 (all and core) and the core confusion matrix from Rasa's report."""
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in (
        "macro avg", "weighted avg", "micro avg")}
    confusion = {
        truth: {pred: (int(intents[truth]["support"] * intents[truth]["recall"] + 0.5) if pred == truth
                       else int(intents[truth].get("confused_with", {}).get(pred, 0)))
                for pred in CONFUSION}
        for truth in CONFUSION if truth in intents
    }
    return {
        "intent_accuracy": round(float(report["accuracy"]), 4),
        "macro_f1": round(float(report["macro avg"]["f1-score"]), 4),
        "core_macro_f1": round(sum(intents[c]["f1-score"] for c in CORE) / len(CORE), 4),
        "per_intent_f1": {k: round(v["f1-score"], 4) for k, v in sorted(intents.items())},
        "confusion": confusion,
    }


def print_summary(summary: dict) -> None:
    print(f"intent accuracy: {summary['intent_accuracy']:.4f}")
    print(f"two-stage fallback (confidence < {summary['fallback_threshold']}): {summary['declined']:.4f} of messages; "
          f"confident but wrong: {summary['wrong_confident']:.4f}; accuracy when confident: "
          f"{summary['accuracy_when_confident']:.4f}")
    print(f"macro-F1 (all intents): {summary['macro_f1']:.4f}")
    verdict = "meets" if summary["core_macro_f1"] >= TARGET_CORE_MACRO_F1 else "BELOW"
    print(f"macro-F1 (consult/complain/report/suggest): {summary['core_macro_f1']:.4f} ({verdict} target {TARGET_CORE_MACRO_F1})")
    print("per-intent F1: " + ", ".join(f"{k} {v:.3f}" for k, v in summary["per_intent_f1"].items()))
    print("confusion (rows: true intent, columns: predicted; other predictions not shown):")
    width = max(len(c) for c in CONFUSION) + 2
    print(" " * width + "".join(c.rjust(width) for c in CONFUSION))
    for truth, row in summary["confusion"].items():
        print(truth.ljust(width) + "".join(str(row[p]).rjust(width) for p in CONFUSION))
    print(json.dumps(summary, ensure_ascii=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-nlu")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    args = parser.parse_args(argv)
    summary = summarize(run_cross_validation(args.folds, args.out, args.config))
    summary.update(decline_figures(args.out, fallback_threshold(args.config)))
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
