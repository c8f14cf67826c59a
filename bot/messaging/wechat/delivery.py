"""Sending to a citizen through the official account's customer-service API, with the access token
shared by every process and refreshed early, and undeliverable messages kept for staff.

wechatpy's client is synchronous (requests): callers run ``Courier.send`` in a worker thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.messaging.conversation_ids import channel_user
from bot.messaging.undelivered import Undelivered

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TOKEN_REFRESH_MARGIN_SECONDS = 300  # the shared token is forgotten this long before WeChat expires it
# Outside the 48-hour window / over the quota: a template message may still get through.
WINDOW_CLOSED = {45015: "outside the customer-service window", 45047: "customer-service quota used up"}
UNREACHABLE = {43004: "citizen unsubscribed", 40003: "unknown openid", 48001: "API not authorised", 45009: "API quota used up"}


class HotlineWeChatClient(WeChatClient):
    """wechatpy's client with a configurable API host and a token refreshed before it expires."""

    def __init__(self, appid: str, secret: str, *, session=None, api_base: str = DEFAULT_API_BASE, timeout: float = 5.0) -> None:
        super().__init__(appid, secret, session=session, timeout=timeout)
        self.API_BASE_URL = api_base.rstrip("/") + "/cgi-bin/"

    def fetch_access_token(self):
        result = self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        ttl = max(60, int(result.get("expires_in", 7200)) - TOKEN_REFRESH_MARGIN_SECONDS)
        self.session.set(self.access_token_key, result["access_token"], ttl)
        self.expires_at = int(time.time()) + ttl
        return result


@dataclass
class Courier:
    """Sends texts in order; what cannot be delivered is recorded through ``keep_undelivered``."""

    client: HotlineWeChatClient
    keep_undelivered: Callable[[Undelivered], object]
    template_id: str | None = None  # a template with a {{content.DATA}} field, for closed windows

    def send(self, conversation: str, texts: Sequence[str]) -> bool:
        """Send every text to the conversation's openid; False (and the rest recorded for staff) at the
        first that fails."""
        openid = channel_user(conversation)
        for position, text in enumerate(texts):
            problem = self._send_one(openid, text)
            if problem is not None:
                for undelivered in texts[position:]:
                    self.keep_undelivered(Undelivered("wechat", conversation, undelivered, problem))
                logger.warning("WeChat message not delivered (%s); kept for staff follow-up", problem)
                return False
        return True

    def _send_one(self, openid: str, text: str) -> str | None:
        try:
            self.client.message.send_text(openid, text)
            return None
        except WeChatClientException as exc:
            code = exc.errcode
            if code in WINDOW_CLOSED and self.template_id and self._send_template(openid, text):
                return None
            return f"errcode {code}: {WINDOW_CLOSED.get(code) or UNREACHABLE.get(code) or 'WeChat API error'}"
        except Exception as exc:  # noqa: BLE001 - network errors must not lose the message
            return f"WeChat API unreachable ({type(exc).__name__})"

    def _send_template(self, openid: str, text: str) -> bool:
        try:
            self.client.message.send_template(openid, self.template_id, {"content": {"value": text[:200]}})
            return True
        except Exception as exc:  # noqa: BLE001
            logger.warning("template message not delivered either (%s)", type(exc).__name__)
            return False
