"""Web chat session ids issued by the server and signed, so a browser cannot pick someone else's.

The page keeps the token (``<id>.<signature>``) and shows it on reconnect; anything that does not verify
(forged, from another deployment, or from before sessions were signed) starts a new session.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

_TOKEN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{32})$")


def _signature(key: str, session: str) -> str:
    return hmac.new(key.encode(), f"webchat-session:{session}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(key: str) -> tuple[str, str]:
    """A new session: (its id, the token the page keeps)."""
    session = uuid.uuid4().hex
    return session, f"{session}.{_signature(key, session)}"


def verify(key: str, token: object) -> str | None:
    """The session id inside a token this server signed, else None."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    if match is None or not hmac.compare_digest(match.group(2), _signature(key, match.group(1))):
        return None
    return match.group(1)
