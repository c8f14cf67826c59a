"""Handoff latency benchmark (``make bench-handoff``): how fast staff and citizen reach each other.

Starts the whole assistant (embedded mode, its own ports and database), opens a citizen's web chat
session over socket.io exactly as the page does, asks for a person, signs an agent in to the console
over HTTP and claims the conversation. Then, ROUNDS times:
  staff → citizen: from the console's reply request until the citizen's socket receives the text;
  citizen → console: from the citizen's message until the console's transcript API returns it
  (the console page asks every 0.5 s, so on screen add up to 0.5 s).
Target: both within one second (p95).
Then, NOTICE_ROUNDS times, after handing the conversation back: a ticket of this citizen is replied to
through the console's ticket API, and the time until the reply's notice reaches the citizen's socket
is measured (the notice job looks every 2 s, so expect about 1 s on average and up to 2 s).
"""

from __future__ import annotations

import asyncio
import random
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import socketio

from bot.core.db import make_engine, make_session_factory
from bot.runtime.runner import own_environment, start_stack
from bot.staff.accounts import create_user
from bot.tickets.service import TicketDesk, TicketDraft
from bot.tickets.workdays import deployment_calendar

ROUNDS = 30
NOTICE_ROUNDS = 20
PASSWORD = "bench-password-1"
PAGE_POLL_SECONDS = 0.5


def _summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"{name:<34} n={len(ms)}  p50 {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  max {ms[-1]:6.1f} ms"


async def _citizen(base_url: str) -> tuple[socketio.AsyncClient, str, asyncio.Queue]:
    client, replies = socketio.AsyncClient(), asyncio.Queue()
    confirmed = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda message: replies.put_nowait((time.perf_counter(), message)))
    await client.connect(base_url, socketio_path="/socket.io", transports=["polling"])
    await client.emit("session_request", {"session_id": None})
    return client, await asyncio.wait_for(confirmed, 30), replies


async def _until(replies: asyncio.Queue, text: str) -> float:
    while True:
        at, message = await asyncio.wait_for(replies.get(), 30)
        if text in (message.get("text") or ""):
            return at


async def bench(stack) -> None:
    factory = make_session_factory(make_engine(stack.settings.database_url))
    username = f"bench-{uuid.uuid4().hex[:6]}"
    create_user(factory, username=username, staff_no="1024", role="agent", password=PASSWORD)
    citizen, session, replies = await _citizen(stack.rasa_url)
    console = httpx.AsyncClient(base_url=stack.console_url.removesuffix("/console/"), timeout=30)
    try:
        await citizen.emit("user_uttered", {"message": "转人工", "session_id": session})
        await _until(replies, "转接人工客服")
        page = await console.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        await console.post("/console/login", data={"csrf": token, "username": username, "password": PASSWORD})
        csrf = {"X-CSRF-Token": (await console.get("/console/api/me")).json()["csrf"]}
        handoff = (await console.get("/console/api/queue")).json()["waiting"][-1]["id"]
        await console.post(f"/console/api/handoffs/{handoff}/claim", headers=csrf)
        await _until(replies, "为您服务")
        last = max(
            [0, *(line["id"] for line in (await console.get(f"/console/api/handoffs/{handoff}/messages")).json()["lines"])]
        )

        to_citizen, to_console = [], []
        for round_no in range(ROUNDS):
            text = f"第{round_no}条回复"
            sent = time.perf_counter()
            await console.post(f"/console/api/handoffs/{handoff}/reply", json={"text": text}, headers=csrf)
            to_citizen.append(await _until(replies, text) - sent)

            said = f"市民第{round_no}条消息"
            sent = time.perf_counter()
            await citizen.emit("user_uttered", {"message": said, "session_id": session})
            while True:
                lines = (await console.get(f"/console/api/handoffs/{handoff}/messages?after={last}")).json()["lines"]
                if lines:
                    last = max(line["id"] for line in lines)
                if any(line["text"] == said for line in lines):
                    to_console.append(time.perf_counter() - sent)
                    break
                await asyncio.sleep(0.01)
        print(_summary("staff reply -> citizen's web chat", to_citizen))
        print(_summary("citizen message -> console API", to_console))
        worst = sorted(to_console)[int(0.95 * (len(to_console) - 1))] + PAGE_POLL_SECONDS
        print(f"{'citizen message -> console page':<34} p95 <= {worst * 1000:6.1f} ms (API p95 + the page's 0.5 s poll)")
        await console.post(f"/console/api/handoffs/{handoff}/hand-back", headers=csrf)
        print(_summary("ticket reply -> citizen's notice", await _notices(stack, console, csrf, session, replies)))
    finally:
        await console.aclose()
        await citizen.disconnect()


async def _notices(stack, console: httpx.AsyncClient, csrf: dict, session: str, replies: asyncio.Queue) -> list[float]:
    """Reply to NOTICE_ROUNDS tickets of this citizen through the console; time each notice's arrival."""
    desk = TicketDesk(
        make_session_factory(make_engine(stack.settings.database_url)),
        deployment_calendar(stack.settings.working_calendar_dir),
        stack.settings.profile.deadlines,
    )
    seconds, pause = [], random.Random(12345)
    for round_no in range(NOTICE_ROUNDS):
        draft = TicketDraft(
            category="complaint",
            fields={"case_description": f"第{round_no}件：楼下餐馆油烟扰民"},
            channel="webchat",
            conversation_id=session,
            submission_key=f"bench-{session}-{round_no}",
        )
        number = desk.create(draft).number
        for action, body in (("assign", {"department": "住房和城乡建设局"}), ("start", {})):
            await console.post(f"/console/api/tickets/{number}/{action}", json=body, headers=csrf)
        await _until(replies, number)  # the accepted notice
        await asyncio.sleep(pause.uniform(0.5, 2.5))  # reply at any point of the job's 2 s cycle
        text = f"第{round_no}件已处理完毕"
        sent = time.perf_counter()
        await console.post(f"/console/api/tickets/{number}/reply", json={"text": text}, headers=csrf)
        seconds.append(await _until(replies, text) - sent)
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = own_environment(Path(tmp))
        stack = start_stack(env, Path(tmp) / "logs")
        try:
            asyncio.run(bench(stack))
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
