"""Command line: ``python -m bot run | train | db upgrade | config | model-path | faq … | console … | telegram … | tickets … | nlu … | privacy …``."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.console import cli as console_cli
from bot.core.config import ConfigError, Settings, load_settings
from bot.faq import cli as faq_cli
from bot.messaging.telegram import webhook as telegram_cli
from bot.retention import cli as retention_cli
from bot.review import cli as review_cli
from bot.tickets import cli as tickets_cli


def _say(message: str) -> None:
    print(f"[hotline] {message}", flush=True)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _describe_database(url: str) -> str:
    return url if url.startswith("sqlite") else url.split("://", 1)[0] + "://…"  # never print passwords


def cmd_train(settings: Settings) -> Path:
    from bot.runtime.training import ensure_model
    from bot.tickets.routing import Router

    model = ensure_model(settings.project_root, say=_say)
    Router.for_deployment(settings.var_dir, settings.project_root).model()  # the department router, cached too
    return model


def cmd_db_upgrade(settings: Settings) -> None:
    from bot.core.migrate import upgrade

    _say(f"Bringing the database schema up to date ({_describe_database(settings.database_url)})...")
    upgrade(settings.database_url)


def cmd_run(settings: Settings) -> int:
    from bot.runtime.runner import Stack, credentials_file

    cmd_db_upgrade(settings)
    model = cmd_train(settings)
    stack = Stack(
        settings=settings,
        model=model,
        credentials=credentials_file(settings.project_root, say=_say),
        log_dir=settings.var_dir / "logs",
        say=_say,
    )
    stores = "Redis" if settings.redis_url else "in-memory"
    _say(f"Hotline profile: {settings.profile.name}; tracker and lock stores: {stores}.")

    def ready() -> list[str]:
        lines = [
            "The assistant is ready.",
            f"  Citizen web chat:  {stack.webchat_url}",
            f"  REST channel:      {stack.rasa_url}/webhooks/rest/webhook",
            f"  Staff console:     {stack.console_url}",
        ]
        if not has_staff(settings):
            lines += [
                "  No staff account yet. Create the first admin with:",
                "    .venv/bin/python -m bot console add-user --username admin --staff-no 1000 --role admin",
            ]
        return lines + [f"  Logs:              {stack.log_dir}"]

    return _serve_until_stopped(stack.start, lambda: stack.processes, stack.stop, ready)


def cmd_run_production(settings: Settings) -> int:
    from bot.runtime.production import ProductionUnavailable, Replicas, check_requirements
    from bot.runtime.runner import credentials_file

    try:
        check_requirements(settings)
    except ProductionUnavailable as exc:
        _say(f"Cannot start the production profile: {exc}.")
        return 1
    cmd_db_upgrade(settings)
    replicas = Replicas(
        settings=settings,
        model=cmd_train(settings),
        credentials=credentials_file(settings.project_root, say=_say),
        log_dir=settings.var_dir / "logs" / "production",
        replicas=settings.production.replicas,
        public_port=settings.production.public_port,
        say=_say,
    )

    def ready() -> list[str]:
        return [
            f"The assistant is ready: {replicas.replicas} replicas of each server behind nginx.",
            f"  Citizen web chat:  {replicas.url}/webhooks/webchat/chat",
            f"  REST channel:      {replicas.url}/webhooks/rest/webhook",
            f"  Staff console:     {replicas.url}/console/",
            f"  Logs:              {replicas.log_dir}",
        ]

    return _serve_until_stopped(replicas.start, replicas.processes, replicas.stop, ready)


def _serve_until_stopped(
    start: Callable[[], None], processes: Callable[[], dict], stop: Callable[[], None], ready: Callable[[], list[str]]
) -> int:
    """Start, say where everything is, and wait until Ctrl-C, ``kill`` or a process that stops; then
    stop every child in order."""
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C and `kill` both stop the children in order
        signal.signal(signum, _interrupt)
    try:
        start()
        for line in ready():
            _say(line)
        _say("Press Ctrl-C to stop.")
        while all(p.poll() is None for p in processes().values()):
            time.sleep(1)
        _say("A server stopped unexpectedly; see the logs above. Stopping the rest.")
        return 1
    except KeyboardInterrupt:
        _say("Stopping...")
        return 0
    except RuntimeError as exc:
        _say(f"Could not start: {exc}")
        return 1
    finally:
        stop()
        _say("Stopped.")


def has_staff(settings: Settings) -> bool:
    from bot.core.db import make_engine, make_session_factory
    from bot.staff.accounts import list_users

    return bool(list_users(make_session_factory(make_engine(settings.database_url))))


def cmd_config(settings: Settings) -> None:
    p = settings.profile
    _say(f"profile: {p.name} ({p.number}), hours: {p.service_hours}, scope: {'、'.join(p.scope)}")
    d = p.deadlines
    _say(
        f"deadlines (working days): complaint {d.complaint}, major {d.major_complaint}, report {d.report}, suggestion {d.suggestion}"
    )
    r = settings.retention
    _say(f"retention: conversation data {r.conversation_days} days; ticket contacts {r.contact_days} days after closing")
    _say(
        f"database: {_describe_database(settings.database_url)}; redis: {'configured' if settings.redis_url else 'none (in-memory)'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Hotline assistant tasks")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the assistant on localhost")
    sub.add_parser("run-prod", help="start replicas of every server behind nginx (needs Redis, PostgreSQL, nginx)")
    sub.add_parser("train", help="train the model if its inputs changed")
    sub.add_parser("config", help="show the effective configuration")
    sub.add_parser("model-path", help="print the path of the model for the current training inputs")
    db = sub.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"])
    faq_cli.add_parser(sub)
    console_cli.add_parser(sub)
    telegram_cli.add_parser(sub)
    tickets_cli.add_parser(sub)
    review_cli.add_parser(sub)
    retention_cli.add_parser(sub)
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"[hotline] {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        return cmd_run(settings)
    if args.command == "run-prod":
        return cmd_run_production(settings)
    if args.command == "faq":
        return faq_cli.run(args, settings, _say)
    if args.command == "console":
        return console_cli.run(args, settings, _say)
    if args.command == "nlu":
        return review_cli.run(args, settings, _say)
    if args.command == "tickets":
        return tickets_cli.run(args, settings, _say)
    if args.command == "privacy":
        return retention_cli.run(args, settings, _say)
    if args.command == "telegram":
        return telegram_cli.run(args, _say)
    if args.command == "train":
        cmd_train(settings)
    elif args.command == "db":
        cmd_db_upgrade(settings)
    elif args.command == "config":
        cmd_config(settings)
    elif args.command == "model-path":
        from bot.runtime.training import fingerprint, model_path

        print(model_path(settings.project_root, fingerprint(settings.project_root)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
