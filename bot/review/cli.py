"""``python -m bot nlu export-reviewed``: the labelled review messages as Rasa NLU YAML for the next training."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.core.config import Settings

HEADER = (
    "# Messages the bot was unsure about, labelled by staff in the console (personal data masked).\n"
    "# Review, then add to data/nlu/ for the next training.\n"
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    nlu = subparsers.add_parser("nlu", help="NLU tasks: export the messages staff labelled")
    sub = nlu.add_subparsers(dest="nlu_command", required=True)
    export = sub.add_parser("export-reviewed", help="write the labelled messages as Rasa NLU YAML")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")


def nlu_yaml(examples: dict[str, list[str]]) -> str:
    """Rasa 3 NLU training data; brackets become full-width so no text reads as an entity annotation."""
    lines = [HEADER + 'version: "3.1"', "nlu:"]
    for intent in sorted(examples):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text.replace('[', '【').replace(']', '】')}" for text in examples[intent]]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.core.db import make_engine, make_session_factory
    from bot.core.migrate import upgrade
    from bot.review.queue import labelled_examples

    upgrade(settings.database_url)
    examples = labelled_examples(make_session_factory(make_engine(settings.database_url)))
    text = nlu_yaml(examples)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        say(f"Wrote {sum(map(len, examples.values()))} labelled messages ({len(examples)} intents) to {args.out}.")
    else:
        sys.stdout.write(text)
    return 0
