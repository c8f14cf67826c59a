"""Same-source appeals (同源诉求) at ticket creation, with the real sentence encoder, on SQLite and
PostgreSQL: the citizen's ticket is always made; it joins the group of an open ticket about the same
matter and takes its department; near misses (same street, other problem; same problem, other street),
closed tickets and tickets older than the window stay apart."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.core.config import Deadlines, SameSourceRules, load_settings
from bot.core.db import transaction
from bot.faq.semantic import UniversalSentenceEncoder
from bot.tickets.models import Ticket, TicketGroup
from bot.tickets.same_source import Appeal, SameSourceLinker, place_key, place_similarity
from bot.tickets.service import TicketDesk, TicketDraft
from bot.tickets.workdays import WorkingCalendar

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
BURST = ("文三路学院路口水管爆了，水漫到马路上，车都开不过去", "杭州市西湖区文三路与学院路交叉口")


@pytest.fixture(scope="module")
def encoder():
    return UniversalSentenceEncoder(threads=1)


@pytest.fixture
def desk(factory, encoder):
    return TicketDesk(factory, WorkingCalendar(), Deadlines(), linker=SameSourceLinker(encoder, SameSourceRules()))


def _draft(key: str, description: str, place: str, category: str = "complaint") -> TicketDraft:
    return TicketDraft(
        category=category,
        fields={"case_description": description, "case_location": place},
        channel="webchat",
        conversation_id=f"citizen-{key}",
        submission_key=key,
        phone="13812345678",
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("杭州市西湖区文三路与学院路交叉口", "学院路文三路口"),
        ("翠苑一区12幢", "翠苑1区十二栋"),
        ("文三路那个加油站旁边", "西湖区文三路加油站"),
    ],
)
def test_the_same_place_written_differently_agrees(a, b):
    assert place_similarity(a, b) == 1.0


@pytest.mark.parametrize(("a", "b"), [("文三路", "莫干山路"), ("翠苑一区", "翠苑三区"), ("", "文三路")])
def test_different_places_do_not(a, b):
    assert place_similarity(a, b) < 0.5


def test_place_keys_drop_prefixes_fillers_and_chinese_numerals():
    assert place_key("浙江省杭州市西湖区翠苑一区十二栋 门口") == "翠苑1区12幢"


def test_a_second_citizen_reporting_the_same_burst_main_joins_the_group_and_its_department(desk, factory):
    first = desk.create(_draft("a", *BURST), now=NOW)
    second = desk.create(
        _draft("b", "学院路和文三路路口自来水管破裂，路面全是水", "学院路文三路口", category="report"),
        now=NOW + timedelta(hours=2),
    )
    assert (first.same_source, second.same_source) == (0, 1)
    assert second.department == first.department and second.new
    third = desk.create(_draft("c", "文三路学院路口的水管还在往外冒水，没人来修", "文三路学院路口"), now=NOW + timedelta(hours=3))
    assert third.same_source == 2
    with factory() as session:
        groups = session.execute(select(Ticket.number, Ticket.group_id).order_by(Ticket.id)).all()
        assert len({group for _, group in groups}) == 1 and groups[0][1] is not None
        assert session.scalar(select(TicketGroup.place)) == BURST[1]
    again = desk.create(
        _draft("b", "学院路和文三路路口自来水管破裂，路面全是水", "学院路文三路口", category="report"),
        now=NOW + timedelta(hours=4),
    )
    assert again.number == second.number and not again.new and again.same_source == 2


def test_near_misses_closed_tickets_and_old_ones_stay_apart(desk, factory):
    first = desk.create(_draft("a", *BURST), now=NOW)
    near_misses = [
        _draft("street", "文三路上那家烧烤店油烟太大，熏得家里没法开窗", "文三路128号"),  # same street, other problem
        _draft("place", "莫干山路文一路口水管爆裂，水漫了一地", "莫干山路与文一路交叉口"),  # same problem, other street
        _draft("question", "文三路学院路口的水管爆了什么时候能修好", "文三路学院路口", category="consultation"),
    ]
    for draft in near_misses:
        assert desk.create(draft, now=NOW + timedelta(hours=1)).same_source == 0, draft.submission_key
    with transaction(factory) as session:
        session.execute(update(Ticket).where(Ticket.number == first.number).values(status="closed"))
    assert (
        desk.create(_draft("after-closing", "文三路学院路口又爆管了", "文三路学院路口"), now=NOW + timedelta(hours=5)).same_source
        == 0
    )
    late = desk.create(_draft("late", "文三路学院路口水管破了，一直在漏水", "文三路学院路口"), now=NOW + timedelta(days=9))
    assert late.same_source == 0  # the one open ticket of that matter was accepted 9 days before (window: 7)
    with factory() as session:
        assert session.scalar(select(TicketGroup.id)) is None


def test_a_deployment_can_switch_linking_off():
    assert SameSourceLinker.for_settings(load_settings({"SAME_SOURCE": "off"}).same_source) is None
    assert load_settings({"SAME_SOURCE_DAYS": "3"}).same_source.days == 3
    with pytest.raises(Exception, match="SAME_SOURCE_TEXT_SIMILARITY"):
        load_settings({"SAME_SOURCE_TEXT_SIMILARITY": "1.5"})


def test_an_appeal_without_a_place_is_never_linked(encoder):
    linker = SameSourceLinker(encoder, SameSourceRules())
    assert not linker.verdict(Appeal(BURST[0], ""), Appeal(BURST[0], BURST[1])).same
