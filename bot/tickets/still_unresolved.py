"""Whether a short message says an earlier matter is still not solved ("还是没解决", "问题依旧").

Such a message, long after a notice, belongs on the citizen's ticket, not in a new complaint. Only
short messages count: a long account that mentions "一直没解决" describes a problem and is taken down
as one. The dialogue decides with the citizen's tickets (``actions/ticket_feedback.py``); with none
here, it is a new complaint after all.
"""

from __future__ import annotations

import re

MAX_CHARS = 40  # longer messages are accounts of a problem
_STILL = r"(?:还是|仍然|依然|依旧|仍|还|都|到现在|至今|一直|根本|压根)"
_NOT = r"(?:没|没有|未|不见|没能|未能)"
_DONE = r"(?:解决|处理|修好|修复|修|整改|改好|改善|好转|落实|到位|管|人管|回音|动静|变化)"
_PATTERNS = re.compile(
    "|".join(
        (
            rf"{_STILL}\s*(?:都\s*)?{_NOT}\s*{_DONE}",
            r"问题\s*(?:依旧|依然|仍然|还是)\s*(?:存在|在|没变)?",
            r"(?:还是|依旧|照样|仍是)\s*老样子",
            r"一点\s*(?:都|也)?\s*没\s*(?:变|改|好)",
        )
    )
)


def still_unresolved(text: str) -> bool:
    """True for a short message saying something is still not solved."""
    stripped = (text or "").strip()
    return 0 < len(stripped) <= MAX_CHARS and _PATTERNS.search(stripped) is not None
