"""An aiohttp app served on 127.0.0.1 from a background thread (the stand-in platform APIs)."""

from __future__ import annotations

import asyncio
import threading

from aiohttp import web


class LocalServer:
    """Serves ``app`` on ``port`` until ``stop``."""

    def __init__(self, app: web.Application, port: int) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", port).start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError(f"local server did not start on port {port}")

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
