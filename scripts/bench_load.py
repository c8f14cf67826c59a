"""Load benchmark (``make bench-load``): this assistant against a stock ``rasa init`` bot, in one run.

Both are served on this machine by the same venv and driven over the REST channel in a closed loop:
each simulated citizen sends the next message as soon as the previous answer arrived. A conversation
is the assistant's usual Chinese mix (greeting, FAQ questions, a complaint opened and cancelled,
thanks). Runs alternate A B A B at 1, 10 and 50 concurrent conversations of ``MESSAGES_PER_CONVERSATION``
messages each; every answer that is not HTTP 200 with at least one reply counts as an error.
``--production`` also starts the multi-replica profile (``bot/runtime/production.py``: two replicas of each
server behind nginx, on Redis and a temporary PostgreSQL schema) and drives it through nginx at the
highest level.

Goal (issue 18), on 2 cores at 50 concurrent conversations: at least 2x the stock bot's msg/s,
p99 under 1.5 s, no errors.

    python -m scripts.bench_load [--levels 1,10,50] [--rounds 2] [--production]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.core.db import temporary_schema
from bot.runtime.ports import free_port
from bot.runtime.production import Replicas, start_replicas
from bot.runtime.runner import _QUIET_ENV, Stack, own_environment, start_stack

ROOT = Path(__file__).resolve().parent.parent
STOCK_DIR = ROOT / "var" / "bench" / "stock-rasa-init"
MESSAGES_PER_CONVERSATION = 10
CONVERSATION = (
    "你好",
    "社保卡丢了怎么补办",
    "公积金怎么提取",
    "我要投诉，楼下烧烤店每天晚上吵到凌晨两点，根本没法睡觉",
    "算了不投诉了",
    "居住证怎么办理",
    "新生儿怎么参加医保",
    "请问办理护照需要什么材料",
    "好的谢谢你",
    "再见",
)
REQUEST_TIMEOUT = 60
PRODUCTION = "production profile (2 replicas)"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


@dataclass
class Result:
    name: str
    concurrency: int
    latencies: list[float]
    errors: int
    seconds: float

    @property
    def messages(self) -> int:
        return len(self.latencies) + self.errors

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies) or [float("nan")]
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def row(self) -> str:
        rate = len(self.latencies) / self.seconds if self.seconds else 0.0
        return (
            f"| {self.name} | {self.concurrency} | {self.messages} | {rate:.1f} | "
            f"{self.percentile(0.5) * 1000:.0f} | {self.percentile(0.95) * 1000:.0f} | "
            f"{self.percentile(0.99) * 1000:.0f} | {self.errors} |"
        )


@dataclass
class Target:
    name: str
    url: str  # the REST webhook
    headers: dict[str, str]


async def _conversation(session: aiohttp.ClientSession, target: Target, latencies: list[float], errors: list[int]) -> None:
    sender = f"load-{uuid.uuid4().hex[:12]}"
    for text in CONVERSATION[:MESSAGES_PER_CONVERSATION]:
        started = time.perf_counter()
        try:
            async with session.post(target.url, json={"sender": sender, "message": text}, headers=target.headers) as answer:
                replies = await answer.json(content_type=None) if answer.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            replies = None
        if replies:
            latencies.append(time.perf_counter() - started)
        else:
            errors.append(1)


async def drive(target: Target, concurrency: int) -> Result:
    latencies: list[float] = []
    errors: list[int] = []
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(_conversation(session, target, latencies, errors) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Result(target.name, concurrency, latencies, len(errors), seconds)


def resident_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (from /proc)."""
    total = 0.0
    pids = [pid] + _children(pid)
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        direct = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return direct + [g for c in direct for g in _children(c)]


def ensure_stock_bot(python: str, log: Path) -> Path:
    """A stock ``rasa init`` project with its trained model (made once, kept under var/bench/)."""
    if not list((STOCK_DIR / "models").glob("*.tar.gz")):
        STOCK_DIR.mkdir(parents=True, exist_ok=True)
        print(f"Creating and training the stock bot in {STOCK_DIR} (once; a few minutes)...", flush=True)
        with open(log, "ab") as out:
            subprocess.run(
                [python, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
                check=True,
                env={**os.environ, **_QUIET_ENV},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
    return STOCK_DIR


def start_stock_bot(python: str, port: int, log: Path) -> subprocess.Popen:
    project = ensure_stock_bot(python, log)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [python, "-m", "rasa", "run", "--enable-api", "--port", str(port), "--interface", "127.0.0.1", "--model", "models"],
            cwd=project,
            env={**os.environ, **_QUIET_ENV},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the stock bot exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(1)
    raise RuntimeError(f"the stock bot did not start; see {log}")


def memory_line(label: str, stack: Stack, stock: subprocess.Popen, replicas: Replicas | None = None) -> str:
    ours = " + ".join(f"{name} {resident_mb(p.pid):.0f} MB" for name, p in stack.processes.items())
    line = f"memory {label}: this assistant: {ours}; stock bot {resident_mb(stock.pid):.0f} MB"
    if replicas is not None:
        line += "; production profile: " + " + ".join(
            f"{name} {resident_mb(p.pid):.0f} MB" for name, p in replicas.processes().items()
        )
    return line


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


@contextlib.contextmanager
def production_profile(work: Path, token: str) -> Iterator[Replicas]:
    """Two replicas of each server behind nginx, on Redis (database 13, emptied) and a PostgreSQL schema
    made for the run and dropped after it."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    with temporary_schema(POSTGRES_URL, prefix="bench") as database_url:
        replicas = start_replicas(
            {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "RASA_AUTH_TOKEN": token}, work / "production"
        )
        try:
            yield replicas
        finally:
            replicas.stop()
            redis.Redis.from_url(REDIS_URL).flushdb()


async def run_levels(targets: Sequence[Target], levels: Sequence[int], rounds: int) -> list[Result]:
    results = []
    for level in levels:
        for _ in range(rounds):
            for target in targets:  # A B A B
                await drive(target, 1)  # warm the path between runs
                result = await drive(target, level)
                print(result.row(), flush=True)
                results.append(result)
    return results


def summary(results: Sequence[Result], ours: str, stock: str, level: int) -> str:
    def rate(name: str) -> float:
        runs = [r for r in results if r.name == name and r.concurrency == level]
        return statistics.mean(len(r.latencies) / r.seconds for r in runs) if runs else 0.0

    ours_runs = [r for r in results if r.name == ours and r.concurrency == level]
    p99 = max((r.percentile(0.99) for r in ours_runs), default=float("nan"))
    errors = sum(r.errors for r in ours_runs)
    ratio = rate(ours) / rate(stock) if rate(stock) else float("nan")
    verdict = "meets" if ratio >= 2 and p99 < 1.5 and errors == 0 else "BELOW"
    return (
        f"at {level} concurrent: {ratio:.2f}x the stock bot's msg/s, p99 {p99 * 1000:.0f} ms, "
        f"{errors} errors ({verdict} the goal: >= 2x, p99 < 1.5 s, no errors)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs per level")
    parser.add_argument(
        "--production", action="store_true", help="also the multi-replica profile (needs Redis, PostgreSQL and nginx)"
    )
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp, contextlib.ExitStack() as cleanup:
        work = Path(tmp)
        env = own_environment(work)
        stack = start_stack(env, work / "logs")
        cleanup.callback(stack.stop)
        stock_port = free_port()
        stock = start_stock_bot(python, stock_port, work / "stock.log")
        cleanup.callback(_stop, stock)
        ours = Target("this assistant", f"{stack.rasa_url}/webhooks/rest/webhook", {"Authorization": f"Bearer {stack.token}"})
        theirs = Target("stock rasa init", f"http://127.0.0.1:{stock_port}/webhooks/rest/webhook", {})
        replicas = cleanup.enter_context(production_profile(work, stack.token)) if args.production else None
        print(memory_line("after start", stack, stock, replicas))
        print("| server | concurrent | messages | msg/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|---|")
        results = asyncio.run(run_levels([ours, theirs], levels, args.rounds))
        if replicas is not None:
            production = Target(PRODUCTION, f"{replicas.url}/webhooks/rest/webhook", {"Authorization": f"Bearer {stack.token}"})
            results += asyncio.run(run_levels([production, theirs], levels[-1:], args.rounds))
        print(memory_line("after the run", stack, stock, replicas))
        for level in levels:
            print(summary(results, ours.name, theirs.name, level))
        if replicas is not None:
            print(summary(results, PRODUCTION, theirs.name, levels[-1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
