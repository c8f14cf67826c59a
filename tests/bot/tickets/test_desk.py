"""Creating and looking up tickets on SQLite and PostgreSQL."""

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot.core.config import Deadlines
from bot.core.db import make_engine, make_session_factory, transaction
from bot.core.migrate import upgrade
from bot.tickets.models import Ticket, TicketContact, TicketSequence
from bot.tickets.numbering import normalize_number
from bot.tickets.service import MAX_TICKETS_PER_DAY, TicketDesk, TicketDraft, TicketLimitReached
from bot.tickets.workdays import WorkingCalendar

SATURDAY = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing


@pytest.fixture
def desk(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield TicketDesk(make_session_factory(engine), WorkingCalendar(), Deadlines())
    engine.dispose()


def _complaint(key="conv-1:1", text="XX路的餐馆每天半夜噪音扰民", **changes):
    values = dict(
        category="complaint",
        fields={"description": text, "location": "XX路"},
        channel="webchat",
        conversation_id="conv-1",
        submission_key=key,
        name="张三",
        phone="13812345678",
    )
    return TicketDraft(**{**values, **changes})


def test_a_complaint_gets_a_readable_number_a_department_and_the_working_day_deadline(desk):
    created = desk.create(_complaint(), now=SATURDAY)
    assert created.number == "TS202611280001" and created.new
    assert (created.due, created.working_days, created.deadline_certain) == (date(2026, 12, 3), 3, True)
    assert created.department == "公安局" and not created.is_major
    assert desk.create(_complaint(key="conv-1:2", text="小区物业不修电梯"), now=SATURDAY).number == "TS202611280002"


def test_contact_is_kept_apart_from_the_content(desk):
    created = desk.create(_complaint(), now=SATURDAY)
    with transaction(desk.factory) as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == created.number))
        contact = session.get(TicketContact, ticket.id)
        assert "13812345678" not in str(ticket.fields) and "张三" not in str(ticket.fields)
        assert (contact.name, contact.phone) == ("张三", "13812345678")


def test_a_repeated_submission_creates_one_ticket(desk):
    first = desk.create(_complaint(), now=SATURDAY)
    again = desk.create(_complaint(), now=SATURDAY)
    assert again.number == first.number and not again.new
    with transaction(desk.factory) as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_concurrent_submissions_get_distinct_numbers(desk):
    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(lambda i: desk.create(_complaint(key=f"k{i}"), now=SATURDAY).number, range(8)))
    assert sorted(numbers) == [f"TS20261128{i:04d}" for i in range(1, 9)]


def test_major_complaints_by_rule_and_by_repetition_get_five_days_and_a_reason(desk):
    danger = desk.create(_complaint(key="a", text="小区门口井盖丢了，老人孩子掉下去有生命危险"), now=SATURDAY)
    assert danger.is_major and danger.working_days == 5 and danger.due == date(2026, 12, 7)
    with transaction(desk.factory) as session:
        reason = session.scalar(select(Ticket.major_reason).where(Ticket.number == danger.number))
    assert "危及生命" in reason and "弱势群体" in reason
    desk.create(_complaint(key="b", text="楼下KTV半夜唱歌扰民"), now=SATURDAY)
    repeat = desk.create(_complaint(key="c", text="还是那家KTV半夜唱歌扰民"), now=SATURDAY)
    assert repeat.is_major


def test_unknown_topics_wait_for_staff_and_reports_take_ten_days(desk):
    created = desk.create(
        TicketDraft(
            category="report",
            fields={"facts": "有人冒充工作人员上门"},
            channel="webchat",
            conversation_id="c2",
            submission_key="r1",
            anonymous=True,
        ),
        now=SATURDAY,
    )
    assert created.department is None and created.working_days == 10 and created.number.startswith("JB")
    assert created.lookup_code and len(created.lookup_code) == 8
    with transaction(desk.factory) as session:
        assert session.scalar(select(Ticket.status).where(Ticket.number == created.number)) == "unassigned"


def test_look_up_needs_the_whole_phone_number_and_says_nothing_otherwise(desk):
    created = desk.create(_complaint(), now=SATURDAY)
    view = desk.look_up(created.number.lower(), "+86 138-1234-5678", now=SATURDAY).view
    assert view.labels == {"category": "投诉", "status": "已派单"} and view.due == date(2026, 12, 3)
    assert desk.look_up(created.number, "5678", now=SATURDAY).view is None  # the digits staff see are not enough
    assert desk.look_up(created.number, "", now=SATURDAY).view is None
    assert desk.look_up("TS202611289999", "13812345678", now=SATURDAY).view is None
    assert desk.look_up("'; DROP TABLE tickets; --", "13812345678", now=SATURDAY).view is None


def test_five_wrong_checks_lock_a_ticket_until_the_next_day_whoever_tries(desk):
    created = desk.create(_complaint(), now=SATURDAY)
    lefts = [desk.look_up(created.number, f"1390000000{i}", now=SATURDAY).attempts.left for i in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    locked = desk.look_up(created.number, "13812345678", now=SATURDAY)  # even the right check, that day
    assert locked.view is None and locked.locked
    assert desk.look_up(created.number, "13812345678", now=SATURDAY + timedelta(days=1)).view is not None


def test_anonymous_reports_are_looked_up_with_their_one_time_code(desk):
    draft = TicketDraft(
        category="report",
        fields={"facts": "工厂夜里偷排污水"},
        channel="webchat",
        conversation_id="c3",
        submission_key="r2",
        anonymous=True,
        name="李四",
        phone="13900001111",
    )
    created = desk.create(draft, now=SATURDAY)
    assert desk.look_up(created.number, created.lookup_code.lower(), now=SATURDAY).view.labels["category"] == "举报"
    assert desk.look_up(created.number, "13900001111", now=SATURDAY).view is None  # no phone was kept
    retried = desk.create(draft, now=SATURDAY)  # the first answer got lost: a new code, the old one void
    assert retried.number == created.number and retried.lookup_code != created.lookup_code
    assert desk.look_up(created.number, created.lookup_code, now=SATURDAY).view is None
    assert desk.look_up(created.number, retried.lookup_code, now=SATURDAY).view is not None


def test_my_tickets_are_those_of_the_same_channel_user(desk):
    desk.create(_complaint(key="x1"), now=SATURDAY)
    desk.create(_complaint(key="x2", conversation_id="someone-else"), now=SATURDAY)
    assert [t.number for t in desk.tickets_of(channel="webchat", conversation_id="conv-1")] == ["TS202611280001"]


def test_ticket_numbers_are_read_back_from_what_citizens_type():
    assert normalize_number(" ts 2026-1128 0007 ") == "TS202611280007"
    assert normalize_number("TS2026112800") == ""


def test_tickets_from_before_conversation_ids_carried_their_channel_still_belong_to_the_citizen(desk):
    desk.create(_complaint(key="old-wx", channel="wechat", conversation_id="oUpF8uMuAJO"), now=SATURDAY)
    desk.create(_complaint(key="old-web", channel="webchat", conversation_id="4f2a9c"), now=SATURDAY)
    assert len(desk.tickets_of(channel="wechat", conversation_id="wx:oUpF8uMuAJO")) == 1  # the platform's own id
    assert desk.tickets_of(channel="webchat", conversation_id="web:4f2a9c") == []  # browsers chose those: never linked


def test_anonymous_codes_are_stored_keyed_and_codes_from_before_still_work(desk):
    keyed = TicketDesk(desk.factory, desk.calendar, desk.deadlines, code_key="server-key")
    draft = TicketDraft(
        category="report",
        fields={"facts": "有人夜里偷倒渣土"},
        channel="webchat",
        conversation_id="c4",
        submission_key="r4",
        anonymous=True,
    )
    created = keyed.create(draft, now=SATURDAY)
    with transaction(keyed.factory) as session:
        stored = session.scalar(select(TicketContact.lookup_code_hash))
        assert stored != hashlib.sha256(created.lookup_code.encode()).hexdigest()  # not an unkeyed digest
        session.execute(update(TicketContact).values(lookup_code_hash=hashlib.sha256(b"ABCD2345").hexdigest()))
    assert keyed.look_up(created.number, "abcd2345", now=SATURDAY).view is not None  # given before the upgrade
    assert desk.look_up(created.number, "ABCD2345", now=SATURDAY).view is None  # re-keyed: another key fails
    assert keyed.look_up(created.number, "ABCD2345", now=SATURDAY).view is not None


def test_a_conversation_takes_down_at_most_ten_tickets_a_day_staff_are_not_limited(desk):
    for n in range(MAX_TICKETS_PER_DAY):
        desk.create(_complaint(key=f"k{n}"), now=SATURDAY)
    with pytest.raises(TicketLimitReached):
        desk.create(_complaint(key="one-more"), now=SATURDAY)
    assert desk.create(_complaint(key="by-staff", created_by="staff:1001"), now=SATURDAY).new
    assert desk.create(_complaint(key="next-day"), now=SATURDAY + timedelta(days=1, minutes=1)).new
    assert desk.create(_complaint(key="k3"), now=SATURDAY).number  # a retry of an accepted one still answers


def test_numbers_go_on_past_9999_a_day_and_are_read_back(desk):
    with transaction(desk.factory) as session:
        session.add(TicketSequence(prefix="TS", day="20261128", last=9999))
    number = desk.create(_complaint(), now=SATURDAY).number
    assert number == "TS2026112810000" and normalize_number(number.lower()) == number
