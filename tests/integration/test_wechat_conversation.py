"""WeChat end to end: real-format XML (safe mode, AES) into the running assistant, a report form
completed with a shared location and a photo, a retried submission making one ticket, and a staff
reply during a handoff reaching the citizen through the (stand-in) customer-service API."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import urllib.request
import uuid
from urllib.parse import urlencode

import pytest
import yaml
from sqlalchemy import select

from bot.console.rasa_api import RasaApi
from bot.core.config import PROJECT_ROOT
from bot.messaging.conversation_ids import conversation_id
from bot.runtime.runner import own_environment, start_stack
from bot.tickets.models import Ticket, TicketEvent
from scripts.wechat_simulator import WeChatServer, message_xml
from tests.integration.conftest import handle_ticket, notice_status, stack_database, ticket_for, tracker
from tests.support.fake_wechat_api import FakeWeChatApi
from tests.support.polling import wait_until

pytestmark = pytest.mark.stack
TOKEN, APP_ID = "integration-token", "wx00000000000000aa"
AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"


@pytest.fixture(scope="module")
def wechat_stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wechat")
    api = FakeWeChatApi().start()
    credentials = tmp / "credentials.yml"
    credentials.write_text(
        yaml.safe_dump(
            {
                "channels.rest.AuthenticatedRestInput": None,
                "channels.wechat.WeChatInput": {
                    "token": TOKEN,
                    "app_id": APP_ID,
                    "app_secret": "s3cret",
                    "encoding_aes_key": AES_KEY,
                    "mode": "safe",
                    "api_base": api.url,
                },
            }
        ),
        encoding="utf-8",
    )
    env = own_environment(tmp)
    stack = start_stack(env, tmp / "logs", credentials=credentials)
    yield stack, api
    stack.stop()
    api.stop()


def _squashed(text: str) -> str:
    return "".join(text.split())  # the channel joins and splits messages at blank lines and line ends


class Citizen:
    """One WeChat user talking to the running assistant as WeChat's server would deliver it."""

    def __init__(self, stack, api) -> None:
        self.openid = f"o{uuid.uuid4().hex[:27]}"
        self.url = f"{stack.rasa_url}/webhooks/wechat/webhook"
        self.api, self.server = api, WeChatServer(TOKEN, "safe", APP_ID, AES_KEY)
        self.stack, self.conversation = stack, conversation_id("wechat", self.openid)
        self.sent: set[str] = set()

    def send(self, line: str, msg_id: str | None = None) -> str:
        """What the citizen reads after ``line`` (the passive reply, and what arrives through the API),
        once everything the bot said in this turn has reached them. A ``msg_id`` sent before is WeChat
        retrying: the assistant does not process it again."""
        retry = msg_id in self.sent
        pushed_before, said_before = len(self.api.texts_to(self.openid)), len(self._events("user"))
        msg_id = msg_id or self.server.next_msg_id()
        self.sent.add(msg_id)
        params, body = self.server.request(message_xml(self.openid, line, msg_id))
        request = urllib.request.Request(f"{self.url}?{urlencode(params)}", data=body)
        with urllib.request.urlopen(request, timeout=10) as answer:
            passive = self.server.reply_text(answer.read().decode(), params)

        def read() -> str:
            return "\n".join([passive or "", *self.api.texts_to(self.openid)[pushed_before:]])

        if not retry:  # the message is in the conversation (WeChat may have been answered before the turn ended)
            wait_until(lambda: len(self._events("user")) > said_before, timeout=60, message=f"{line!r} not processed")
        # The bot's messages of the turn: what did not fit the passive reply (or was not ready in time)
        # comes through the customer-service API afterwards.
        said = [_squashed(event["text"]) for event in self._events("bot", since_last="user") if event.get("text")]
        wait_until(
            lambda: all(text in _squashed(read()) for text in said),
            timeout=30,
            message=f"not everything the bot said reached the citizen: {said} / {read()!r}",
        )
        return read()

    def _events(self, kind: str, since_last: str | None = None) -> list[dict]:
        """The conversation's events of ``kind`` (only those after its last ``since_last`` event)."""
        if not self.sent:
            return []  # no conversation yet (reading its tracker would start one)
        events = tracker(self.stack, self.conversation)["events"]
        if since_last is not None:
            starts = [i for i, event in enumerate(events) if event["event"] == since_last]
            events = events[starts[-1] + 1 :] if starts else events
        return [event for event in events if event["event"] == kind]


def test_a_report_with_a_location_and_a_photo_retried_at_submission_makes_one_ticket(wechat_stack):
    stack, api = wechat_stack
    citizen = Citizen(stack, api)
    assert "举报的是谁" in citizen.send("我要举报，有人夜里偷偷往河里排污水")
    assert "在什么地方" in citizen.send("镇东头那家化工厂")
    assert "什么时候" in citizen.send(":location 青山镇红星村河边")
    assert "证据" in citizen.send("上周五晚上")
    anonymous = citizen.send(":image")
    assert "1. 匿名举报" in anonymous
    summary = citizen.send("1")
    assert "青山镇红星村河边" in summary and "微信素材" in summary and "1. " in summary
    confirm_id = citizen.server.next_msg_id()
    accepted = citizen.send("1", msg_id=confirm_id)
    number = re.search(r"工单号 (JB\d{12})", accepted).group(1)
    again = citizen.send("1", msg_id=confirm_id)  # WeChat retried the same message
    assert number in again
    with stack_database(stack)() as session:
        tickets = session.scalars(select(Ticket).where(Ticket.conversation_id == conversation_id("wechat", citizen.openid))).all()
    assert [t.number for t in tickets] == [number]
    assert tickets[0].fields["case_location"].startswith("青山镇红星村河边")


def test_a_staff_reply_during_a_handoff_reaches_the_citizen_on_wechat(wechat_stack):
    stack, api = wechat_stack
    citizen = Citizen(stack, api)
    assert "已为您转接人工客服" in citizen.send("转人工")
    asyncio.run(
        RasaApi(stack.rasa_url, stack.token).say(
            conversation_id("wechat", citizen.openid), "您好，工号 1024 为您服务。", staff_no="1024"
        )
    )
    assert api.texts_to(citizen.openid)[-1] == "您好，工号 1024 为您服务。"
    # paused: the bot stays silent (send returns once the message is in the conversation, with no answer in it)
    assert citizen.send("我家门口的路灯坏了") == ""


def test_notices_reach_wechat_the_answer_is_attached_and_a_closed_window_is_called_back(wechat_stack):
    stack, api = wechat_stack
    citizen = Citizen(stack, api)
    citizen.send("你好")
    number = ticket_for(stack, "wechat", conversation_id("wechat", citizen.openid))
    handle_ticket(stack, number, "assign", "start", "reply")
    assert notice_status(stack, number, "accepted") == "sent" and notice_status(stack, number, "replied") == "sent"
    pushed = "\n".join(api.texts_to(citizen.openid))
    assert f"工单号 {number}" in pushed and "已由住房和城乡建设局受理" in pushed and "已联系商家整改" in pushed
    assert f"已把您的反馈附到工单 {number}" in citizen.send("还是没解决")
    with stack_database(stack)() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        kinds = session.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket.id)).all()
    assert ticket.attention == "citizen_followup" and "citizen_followup" in kinds
    api.window_closed.add(citizen.openid)  # 48 hours without a message from the citizen
    handle_ticket(stack, number, "close")
    assert notice_status(stack, number, "closed") == "undelivered"


def test_the_simulator_plays_wechats_server_against_the_running_assistant(wechat_stack, tmp_path):
    stack, api = wechat_stack
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        yaml.safe_dump(
            {
                "channels.wechat.WeChatInput": {
                    "token": TOKEN,
                    "app_id": APP_ID,
                    "app_secret": "s3cret",
                    "encoding_aes_key": AES_KEY,
                    "mode": "safe",
                }
            }
        )
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.wechat_simulator",
            "--url",
            f"{stack.rasa_url}/webhooks/wechat/webhook",
            "--credentials",
            str(credentials),
            "--api-port",
            "0",
            "--openid",
            f"o{uuid.uuid4().hex[:12]}",
        ],
        input=":subscribe\n转人工\n:quit\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
    )
    assert run.returncode == 0, run.stderr
    replies = [line for line in run.stdout.splitlines() if "[reply]" in line]
    assert stack.settings.profile.name in replies[0] and "已为您转接人工客服" in replies[1]
