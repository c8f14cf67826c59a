"""Same-source benchmark (``make bench-dedup``): precision and recall of linking appeals about the same
matter (同源诉求), on labelled pairs written apart from the code (``tests/heldout/dedup/pairs.jsonl``).

Each pair goes through the deployment's decision (``SameSourceLinker.verdict``: place similarity and
sentence vectors, the thresholds of the settings). A pair linked is a positive; precision = linked
pairs that are the same matter / linked pairs; recall = same-matter pairs linked / same-matter pairs.
Pairs further apart in time than the window (``SAME_SOURCE_DAYS``) are never linked, as deployed.
Errors are reported per kind of pair (near misses: same street, different problem; same problem,
different street), never the texts.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from bot.core.config import load_settings
from bot.faq.semantic import UniversalSentenceEncoder
from bot.tickets.same_source import Appeal, SameSourceLinker

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "heldout" / "dedup" / "pairs.jsonl"


def _appeal(side: dict) -> Appeal:
    return Appeal(str(side.get("description") or "").strip(), str(side.get("place") or "").strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    args = parser.parse_args()
    rules = load_settings().same_source
    linker = SameSourceLinker(UniversalSentenceEncoder(), rules)
    rows = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = list(dict.fromkeys(_appeal(side).description for row in rows for side in (row["a"], row["b"])))
    vectors = dict(zip(texts, linker.encoder.encode(texts)))
    kinds, outcome = Counter(), Counter()
    wrong_by_kind = Counter()
    for row in rows:
        a, b = _appeal(row["a"]), _appeal(row["b"])
        in_window = float(row.get("hours_apart") or 0) <= rules.days * 24
        linked = in_window and linker.verdict(a, b, (vectors[a.description], vectors[b.description])).same
        same = bool(row["same"])
        outcome["tp" if linked and same else "fp" if linked else "fn" if same else "tn"] += 1
        kinds[row["kind"]] += 1
        wrong_by_kind[row["kind"]] += linked != same
    tp, fp, fn = outcome["tp"], outcome["fp"], outcome["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(
        f"# Same-source linking on {len(rows)} labelled pairs ({args.pairs.name}); window {rules.days} days, "
        f"text similarity {rules.text_similarity}, place similarity {rules.place_similarity}"
    )
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  (linked right {tp}, linked wrongly {fp}, missed {fn})")
    print("| kind of pair | n | decided wrongly |")
    print("|---|---|---|")
    for kind, n in sorted(kinds.items()):
        print(f"| {kind} | {n} | {wrong_by_kind[kind]} ({wrong_by_kind[kind] / n:.0%}) |")
    print(json.dumps({"precision": precision, "recall": recall, "f1": f1, **outcome}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
