"""Whether a complaint is major (重大投诉), by configurable rules, with the reason kept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).with_name("major_rules.yml")


@dataclass(frozen=True)
class MajorRules:
    """Keyword rules (reason → keywords) and the repeat-complaint window."""

    rules: tuple[tuple[str, tuple[str, ...]], ...]
    repeat_within_days: int
    repeat_reason: str

    @classmethod
    def load(cls, path: Path = RULES_FILE) -> MajorRules:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rules = tuple((str(r["reason"]), tuple(map(str, r.get("keywords") or ()))) for r in raw.get("rules") or ())
        return cls(rules, int(raw.get("repeat_within_days", 30)), str(raw.get("repeat_reason", "重复投诉")))

    def reason(self, text: str, *, is_repeat: bool = False) -> str | None:
        """Why a complaint with this content is major, or None if it is not."""
        reasons = [reason for reason, keywords in self.rules if any(k in text for k in keywords)]
        if is_repeat:
            reasons.append(self.repeat_reason)
        return "；".join(reasons) or None
