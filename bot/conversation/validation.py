"""Checks on what a citizen types into a form: phone numbers, meaningful text, lengths."""

from __future__ import annotations

import re
import unicodedata

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# Three-digit area codes are 010 and 02x; all others have four digits (0755, 0571 …).
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})(\d{7,8})$")
_SEPARATORS = re.compile(r"[\s\-()（）]")
_IN_TEXT = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0(?:10|2\d|[3-9]\d{2})\d{7,8})(?!\d)")


def normalize_phone(text: str) -> str | None:
    """A mainland mobile (13812345678) or landline (010-12345678) number, or None.

    Spaces, dashes, brackets and a +86 prefix are accepted; full-width digits too.
    """
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    if match := _MOBILE.match(compact):
        return match.group(1)
    if match := _LANDLINE.match(compact):
        return f"{match.group(1)}-{match.group(2)}"
    return None


def meaningful_chars(text: str) -> int:
    """How many letters, digits and Chinese characters ``text`` has (emoji and punctuation do not count)."""
    return sum(1 for ch in unicodedata.normalize("NFKC", text or "") if ch.isalnum())


def is_meaningful(text: str, *, minimum: int = 4, maximum: int = 1000) -> bool:
    """Enough real content to act on, and not more than a form field holds."""
    return minimum <= meaningful_chars(text) and len(text.strip()) <= maximum


def find_phone(text: str) -> str | None:
    """A phone number typed alone or within a sentence ("我的手机号是138 1234 5678"), normalised; or None."""
    whole = normalize_phone(text)
    if whole:
        return whole
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    found = _IN_TEXT.search(compact)
    return normalize_phone(found.group(0)) if found else None
