"""``python -m bot console add-user``: how a deployment creates its first admin."""

import os
import subprocess
import sys
from pathlib import Path

from bot.core.db import make_engine, make_session_factory
from bot.staff.accounts import list_users, sign_in

ROOT = Path(__file__).resolve().parents[3]


def _add_user(url: str, password: str, *args: str) -> subprocess.CompletedProcess:
    """The command on a database that may never have been set up (a deployment's first step)."""
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": "", "CONSOLE_NEW_USER_PASSWORD": password}
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "add-user", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_first_admin_is_created_from_the_command_line_and_can_sign_in(sqlite_url):
    created = _add_user(sqlite_url, "first-admin-pass-1", "--username", "admin", "--staff-no", "1000", "--role", "admin")
    assert created.returncode == 0 and "工号 1000" in created.stdout
    assert "first-admin-pass-1" not in created.stdout + created.stderr
    factory = make_session_factory(make_engine(sqlite_url))
    assert [(u.username, u.role) for u in list_users(factory)] == [("admin", "admin")]
    assert sign_in(factory, "admin", "first-admin-pass-1") is not None


def test_a_weak_password_or_a_taken_staff_number_is_refused_with_the_reason(sqlite_url):
    weak = _add_user(sqlite_url, "short", "--username", "a", "--staff-no", "1", "--role", "agent")
    assert weak.returncode == 1 and "至少需要 10 个字符" in weak.stdout
    _add_user(sqlite_url, "first-admin-pass-1", "--username", "b", "--staff-no", "2", "--role", "agent")
    taken = _add_user(sqlite_url, "first-admin-pass-1", "--username", "c", "--staff-no", "2", "--role", "agent")
    assert taken.returncode == 1 and "用户名或工号已被使用" in taken.stdout
