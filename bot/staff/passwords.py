"""Password hashing with scrypt (memory-hard, in the standard library), in a self-describing format."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# 2**15 x 8 x 1 costs ~64 MB and ~0.1 s per hash: slow for a guesser, fine for a sign-in.
_N, _R, _P = 2**15, 8, 1
_MAX_MEM = 128 * 1024 * 1024
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for ``password`` with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAX_MEM)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """True if ``password`` matches ``stored`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), maxmem=_MAX_MEM)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


def password_problem(password: str) -> str | None:
    """Why ``password`` is too weak to set, or None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    if password.isdigit() or password.isalpha():
        return "密码需要同时包含字母和数字或符号"
    return None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())
