"""``python -m bot console serve | add-user``: run the console, create staff accounts (the first admin too)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from bot.core.config import Settings
from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.staff.accounts import AccountError, create_user
from bot.staff.roles import ROLES

PASSWORD_ENV = "CONSOLE_NEW_USER_PASSWORD"  # for scripts; otherwise the password is asked for


def add_parser(sub: argparse._SubParsersAction) -> None:
    console = sub.add_parser("console", help="the staff console")
    actions = console.add_subparsers(dest="console_command", required=True)
    actions.add_parser("serve", help="run the console web app (needs the Rasa server's URL and token)")
    user = actions.add_parser("add-user", help="create a staff account")
    user.add_argument("--username", required=True)
    user.add_argument("--staff-no", required=True, help="工号, digits; citizens are told it")
    user.add_argument("--role", required=True, choices=ROLES)
    user.add_argument("--name", default="", help="display name")
    user.add_argument("--department", default="", help="for --role department: the department's name")


def run(args: argparse.Namespace, settings: Settings, say: Callable[[str], None]) -> int:
    if args.console_command == "serve":
        return _serve(settings, say)
    password = os.environ.get(PASSWORD_ENV) or _ask_password()
    upgrade(settings.database_url)  # the first admin may come before the first `make run`
    factory = make_session_factory(make_engine(settings.database_url))
    try:
        member = create_user(
            factory,
            username=args.username,
            staff_no=args.staff_no,
            role=args.role,
            password=password,
            display_name=args.name,
            department=args.department,
        )
    except AccountError as exc:
        say(f"Not created: {exc}")
        return 1
    say(f"Created {member.role} {member.username} (工号 {member.staff_no}).")
    return 0


def _ask_password() -> str:
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        print("[hotline] The passwords differ.", file=sys.stderr)
        raise SystemExit(1)
    return first


def _serve(settings: Settings, say: Callable[[str], None]) -> int:
    from bot.console.app import create_app
    from bot.core.server_keys import rasa_auth_token
    from bot.runtime.log_setup import configure_logging
    from bot.runtime.service_checks import require_redis

    configure_logging(settings.log, "staff console")
    require_redis(settings, "The staff console")
    rasa_url = settings.rasa_url or f"http://{settings.host}:{settings.rasa_port}"
    app = create_app(settings, rasa_url=rasa_url, rasa_token=rasa_auth_token(settings))
    say(f"Staff console on http://{settings.host}:{settings.console.port}/console/ (Rasa at {rasa_url})")
    app.run(host=settings.host, port=settings.console.port, access_log=False, motd=False)
    return 0
