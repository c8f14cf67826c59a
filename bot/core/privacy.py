"""Masking of personal data for display, storage of free text, and logs."""

from __future__ import annotations

import re

# Mainland mobile numbers (optionally +86 / 0086 prefixed, optionally split by spaces or dashes).
_MOBILE = re.compile(r"(?<!\d)(?:(?:\+|00)86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
# Landlines: area code 0xx(x) and a 7–8 digit number.
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[ -]?(\d{3,4})(\d{4})(?!\d)")
# Resident ID numbers: 17 digits and a check digit or X.
_ID_NUMBER = re.compile(r"(?<![\dXx])(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])")

# A name after its label, as the bot's summaries and confirmations write it ("姓名：张三").
_LABELLED_NAME = re.compile(r"((?:姓名|称呼|联系人)\s*[:：]\s*)([^\s，。,；;、：:\n]{1,20})")


def mask_phone(phone: str) -> str:
    """Show a phone number as 138****5678 (keeps the first three and last four digits)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]  # +86 country code
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str) -> str:
    """Show a personal name as 张* / 欧阳** (keeps the first character)."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_personal_data(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Mask phone and ID numbers inside free text, labelled names ("姓名：张三") and the given ``names``
    (a ticket's contact) wherever they appear, keeping the rest readable."""
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)[-1]}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    text = _LABELLED_NAME.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
        text = text.replace(name, mask_name(name))
    return text
