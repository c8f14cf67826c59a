"""Staff hours: whether a person can take a conversation now (Beijing time, every day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from bot.core.clock import BEIJING, utc_now


@dataclass(frozen=True)
class StaffHours:
    """Daily opening hours such as ``08:30-20:30``; ``00:00-24:00`` means around the clock."""

    opens: time
    closes: time | None  # None: midnight at the end of the day

    @classmethod
    def parse(cls, text: str) -> StaffHours:
        start, end = text.split("-")
        return cls(opens=time.fromisoformat(start), closes=None if end == "24:00" else time.fromisoformat(end))

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(BEIJING).time()
        if self.closes is None:
            return local >= self.opens
        if self.opens <= self.closes:
            return self.opens <= local < self.closes
        return local >= self.opens or local < self.closes  # a night shift across midnight

    def is_open_now(self) -> bool:
        return self.is_open(utc_now())

    def describe(self) -> str:
        return f"{self.opens:%H:%M}-{'24:00' if self.closes is None else format(self.closes, '%H:%M')}"
