"""``python -m bot tickets route [--json] [text] | route retrain``: department routing from the command line.

``route --json`` reads one JSON object ``{"text": "..."}`` per line on stdin and writes one line per
input: ``{"department": <name> or null, "confidence": <0..1>, "candidates": [...]}`` (the contract the
project's evaluation uses). ``route retrain`` rebuilds the router from the directory and every
department staff confirmed, and stores it where the running processes pick it up.
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    tickets = subparsers.add_parser("tickets", help="ticket tasks: department routing")
    sub = tickets.add_subparsers(dest="tickets_command", required=True)
    route = sub.add_parser("route", help="the department for a text; `retrain` rebuilds the router")
    route.add_argument("text", nargs="?", help="a text to route, or `retrain`; without it, lines from stdin")
    route.add_argument("--json", action="store_true", help='stdin: one {"text": ...} per line; stdout: one JSON per line')


def run(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.tickets.routing import Router

    router = Router.for_deployment(settings.var_dir, settings.project_root)
    if args.text == "retrain":
        return _retrain(router, settings, say)
    allowed = _active_departments(settings, router)
    if args.json:
        return _route_json_lines(router, allowed)
    texts = [args.text] if args.text else [line.strip() for line in sys.stdin if line.strip()]
    for text in texts:
        suggestion = router.suggest(text, allowed=allowed)
        shown = "、".join(f"{c.department} {c.confidence:.2f}" for c in suggestion.candidates)
        print(f"{suggestion.department or '待分派'}\t({shown})")
    return 0


def _route_json_lines(router, allowed: list[str] | None) -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            text = json.loads(line).get("text") or ""
        except (json.JSONDecodeError, AttributeError):
            print(json.dumps({"error": "each line must be a JSON object with a text"}), flush=True)
            continue
        print(json.dumps(router.suggest(str(text), allowed=allowed).as_json(), ensure_ascii=False), flush=True)
    return 0


def _active_departments(settings: Settings, router) -> list[str] | None:
    """The deployment's active departments (admins deactivate some), or None without a database."""
    from bot.db import make_engine, make_session_factory
    from bot.tickets.departments import department_names

    try:
        return department_names(make_session_factory(make_engine(settings.database_url)), router)
    except SQLAlchemyError:
        return None  # no database yet: every department of the directory


def _retrain(router, settings: Settings, say) -> int:
    from bot.db import make_engine, make_session_factory
    from bot.migrate import upgrade
    from bot.tickets.routing_confirmations import confirmed_pairs

    upgrade(settings.database_url)
    pairs = confirmed_pairs(make_session_factory(make_engine(settings.database_url)))
    model = router.retrain(pairs)
    say(f"Router rebuilt from {len(router.directory.training_pairs())} directory lines and {len(pairs)} "
        f"confirmed tickets; {len(model.classes)} departments; stored in {router.model_path}.")
    return 0
