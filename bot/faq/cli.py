"""``python -m bot faq import|export|search|eval|sample``: the knowledge base from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from bot.core.config import Settings

SAMPLE_FILE = Path("kb") / "sample-faq.csv"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the ``faq`` command and its sub-commands."""
    faq = subparsers.add_parser("faq", help="knowledge base: import, export, search, evaluate")
    sub = faq.add_subparsers(dest="faq_command", required=True)
    imp = sub.add_parser("import", help="upsert entries by id from a CSV or XLSX file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--actor", default="cli-import", help="recorded as the author of the changes")
    exp = sub.add_parser("export", help="write the knowledge base to a CSV or XLSX file")
    exp.add_argument("file", type=Path)
    exp.add_argument("--status", choices=["draft", "published", "retired"])
    search = sub.add_parser("search", help="what the assistant would answer to a question")
    search.add_argument("text")
    search.add_argument("--hotline", help="serve this hotline's entries (and those for all)")
    search.add_argument("--top", type=int, default=5)
    search.add_argument("--json", action="store_true", help="print one JSON object")
    ev = sub.add_parser("eval", help="accuracy on a CSV of query,expected_id; last line is JSON")
    ev.add_argument("file", type=Path)
    ev.add_argument("--hotline")
    ev.add_argument("--split", help="only rows whose split column has this value")
    sub.add_parser("sample", help="load the sample knowledge base if the knowledge base is empty")


def _factory(settings: Settings) -> sessionmaker:
    from bot.core.db import make_engine, make_session_factory
    from bot.core.migrate import upgrade

    upgrade(settings.database_url)
    return make_session_factory(make_engine(settings.database_url))


def _hotlines(settings: Settings, hotline: str | None) -> tuple[str, ...]:
    return (hotline, "all") if hotline else settings.profile.faq_hotlines


def run(args: argparse.Namespace, settings: Settings, say) -> int:
    """Run a ``faq`` sub-command; returns the process exit code."""
    handler = {"import": _import, "export": _export, "search": _search, "eval": _eval, "sample": _sample}
    return handler[args.faq_command](args, settings, say)


def _import(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.faq.transfer import UnreadableFile, import_file

    try:
        report = import_file(_factory(settings), args.file, actor=args.actor)
    except (UnreadableFile, OSError) as exc:
        say(f"Nothing imported: {exc}")
        return 2
    for line, reason in report.rejected:
        say(f"line {line}: {reason}")
    say(f"Imported {args.file.name}: {report.summary()}.")
    return 1 if report.rejected else 0


def _export(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.faq.transfer import UnreadableFile, export_file

    try:
        count = export_file(_factory(settings), args.file, status=args.status)
    except (UnreadableFile, OSError) as exc:
        say(f"Nothing exported: {exc}")
        return 2
    say(f"Exported {count} entries to {args.file}.")
    return 0


def _search(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.faq.explain import search_report
    from bot.faq.live import LiveFaq

    live = LiveFaq(_factory(settings))
    result = search_report(live, args.text, hotlines=_hotlines(settings, args.hotline), top=args.top)
    decision_kind = result["decision"]
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    say(f"decision: {decision_kind}")
    for c in result["candidates"]:
        parts = ", ".join(f"{name} {value:.2f}" for name, value in c["parts"].items())
        say(f"  {c['score']:.3f}  {c['id']}  {c['question']}  ({parts})")
    return 0


def _eval(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.faq.decision import decide
    from bot.faq.evaluation import evaluate, read_cases
    from bot.faq.live import LiveFaq

    cases = read_cases(args.file, split=args.split)
    index = LiveFaq(_factory(settings)).index()
    hotlines = _hotlines(settings, args.hotline)
    index.search("预热", hotlines=hotlines)  # loads the sentence encoder before timing starts
    report = evaluate(lambda q: index.search(q, hotlines=hotlines, top=5), cases, decide=decide)
    say(f"{report.cases} questions ({report.answerable} answerable) against {len(index)} published entries")
    print(json.dumps(report.as_dict(), ensure_ascii=False), flush=True)
    return 0


def _sample(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.faq.store import catalogue_version
    from bot.faq.transfer import import_file

    factory = _factory(settings)
    if catalogue_version(factory) > 0:
        say("Knowledge base already has content; sample not loaded.")
        return 0
    report = import_file(factory, settings.project_root / SAMPLE_FILE, actor="sample")
    say(f"Loaded the SAMPLE knowledge base ({report.summary()}); replace it with official answers.")
    return 0
