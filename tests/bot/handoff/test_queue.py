"""The handoff queue on SQLite and the real PostgreSQL: order, places, claims under a race, time-outs."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.db import make_engine, make_session_factory
from bot.core.migrate import upgrade
from bot.handoff.hours import StaffHours
from bot.handoff.queue import MAX_HANDOFFS_PER_HOUR, HandoffQueue, HandoffRequest
from bot.staff.accounts import create_user

NOON_BEIJING = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def queue(database_url) -> HandoffQueue:
    upgrade(database_url)
    factory = make_session_factory(make_engine(database_url))
    return HandoffQueue(factory, StaffHours.parse("08:00-20:00"), timedelta(minutes=3), minutes_per_citizen=3)


def _request(conversation: str, reason: str = "citizen_asked") -> HandoffRequest:
    return HandoffRequest(conversation, "webchat", reason, {"intent": "consult"})


def _agents(queue: HandoffQueue, count: int):
    return [
        create_user(queue.factory, username=f"agent{i}", staff_no=f"10{i:02d}", role="agent", password="correct-horse-42").actor
        for i in range(count)
    ]


def test_citizens_are_told_their_place_and_an_expected_wait(queue):
    first = queue.request(_request("a"), now=NOON_BEIJING)
    second = queue.request(_request("b"), now=NOON_BEIJING)
    assert (first.position, first.expected_minutes) == (1, 3)
    assert (second.position, second.expected_minutes) == (2, 6)


def test_asking_again_while_waiting_keeps_the_same_place(queue):
    first = queue.request(_request("a"), now=NOON_BEIJING)
    queue.request(_request("b"), now=NOON_BEIJING)
    again = queue.request(_request("a"), now=NOON_BEIJING)
    assert again.handoff_id == first.handoff_id and again.position == 1
    assert len(queue.waiting()) == 2


def test_outside_staff_hours_the_request_is_recorded_but_not_queued(queue):
    night = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)  # 22:00 in Beijing
    admission = queue.request(_request("a"), now=night)
    assert not admission.queued and queue.waiting() == []
    assert queue.get(admission.handoff_id).end_reason == "outside_hours"


def test_an_unknown_reason_is_a_programming_error(queue):
    with pytest.raises(ValueError):
        queue.request(_request("a", reason="bored"), now=NOON_BEIJING)


@pytest.mark.postgres
def test_ten_agents_claiming_the_same_conversation_at_once_exactly_one_wins(queue):
    handoff = queue.request(_request("a"), now=NOON_BEIJING).handoff_id
    agents = _agents(queue, 10)
    start, results = threading.Barrier(len(agents)), []

    def claim(actor):
        start.wait()
        results.append((actor.user_id, queue.claim(handoff, actor)))

    threads = [threading.Thread(target=claim, args=(a,)) for a in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [user for user, won in results if won]
    assert len(results) == 10 and len(winners) == 1
    assert queue.get(handoff).claimed_by == winners[0]


def test_only_the_holder_or_a_supervisor_hands_back(queue):
    holder, other = _agents(queue, 2)
    handoff = queue.request(_request("a"), now=NOON_BEIJING).handoff_id
    assert queue.claim(handoff, holder)
    assert not queue.hand_back(handoff, other)
    assert queue.hand_back(handoff, holder)
    assert queue.get(handoff).status == "returned"


def test_unclaimed_conversations_time_out_and_go_when_staff_go_off_duty(queue):
    a = queue.request(_request("a"), now=NOON_BEIJING).handoff_id
    assert queue.overdue(now=NOON_BEIJING + timedelta(minutes=2)) == []
    assert [(h.id, why) for h, why in queue.overdue(now=NOON_BEIJING + timedelta(minutes=3))] == [(a, "timeout")]
    evening = datetime(2026, 12, 1, 12, 0, 30, tzinfo=timezone.utc)  # 20:00:30 in Beijing
    assert [why for _, why in queue.overdue(now=evening)] == ["hours_ended"]
    assert queue.give_up(a, "timeout") and not queue.give_up(a, "timeout")


def test_the_expected_wait_learns_from_recent_claims(queue):
    agent = _agents(queue, 1)[0]
    for name in "abc":
        handoff = queue.request(_request(name), now=NOON_BEIJING).handoff_id
        queue.claim(handoff, agent, now=NOON_BEIJING + timedelta(minutes=1))
    assert queue.expected_minutes(2, now=NOON_BEIJING + timedelta(minutes=2)) == 2  # 1 minute per place


def test_places_are_reported_once_when_they_change(queue):
    agent = _agents(queue, 1)[0]
    a = queue.request(_request("a"), now=NOON_BEIJING).handoff_id
    b = queue.request(_request("b"), now=NOON_BEIJING).handoff_id
    assert queue.moved_places() == []
    queue.claim(a, agent)
    assert [(h.id, p) for h, p in queue.moved_places()] == [(b, 1)]
    assert queue.moved_places() == []


def test_a_conversation_asks_for_a_person_at_most_five_times_an_hour(queue):
    for minute in range(MAX_HANDOFFS_PER_HOUR):
        admission = queue.request(_request("script"), now=NOON_BEIJING + timedelta(minutes=minute))
        assert admission.queued and not admission.throttled
        assert queue.give_up(admission.handoff_id, "timeout")
    refused = queue.request(_request("script"), now=NOON_BEIJING + timedelta(minutes=10))
    assert refused.throttled and not refused.queued
    assert queue.request(_request("someone-else"), now=NOON_BEIJING + timedelta(minutes=10)).queued
    assert queue.request(_request("script"), now=NOON_BEIJING + timedelta(minutes=61)).queued
