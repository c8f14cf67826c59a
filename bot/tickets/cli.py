"""``python -m bot tickets route [--json] [text] | route retrain | recompute-deadlines --year YYYY``.

``route --json`` reads one JSON object ``{"text": "..."}`` per line on stdin and writes one line per
input: ``{"department": <name> or null, "confidence": <0..1>, "candidates": [...]}`` (the contract the
project's evaluation uses). ``route retrain`` rebuilds the router from the directory and every
department staff confirmed, and stores it where the running processes pick it up.
``recompute-deadlines --year YYYY`` recomputes, once that year's holiday schedule is loaded, the
deadlines that were estimated on weekends only (see ``bot/tickets/calendar_years.py``).
"""

from __future__ import annotations

import argparse
import json
import sys

from sqlalchemy.exc import SQLAlchemyError

from bot.core.config import Settings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    tickets = subparsers.add_parser("tickets", help="ticket tasks: department routing, deadlines")
    sub = tickets.add_subparsers(dest="tickets_command", required=True)
    route = sub.add_parser("route", help="the department for a text; `retrain` rebuilds the router")
    route.add_argument("text", nargs="?", help="a text to route, or `retrain`; without it, lines from stdin")
    route.add_argument("--json", action="store_true", help='stdin: one {"text": ...} per line; stdout: one JSON per line')
    recompute = sub.add_parser(
        "recompute-deadlines", help="recompute the deadlines estimated on weekends only, once a year's holidays are loaded"
    )
    recompute.add_argument("--year", type=int, required=True, help="the year whose schedule was loaded")


def run(args: argparse.Namespace, settings: Settings, say) -> int:
    from bot.tickets.routing import Router

    if args.tickets_command == "recompute-deadlines":
        return _recompute_deadlines(args.year, settings, say)

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
    from bot.core.db import make_engine, make_session_factory
    from bot.tickets.departments import department_names

    try:
        return department_names(make_session_factory(make_engine(settings.database_url)), router)
    except SQLAlchemyError:
        return None  # no database yet: every department of the directory


def _retrain(router, settings: Settings, say) -> int:
    from bot.core.db import make_engine, make_session_factory
    from bot.core.migrate import upgrade
    from bot.tickets.routing_confirmations import confirmed_pairs

    upgrade(settings.database_url)
    pairs = confirmed_pairs(make_session_factory(make_engine(settings.database_url)))
    model = router.retrain(pairs)
    say(
        f"Router rebuilt from {len(router.directory.training_pairs())} directory lines and {len(pairs)} "
        f"confirmed tickets; {len(model.classes)} departments; stored in {router.model_path}."
    )
    return 0


def _recompute_deadlines(year: int, settings: Settings, say) -> int:
    from bot.core.db import make_engine, make_session_factory
    from bot.core.migrate import upgrade
    from bot.tickets.calendar_years import loaded_schedules, recompute_deadlines
    from bot.tickets.workdays import ScheduleError, deployment_calendar

    upgrade(settings.database_url)
    factory = make_session_factory(make_engine(settings.database_url))
    calendar = deployment_calendar(settings.working_calendar_dir, loaded_schedules(factory))
    try:
        done = recompute_deadlines(factory, calendar, year)
    except ScheduleError:
        say(
            f"No holiday schedule for {year} yet: an admin loads it in the console (账号与部门 → 工作日历) "
            f"or add bot/tickets/calendars/{year}.yml; nothing was changed."
        )
        return 2
    say(
        f"{done.checked} estimated deadlines counted days of {year}: {done.moved} moved (their citizens are "
        f"notified), {done.checked - done.moved} kept their date, {done.still_estimated} still estimated "
        f"(they also count a later year without a schedule)."
    )
    return 0
