"""The production profile on this machine: two Rasa servers, two action servers and two consoles behind
nginx, sharing Redis and PostgreSQL (``bot/runtime/production.py``)."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.console.rasa_api import RasaApi
from bot.core.db import make_engine, make_session_factory
from bot.core.server_keys import secret_key
from bot.messaging.conversation_ids import conversation_id
from bot.messaging.webchat.sessions import verify
from bot.runtime.production import Replicas, nginx_binary, start_replicas
from bot.tickets.models import Ticket, TicketNotice
from tests.conftest import IN_CI, postgres_schema, require_service
from tests.integration.conftest import handle_ticket, notice_status, ticket_for
from tests.integration.webchat_page import Page, page_text

pytestmark = [pytest.mark.stack, pytest.mark.postgres]

REDIS_DB_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory) -> Iterator[Replicas]:
    require_service("Redis", REDIS_DB_URL, 6379)
    if nginx_binary() is None:
        message = "nginx is not installed (apt-get install nginx)"
        pytest.fail(f"{message}, but CI=true requires it") if IN_CI else pytest.skip(message)
    import redis

    redis.Redis.from_url(REDIS_DB_URL).flushdb()
    tmp = tmp_path_factory.mktemp("replicas")
    with postgres_schema() as database_url:
        env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_DB_URL,
            "RASA_AUTH_TOKEN": uuid.uuid4().hex,
            "HOTLINE_SECRET_KEY": uuid.uuid4().hex,
        }
        running = start_replicas(env, tmp / "logs")
        try:
            yield running
        finally:
            running.stop()
            redis.Redis.from_url(REDIS_DB_URL).flushdb()


def say_to(url: str, token: str, sender: str, message: str) -> list[dict]:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def rasa_urls(replicas: Replicas) -> list[str]:
    return [stack.rasa_url for stack in replicas.stacks]


def test_a_complaint_whose_messages_alternate_between_replicas_keeps_its_form(replicas):
    token, (first, second) = replicas.stacks[0].token, rasa_urls(replicas)
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    assert "在什么地方" in texts(say_to(first, token, citizen, "我要投诉，楼下烧烤店天天半夜吵得人睡不着"))
    assert "怎么称呼" in texts(say_to(second, token, citizen, "人民路12号"))
    assert "联系电话" in texts(say_to(first, token, citizen, "张先生"))
    summary = texts(say_to(second, token, citizen, "13812345678"))
    assert "138****5678" in summary and "人民路12号" in summary and "楼下烧烤店" in summary
    accepted = texts(say_to(replicas.url, token, citizen, "/affirm"))  # and once through the balancer
    assert re.search(r"工单号 TS\d{12}", accepted) and "个工作日内" in accepted


def _conversation(replicas: Replicas, page: Page) -> str:
    session = verify(secret_key(replicas.stacks[0].settings), page.session_id)
    return conversation_id("webchat", session)


def test_a_staff_reply_and_ticket_notices_reach_a_page_on_the_other_replica_once_each(replicas):
    stack = replicas.stacks[0]
    first, second = rasa_urls(replicas)

    async def scenario() -> None:
        page = Page(first)  # the citizen's page is connected to replica 0
        await page.open()
        await page.say("你好")
        conversation = _conversation(replicas, page)

        await RasaApi(second, stack.token).say(conversation, "您好，我是12345工作人员，您的问题已记录。", staff_no="1024")
        reply = await page.collect(first_within=15)
        assert "您的问题已记录" in page_text(reply) and reply[0].get("staff_no") == "1024"

        numbers = [await asyncio.to_thread(ticket_for, stack, "webchat", conversation) for _ in range(6)]
        for number in numbers:  # two consoles run the notice job; each notice must arrive once
            await asyncio.to_thread(handle_ticket, stack, number, "assign", "start")
        statuses = [await asyncio.to_thread(notice_status, stack, number, "accepted", 60) for number in numbers]
        arrived = await page.collect(lambda got: all(f"工单号 {n}" in page_text(got) for n in numbers), first_within=30)
        received = page_text(arrived + await page.caught_up())  # and whatever came twice, however late
        await page.close()
        assert statuses == ["sent"] * len(numbers)
        assert [received.count(f"工单号 {number}") for number in numbers] == [1] * len(numbers)

    asyncio.run(scenario())
    with make_session_factory(make_engine(stack.settings.database_url))() as session:
        attempts = session.scalars(
            select(TicketNotice.attempts).join(Ticket, Ticket.id == TicketNotice.ticket_id).where(TicketNotice.kind == "accepted")
        ).all()
    assert attempts and set(attempts) == {1}
    console_logs = "".join((s.log_dir / "console.log").read_text(encoding="utf-8") for s in replicas.stacks)
    assert console_logs.count("bot.console.notice_job - ticket notice") >= 6  # the console's own lines are kept


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_every_process_is_ready_and_counts_what_it_did_and_the_balancer_hides_the_metrics(replicas):
    for stack in replicas.stacks:
        host = stack.settings.host
        for port in (stack.settings.rasa_port, stack.settings.action_port, stack.settings.console.port):
            status, body = _get(f"http://{host}:{port}/health/ready")
            assert (status, json.loads(body)) == (200, {"ready": True, "problems": {}}), port
    say_to(replicas.stacks[1].rasa_url, replicas.stacks[0].token, f"citizen-{uuid.uuid4().hex[:8]}", "你好")
    status, scraped = _get(f"{replicas.stacks[1].rasa_url}/metrics")
    assert status == 200
    assert float(re.search(r'^hotline_messages_total\{channel="REST"\} (\S+)$', scraped, re.MULTILINE).group(1)) >= 1
    assert re.search(r'^hotline_intents_total\{intent="greet"\} ', scraped, re.MULTILINE)
    assert _get(f"{replicas.url}/metrics")[0] == 404
    import redis

    assert redis.Redis.from_url(REDIS_DB_URL).keys("hotline:sentvec:*")  # sentence vectors shared with the FAQ


def test_killing_a_rasa_replica_mid_conversation_loses_no_acknowledged_message(replicas):
    token = replicas.stacks[0].token
    citizen = f"citizen-{uuid.uuid4().hex[:8]}"
    sent = [f"请问社保卡怎么补办（第{n}次问）" for n in range(1, 9)]
    acknowledged = []
    for n, text in enumerate(sent):
        if n == 3:
            replicas.kill("rasa", 0)
        try:
            if say_to(replicas.url, token, citizen, text):
                acknowledged.append(text)
        except urllib.error.URLError:
            continue
    assert len(acknowledged) >= 7  # at most the one in flight when the replica died may fail

    survivor = replicas.stacks[1]
    request = urllib.request.Request(
        f"{survivor.rasa_url}/conversations/{conversation_id('rest', citizen)}/tracker", headers=survivor.api_headers()
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        events = json.loads(answer.read())["events"]
    said = [e["text"] for e in events if e["event"] == "user"]
    assert [text for text in said if text in acknowledged] == acknowledged
