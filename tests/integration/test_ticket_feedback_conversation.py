"""Feedback on the running assistant's web chat: a citizen who closed the page finds the notice when
they come back; with the page open, the reply arrives at once; "还是没解决" goes onto the ticket; the
closing asks for a rating, and 不满意 with a comment reopens the ticket for review."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.tickets.models import Ticket, TicketEvent, TicketRating
from tests.integration.conftest import handle_ticket, notice_status, stack_database, ticket_for
from tests.integration.webchat_page import Page
from tests.integration.webchat_page import page_text as _text
from tests.support.polling import wait_until

pytestmark = pytest.mark.stack


async def _complaint(page: Page) -> str:
    await page.say("我要投诉，楼下烧烤店天天半夜吵得人睡不着")
    for answer in ("人民路12号", "张先生", "13812345678"):  # what, when and who came with the first message
        await page.say(answer)
    return re.search(r"工单号 (TS\d{12})", _text(await page.say("/affirm"))).group(1)


def test_notices_reach_the_web_chat_now_or_on_return_and_the_citizen_answers_them(stack):
    async def scenario() -> None:
        page = Page(stack.rasa_url)
        await page.open()
        number = await _complaint(page)
        await page.close()

        await asyncio.to_thread(handle_ticket, stack, number, "assign", "start")
        assert await asyncio.to_thread(notice_status, stack, number, "accepted") == "held"
        waiting = _text(await page.open())  # the citizen comes back to the page
        assert f"工单号 {number}" in waiting and "已由住房和城乡建设局受理" in waiting

        await asyncio.to_thread(handle_ticket, stack, number, "reply")
        assert await asyncio.to_thread(notice_status, stack, number, "replied") == "sent"
        replied = _text(await page.collect(lambda got: "已联系商家整改" in _text(got) and "还是没解决" in _text(got)))
        assert "已联系商家整改" in replied and "还是没解决" in replied
        attached = _text(await page.say("还是没解决，昨晚还是吵到两点"))
        assert f"已把您的反馈附到工单 {number}" in attached

        await asyncio.to_thread(handle_ticket, stack, number, "close")
        closing = await page.collect(lambda got: got and got[-1].get("quick_replies"))  # the rating buttons come last
        assert [b["title"] for b in closing[-1]["quick_replies"]] == ["满意", "基本满意", "不满意"]
        asked = _text(await page.say(closing[-1]["quick_replies"][2]["payload"]))
        assert "请说说哪里不满意" in asked
        assert "意见已记录" in _text(await page.say("烧烤店只是白天关门，晚上照样营业"))
        await page.close()

        with stack_database(stack)() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number))
            rating = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id))
            followups = session.scalars(
                select(TicketEvent.detail).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "citizen_followup")
            ).all()
        assert (ticket.status, ticket.attention) == ("review", "dissatisfied")
        assert (rating.rating, rating.comment) == ("dissatisfied", "烧烤店只是白天关门，晚上照样营业")
        assert followups == [{"text": "还是没解决，昨晚还是吵到两点"}]

    asyncio.run(scenario())


def _waiting_reason(stack, number: str, timeout: float = 30.0) -> str:
    """Why the accepted notice about ``number`` waits, once the console's job has looked at it."""
    from bot.tickets.models import TicketNotice

    def reason() -> str | None:
        with stack_database(stack)() as session:
            notice = session.scalar(
                select(TicketNotice)
                .join(Ticket, Ticket.id == TicketNotice.ticket_id)
                .where(Ticket.number == number, TicketNotice.kind == "accepted")
            )
            if notice is not None and notice.status == "pending" and notice.not_before is not None:
                return notice.reason
        return None

    return wait_until(
        reason, timeout=timeout, interval=0.2, message=f"the notice about {number} was not held back in {timeout} s"
    )


def test_a_notice_that_comes_while_the_citizen_fills_in_a_form_waits_until_the_form_ends(stack):
    async def scenario() -> None:
        page = Page(stack.rasa_url)
        await page.open()
        number = await _complaint(page)
        asked = _text(await page.say("我要投诉"))  # a second complaint: its form asks what happened
        assert "工单号" not in asked
        await asyncio.to_thread(handle_ticket, stack, number, "assign", "start")
        assert "填写表单" in await asyncio.to_thread(_waiting_reason, stack, number)
        # The console's job has dealt with the notice (held it back, above), and the page has everything
        # the server sent it so far: the notice is not among it.
        assert "已由住房和城乡建设局受理" not in _text(await page.caught_up())
        left = await page.say("/cancel")  # the citizen leaves the form
        assert await asyncio.to_thread(notice_status, stack, number, "accepted", 60.0) == "sent"
        later = await page.collect(lambda got: "已由住房和城乡建设局受理" in _text(left + got))
        arrived = _text(left + later)  # from the end of the form on (it may come right behind that answer)
        assert f"工单号 {number}" in arrived and "已由住房和城乡建设局受理" in arrived
        await page.close()

    asyncio.run(scenario())


def test_still_not_solved_with_no_notice_before_goes_on_the_ticket_the_citizen_picks(stack):
    async def scenario() -> None:
        page = Page(stack.rasa_url)
        await page.open()
        first = await _complaint(page)
        with stack_database(stack)() as session:
            conversation = session.scalar(select(Ticket.conversation_id).where(Ticket.number == first))
        second = await asyncio.to_thread(ticket_for, stack, "webchat", conversation)  # from the same citizen
        asked = await page.say("还是没解决，昨晚还是吵到两点")
        assert "是哪一件还没解决" in _text(asked)
        choices = asked[-1]["quick_replies"]
        assert [c["title"].split("（")[0] for c in choices[:2]] == [second, first]
        attached = _text(await page.say(choices[1]["payload"]))
        assert f"已把您的反馈附到工单 {first}" in attached
        await page.close()
        with stack_database(stack)() as session:
            followups = session.execute(
                select(Ticket.number, TicketEvent.detail)
                .join(Ticket, Ticket.id == TicketEvent.ticket_id)
                .where(TicketEvent.kind == "citizen_followup", Ticket.number.in_([first, second]))
            ).all()
        assert followups == [(first, {"text": "还是没解决，昨晚还是吵到两点"})]

    asyncio.run(scenario())
