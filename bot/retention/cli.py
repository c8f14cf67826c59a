"""``python -m bot privacy purge [--dry-run]``: apply the retention rules of ``bot/retention/purge.py`` now.

The console runs the same purge once a day by itself; the command is for a first look (``--dry-run``
counts without changing anything) and for running it by hand after changing a period.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.core.config import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    privacy = sub.add_parser("privacy", help="personal data retention (个人信息保护)")
    actions = privacy.add_subparsers(dest="privacy_command", required=True)
    purge = actions.add_parser("purge", help="delete, empty or anonymise what is past its retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would change")


def run(args: argparse.Namespace, settings: Settings, say: Callable[[str], None]) -> int:
    from bot.core.clock import BEIJING
    from bot.core.db import make_engine, make_session_factory
    from bot.core.migrate import upgrade
    from bot.retention.purge import purge

    upgrade(settings.database_url)  # as every other command does: the tables exist before the purge reads them
    engine = make_engine(settings.database_url)
    try:
        report = purge(make_session_factory(engine), settings.retention, dry_run=args.dry_run)
    finally:
        engine.dispose()
    policy, cutoffs = report.policy, report.cutoffs
    say(
        f"Retention: conversation data {policy.conversation_days} days (days before "
        f"{cutoffs.conversations.astimezone(BEIJING):%Y-%m-%d} go), ticket contacts {policy.contact_days} days after "
        f"closing (closed before {cutoffs.contacts.astimezone(BEIJING):%Y-%m-%d}); Beijing dates."
    )
    for line in report.lines():
        say(f"  {line}")
    say("Dry run: nothing was changed." if args.dry_run else "Done; the run is in the audit log (privacy.purge).")
    return 0
