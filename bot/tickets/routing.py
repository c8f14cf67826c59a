"""Which department a case goes to, from topic keywords in what the citizen wrote."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

DIRECTORY_FILE = Path(__file__).with_name("departments.yml")


@dataclass(frozen=True)
class Department:
    name: str
    keywords: tuple[str, ...]


class Router:
    """Routes by the department with the most keywords in the text; ties go to the earlier rule."""

    def __init__(self, departments: Iterable[Department]) -> None:
        self.departments = tuple(departments)

    @classmethod
    def load(cls, path: Path = DIRECTORY_FILE) -> Router:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(Department(str(d["name"]), tuple(map(str, d.get("keywords") or ()))) for d in raw.get("departments") or ())

    def route(self, *texts: str) -> str | None:
        """The department for a case, or None when no rule matches (staff assign it: 待分派)."""
        text = " ".join(t for t in texts if t)
        best, best_hits = None, 0
        for department in self.departments:
            hits = sum(1 for keyword in department.keywords if keyword in text)
            if hits > best_hits:
                best, best_hits = department.name, hits
        return best
