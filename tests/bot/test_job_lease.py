"""Background jobs with several consoles: one console runs each job's rounds; when it stops, another
takes over (and knows it took over, to take back work left half-done)."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone

from bot.console import watcher
from bot.console.job_lease import acquire, heartbeats, release
from bot.console.watcher import Job, run_job
from tests.support.polling import wait_until_async

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)


def test_a_job_belongs_to_one_console_until_its_lease_runs_out(factory):
    first = acquire(factory, "ticket_notices", "console-a", 120, now=NOW)
    assert first is not None and first.taken_over
    assert acquire(factory, "ticket_notices", "console-b", 120, now=NOW + timedelta(seconds=5)) is None
    renewed = acquire(factory, "ticket_notices", "console-a", 120, now=NOW + timedelta(seconds=60))
    assert renewed is not None and not renewed.taken_over
    assert acquire(factory, "ticket_notices", "console-b", 120, now=NOW + timedelta(seconds=170)) is None

    taken = acquire(factory, "ticket_notices", "console-b", 120, now=NOW + timedelta(seconds=181))
    assert taken is not None and taken.taken_over
    assert acquire(factory, "ticket_notices", "console-a", 120, now=NOW + timedelta(seconds=182)) is None
    assert heartbeats(factory)["ticket_notices"] == NOW + timedelta(seconds=181)


def test_a_console_that_stops_in_order_hands_its_jobs_over_at_once(factory):
    assert acquire(factory, "ticket_deadlines", "console-a", 180, now=NOW)
    release(factory, "ticket_deadlines", "console-a")
    assert acquire(factory, "ticket_deadlines", "console-b", 180, now=NOW + timedelta(seconds=1)).taken_over


def test_consoles_racing_for_a_new_job_get_it_once(factory):
    winners: list[str] = []
    start = threading.Barrier(6)

    def race(holder: str) -> None:
        start.wait()
        if acquire(factory, "nlu_review", holder, 120) is not None:
            winners.append(holder)

    threads = [threading.Thread(target=race, args=(f"console-{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_two_running_consoles_never_both_run_a_round_and_the_second_carries_on_when_the_first_stops(factory, monkeypatch):
    rounds: list[tuple[str, bool]] = []
    refused: list[str] = []  # holders that asked for the lease and did not get it

    def acquire_seen(*args, **kwargs):
        grant = acquire(*args, **kwargs)
        if grant is None:
            refused.append(args[2])
        return grant

    monkeypatch.setattr(watcher, "acquire", acquire_seen)

    def job(holder: str) -> Job:
        async def count(grant) -> None:
            rounds.append((holder, grant.taken_over))

        return Job("handoff_queue", 0.05, count)

    def held_by(holder: str) -> int:
        return sum(1 for h, _ in rounds if h == holder)

    async def two_consoles() -> None:
        first = asyncio.create_task(run_job(factory, "console-a", job("console-a")))
        await wait_until_async(lambda: rounds, timeout=10, message="console A ran no round")  # console A runs first
        second = asyncio.create_task(run_job(factory, "console-b", job("console-b")))
        # Console B must have asked for the lease, and been refused, several times while A kept running
        # rounds: only then does "B ran no round meanwhile" (checked below) say anything.
        await wait_until_async(
            lambda: refused.count("console-b") >= 5 and held_by("console-a") >= 5,
            timeout=10,
            message="console B did not keep asking while console A held the lease",
        )
        first.cancel()  # console A stops in order: it gives the lease up
        await asyncio.gather(first, return_exceptions=True)
        await wait_until_async(
            lambda: held_by("console-b") >= 5,
            timeout=10,
            message="console B did not carry on after console A stopped",
        )
        second.cancel()
        await asyncio.gather(second, return_exceptions=True)

    asyncio.run(two_consoles())
    holders = [holder for holder, _ in rounds]
    switch = holders.index("console-b")
    assert switch >= 5 and set(holders[:switch]) == {"console-a"} and set(holders[switch:]) == {"console-b"}
    assert rounds[0] == ("console-a", True) and rounds[switch] == ("console-b", True)
    assert not any(taken for _, taken in rounds[1:switch] + rounds[switch + 1 :])


def test_a_console_stopped_while_taking_the_lease_still_hands_it_over(factory, monkeypatch):
    """The stop arrives while the lease is being taken in its thread: the release must come after the take,
    or the stopped console would keep the job for a whole lease."""
    taking, go_on = threading.Event(), threading.Event()

    def slow_acquire(*args, **kwargs):
        taking.set()
        go_on.wait(10)
        return acquire(*args, **kwargs)

    monkeypatch.setattr(watcher, "acquire", slow_acquire)

    async def scenario() -> None:
        rounds: list[int] = []
        job = Job("ticket_notices", 0.05, lambda grant: _count(rounds))
        task = asyncio.create_task(run_job(factory, "console-a", job))
        await asyncio.to_thread(taking.wait, 10)
        task.cancel()
        go_on.set()  # the take commits after the stop was asked for
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert acquire(factory, "ticket_notices", "console-b", 60) is not None  # handed over at once


async def _count(rounds: list) -> None:
    rounds.append(1)
