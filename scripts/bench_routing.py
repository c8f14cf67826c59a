"""Routing benchmark (``make bench-routing``): department routing of the held-out appeals, as deployed.

Each appeal (title + account, as a ticket's text) goes through the deployment's router. Right: the
labelled department; 待分派: the router was not sure (staff assign it); wrong: another department
(the ticket loses days: 退单, 重派). Compared with the keyword count the project used before (most
directory keywords wins). ``--cross-validation`` prints, on the directory alone (training side), the
figures at several confidence limits: that is where ``min_confidence`` is chosen, never on the
held-out set.

Targets (issue 15): >= 85 % right, <= 5 % wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.core.config import load_settings
from bot.tickets.routing import Directory, Router
from bot.tickets.routing_model import RoutingModel
from scripts.heldout import HELDOUT, appeals

TARGET_RIGHT, TARGET_WRONG = 0.85, 0.05


def outcome(truth: str | None, routed: str | None) -> str:
    if routed is None:
        return "unassigned"
    return "right" if routed == truth else "wrong"


def shares(outcomes: Sequence[str]) -> dict[str, float]:
    counts = Counter(outcomes)
    return {k: counts[k] / max(len(outcomes), 1) for k in ("right", "unassigned", "wrong")}


def keyword_count_route(directory: Directory, text: str) -> str | None:
    """The router this project had before: the department with the most keywords in the text."""
    best, best_hits = None, 0
    for department in directory.departments:
        hits = sum(1 for keyword in department.keywords if keyword in text)
        if hits > best_hits:
            best, best_hits = department.name, hits
    return best


def cross_validate(directory: Directory, folds: int = 5) -> None:
    """Out-of-fold confidence and correctness on the directory's own lines, at several limits."""
    pairs = directory.training_pairs()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(pairs))
    router = Router(directory)
    confidences, correct = np.zeros(len(pairs)), np.zeros(len(pairs), dtype=bool)
    for fold in range(folds):
        held = order[fold::folds]
        held_set = set(held.tolist())
        texts, labels = zip(*(pairs[i] for i in order if i not in held_set))
        model = RoutingModel.train(texts, labels, directory.keywords(), router.encoder)
        probabilities = model.probabilities([pairs[i][0] for i in held], router.encoder)
        for row, i in zip(probabilities, held):
            confidences[i] = row.max()
            correct[i] = model.classes[int(row.argmax())] == pairs[i][1]
    print(f"## {folds}-fold cross-validation on the directory ({len(pairs)} lines; training side)")
    print("| min_confidence | right | 待分派 | wrong |")
    print("|---|---|---|---|")
    for limit in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
        routed = confidences >= limit
        print(f"| {limit:.1f} | {(routed & correct).mean():.3f} | {(~routed).mean():.3f} | {(routed & ~correct).mean():.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross-validation", action="store_true", help="figures on the directory alone, by limit")
    parser.add_argument(
        "--heldout", type=Path, default=HELDOUT, help="the held-out folder (tests/heldout/next: the set kept for the next round)"
    )
    args = parser.parse_args(argv)
    settings = load_settings()
    router = Router.for_deployment(settings.var_dir, settings.project_root)
    if args.cross_validation:
        cross_validate(router.directory)
        return 0
    held = appeals(args.heldout)
    started = time.perf_counter()
    suggestions = [router.suggest(a.message) for a in held]
    per_appeal_ms = (time.perf_counter() - started) * 1000 / max(len(held), 1)
    ours = [outcome(a.department, s.department) for a, s in zip(held, suggestions)]
    keywords = [outcome(a.department, keyword_count_route(router.directory, a.message)) for a in held]
    top3 = sum(a.department in [c.department for c in s.candidates] for a, s in zip(held, suggestions)) / len(held)
    stored = router.model_path is not None and router.model_path.is_file()
    print(
        f"# Department routing of {len(held)} held-out appeals (title + account), "
        f"{'stored retrained model' if stored else 'model from the directory'}, min_confidence "
        f"{router.directory.min_confidence}"
    )
    print("| router | right | 待分派 | wrong |")
    print("|---|---|---|---|")
    for name, outcomes in (("keyword count (before)", keywords), ("classifier (now)", ours)):
        s = shares(outcomes)
        print(f"| {name} | {s['right']:.1%} | {s['unassigned']:.1%} | {s['wrong']:.1%} |")
    s = shares(ours)
    verdict = "meets" if s["right"] >= TARGET_RIGHT and s["wrong"] <= TARGET_WRONG else "BELOW"
    print(
        f"classifier: {s['right']:.1%} right, {s['wrong']:.1%} wrong ({verdict} targets >= {TARGET_RIGHT:.0%} right, "
        f"<= {TARGET_WRONG:.0%} wrong); right department among the top three suggestions: {top3:.1%}; "
        f"{per_appeal_ms:.1f} ms per appeal"
    )
    print("\n| department | n | right | 待分派 | wrong |")
    print("|---|---|---|---|---|")
    for name in router.directory.names:
        rows = [o for a, o in zip(held, ours) if a.department == name]
        if rows:
            d = shares(rows)
            print(f"| {name} | {len(rows)} | {d['right']:.0%} | {d['unassigned']:.0%} | {d['wrong']:.0%} |")
    wrong_pairs = Counter(f"{a.department} -> {sg.department}" for a, sg, o in zip(held, suggestions, ours) if o == "wrong")
    print("most frequent wrong routes: " + "; ".join(f"{pair} {n}" for pair, n in wrong_pairs.most_common(8)))
    print(
        json.dumps(
            {
                "right": s["right"],
                "unassigned": s["unassigned"],
                "wrong": s["wrong"],
                "top3": top3,
                "keyword_count": shares(keywords),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
