"""Staff accounts: scrypt hashes, strong passwords, unique names and staff numbers, sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.staff.accounts import AccountError, create_user, session_member, sign_in
from bot.staff.passwords import hash_password, verify_password

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def factory(sqlite_url):
    upgrade(sqlite_url)
    return make_session_factory(make_engine(sqlite_url))


def test_passwords_are_stored_as_salted_scrypt_hashes():
    first, second = hash_password("correct-horse-42"), hash_password("correct-horse-42")
    assert first.startswith("scrypt$") and first != second and "correct-horse" not in first
    assert verify_password("correct-horse-42", first) and not verify_password("correct-horse-43", first)
    assert not verify_password("anything", "md5$abc")


@pytest.mark.parametrize("weak", ["short1", "abcdefghijkl", "123456789012"])
def test_weak_passwords_are_refused(factory, weak):
    with pytest.raises(AccountError):
        create_user(factory, username="a", staff_no="1", role="agent", password=weak)


def test_usernames_and_staff_numbers_are_unique_and_roles_known(factory):
    create_user(factory, username="li", staff_no="1024", role="agent", password="correct-horse-42")
    for username, staff_no, role in (("li", "1025", "agent"), ("wang", "1024", "agent"), ("wang", "1026", "boss")):
        with pytest.raises(AccountError):
            create_user(factory, username=username, staff_no=staff_no, role=role, password="correct-horse-42")


def test_a_session_lives_while_used_and_ends_when_idle_or_too_old(factory):
    create_user(factory, username="li", staff_no="1024", role="agent", password="correct-horse-42")
    signed = sign_in(factory, "li", "correct-horse-42")
    member, csrf = session_member(factory, signed.token, idle=HOUR, maximum=DAY)
    assert member.staff_no == "1024" and csrf == signed.csrf_token
    assert session_member(factory, signed.token + "x", idle=HOUR, maximum=DAY) is None
    assert session_member(factory, signed.token, idle=HOUR, maximum=timedelta(0)) is None
    assert session_member(factory, signed.token, idle=HOUR, maximum=DAY) is None  # deleted when it expired
