"""The WeChat server protocol: signatures, freshness, safe XML, what a message means, passive replies.

WeChat signs every request with sha1(sorted(token, timestamp, nonce)); safe mode adds
msg_signature over the encrypted body. Requests are checked before anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from wechatpy import parse_message
from wechatpy.replies import TextReply

MAX_BODY_BYTES = 64 * 1024
MAX_CLOCK_SKEW_SECONDS = 300
MENU_FILE = Path(__file__).with_name("menu.yml")
# WeChat never sends a DTD: refusing one rules out entity expansion and external entities.
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class UnsafeRequest(ValueError):
    """A body that must not be parsed: too big, a DTD, or not WeChat's XML."""


def signature(*parts: str) -> str:
    """WeChat's signature: sha1 of the sorted parts concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def is_signed(token: str, given: str, timestamp: str, nonce: str, *extra: str, now: float | None = None) -> bool:
    """Signature right (constant-time comparison) and timestamp within five minutes of ``now``."""
    if not (given and timestamp.isdigit() and nonce):
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce, *extra), given.lower())


def checked_body(body: bytes) -> bytes:
    """The body if it is safe to parse.

    Raises:
        UnsafeRequest: empty, over 64 KB, or declaring a DTD.
    """
    if not body.strip():
        raise UnsafeRequest("empty body")
    if len(body) > MAX_BODY_BYTES:
        raise UnsafeRequest("body too large")
    if _DTD.search(body):
        raise UnsafeRequest("DTD in body")
    return body


@dataclass(frozen=True)
class Inbound:
    """A WeChat message as the assistant understands it.

    ``text`` is what goes to Rasa (None: nothing to process); ``reply_key`` names a fixed polite
    answer for what the assistant cannot use (system_messages.yml).
    """

    kind: str
    sender: str
    receiver: str
    create_time: int
    msg_id: str | None
    text: str | None = None
    reply_key: str | None = None
    metadata: dict = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        """MsgId for messages; sender + CreateTime for events (WeChat retries with the same ones)."""
        return f"msg:{self.msg_id}" if self.msg_id else f"event:{self.sender}:{self.create_time}"


@lru_cache(maxsize=4)
def menu(path: Path = MENU_FILE) -> dict[str, str]:
    return {str(k): str(v) for k, v in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()}


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


def read_inbound(xml: bytes, menu_keys: dict[str, str] | None = None) -> Inbound:
    """Parse WeChat's XML (already checked and decrypted) into an ``Inbound``.

    Raises:
        UnsafeRequest: when it is not a WeChat message.
    """
    try:
        message = parse_message(xml)
    except Exception as exc:
        raise UnsafeRequest(f"malformed XML ({type(exc).__name__})") from exc
    if message is None or not getattr(message, "source", None):
        raise UnsafeRequest("not a WeChat message")
    created = message.create_time  # wechatpy gives a datetime
    base = {
        "sender": message.source,
        "receiver": message.target,
        "create_time": int(created.timestamp()) if hasattr(created, "timestamp") else int(created or 0),
        "msg_id": str(message.id) if getattr(message, "id", None) else None,
    }
    kind = message.type
    if kind == "text":
        return Inbound("text", text=message.content or "", **base)
    if kind == "voice":
        recognition = (getattr(message, "recognition", None) or "").strip()
        return Inbound("voice", text=recognition or None, reply_key=None if recognition else "wechat_voice_unrecognised", **base)
    if kind == "image":
        evidence = f"图片（微信素材 {message.media_id}）"
        return Inbound("image", text=_payload("share_image", evidence=evidence), metadata={"pic_url": message.image}, **base)
    if kind == "location":
        place = f"{message.label or '微信位置'}（纬度 {message.location_x}，经度 {message.location_y}）"
        return Inbound("location", text=_payload("share_location", place=place), **base)
    if kind == "link":
        return Inbound("link", reply_key="wechat_link", **base)
    if kind == "event":
        return _event(message, base, menu_keys if menu_keys is not None else menu())
    return Inbound("unsupported", reply_key="wechat_unsupported", **base)


def _event(message, base: dict, menu_keys: dict[str, str]) -> Inbound:
    event = message.event
    if event in ("subscribe", "subscribe_scan", "scan"):
        return Inbound(event, text="/greet", **base)
    if event == "click":
        payload = menu_keys.get(str(message.key))
        return Inbound("click", text=payload, reply_key=None if payload else "wechat_unsupported", **base)
    return Inbound(event or "event", **base)  # unsubscribe, view, location reports …: nothing to say


def text_reply(inbound: Inbound, content: str, now: int | None = None) -> str:
    """The passive reply XML: from the account to the citizen."""
    reply = TextReply(
        source=inbound.receiver, target=inbound.sender, content=content, time=now if now is not None else int(time.time())
    )
    return reply.render()
