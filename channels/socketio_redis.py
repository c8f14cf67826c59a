"""socket.io across Rasa replicas: emits travel through Redis as JSON, never pickle.

python-socketio 5.9's ``AsyncRedisManager`` pickles every message it publishes and unpickles what it
receives (CVE-2025-61765: whoever can publish on the Redis channel runs code in every replica). This
manager publishes JSON and drops anything on the channel that is not a JSON object, so a staff reply
or a ticket notice emitted by one replica reaches the citizen's page connected to another one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.exceptions import RedisError
from socketio import AsyncRedisManager

logger = logging.getLogger(__name__)

CHANNEL = "hotline:socketio"


class JsonRedisManager(AsyncRedisManager):
    """``AsyncRedisManager`` with JSON on the wire."""

    def __init__(self, url: str, channel: str = CHANNEL, write_only: bool = False) -> None:
        super().__init__(url=url, channel=channel, write_only=write_only, logger=logger)

    async def _publish(self, data: dict[str, Any]) -> Any:
        payload = json.dumps(data, ensure_ascii=False)
        for attempt in (1, 2):
            try:
                if attempt == 2:
                    self._redis_connect()
                return await self.redis.publish(self.channel, payload)
            except RedisError:
                logger.error("socket.io: cannot publish to Redis (attempt %d)", attempt)
        await self._deliver_here(data)
        return None

    async def _deliver_here(self, data: dict[str, Any]) -> None:
        """Redis is away: act on this replica's own connections, as if the message had come back from
        Redis (a citizen's page is usually connected to the replica that answers it: the session
        handshake and the "system busy" answer still reach it)."""
        handler = {"emit": self._handle_emit, "disconnect": self._handle_disconnect, "close_room": self._handle_close_room}.get(
            str(data.get("method"))
        )
        if handler is not None:
            await handler(data)

    async def _listen(self) -> AsyncIterator[dict[str, Any]]:
        async for raw in super()._listen():
            try:
                message = json.loads(raw)
            except (TypeError, ValueError):
                logger.warning("socket.io: ignored a message on the Redis channel that is not JSON")
                continue
            if isinstance(message, dict):
                yield message
