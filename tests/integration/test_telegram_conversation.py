"""Telegram end to end: real-format updates into the running assistant, a complaint completed with
a shared venue, the shared phone number and button presses; a staff reply during a handoff; ticket
notices and the rating buttons, and a blocked chat marked for a call-back; the webhook command
against the stand-in Bot API."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import urllib.request

import pytest
import yaml
from sqlalchemy import select

from bot.console.rasa_api import RasaApi
from bot.core.config import PROJECT_ROOT
from bot.messaging.conversation_ids import conversation_id
from bot.runtime.runner import own_environment, start_stack
from bot.tickets.models import Ticket, TicketContact, TicketRating
from tests.integration.conftest import handle_ticket, notice_status, stack_database, ticket_for
from tests.support.fake_telegram_api import FakeTelegramApi

pytestmark = pytest.mark.stack
TOKEN, SECRET = "7000000002:AAH-integration-token", "integration-secret"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "telegram"


@pytest.fixture(scope="module")
def telegram_stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("telegram")
    api = FakeTelegramApi(TOKEN).start()
    credentials = tmp / "credentials.yml"
    credentials.write_text(
        yaml.safe_dump(
            {
                "channels.rest.AuthenticatedRestInput": None,
                "channels.telegram.TelegramInput": {"token": TOKEN, "webhook_secret": SECRET, "api_base": api.base_url},
            }
        ),
        encoding="utf-8",
    )
    stack = start_stack(own_environment(tmp), tmp / "logs", credentials=credentials)
    yield stack, api, credentials
    stack.stop()
    api.stop()


class Citizen:
    """A Telegram user; each call posts an update as Telegram would and returns what the bot sent."""

    _next_update = [820000000]

    def __init__(self, stack, api, chat_id: int) -> None:
        self.url, self.api, self.chat_id = f"{stack.rasa_url}/webhooks/telegram/webhook", api, chat_id

    def _post(self, update: dict) -> list[dict]:
        before = len(self.api.sent_to(self.chat_id))
        self._next_update[0] += 1
        update["update_id"] = self._next_update[0]
        request = urllib.request.Request(
            self.url,
            data=json.dumps(update, ensure_ascii=False).encode(),
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )
        # The webhook answers once the turn is processed: by then the channel has sent every message of
        # it to the Bot API (the stand-in records each before answering), so there is nothing to wait for.
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
        return self.api.sent_to(self.chat_id)[before:]

    def _fixture(self, name: str) -> dict:
        update = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        for part in ("message", "callback_query"):
            if part in update:
                holder = update[part] if part == "message" else update[part]["message"]
                holder["chat"]["id"] = self.chat_id
                (update[part]["from"])["id"] = self.chat_id
        if "message" in update and "contact" in update["message"]:
            update["message"]["contact"]["user_id"] = self.chat_id
        return update

    def say(self, text: str) -> list[dict]:
        update = self._fixture("message_text")
        update["message"]["text"] = text
        return self._post(update)

    def share(self, name: str) -> list[dict]:
        return self._post(self._fixture(name))

    def press(self, sent: dict, title: str) -> list[dict]:
        button = next(b[0] for b in sent["reply_markup"]["inline_keyboard"] if b[0]["text"] == title)
        update = self._fixture("callback_query")
        update["callback_query"]["data"] = button["callback_data"]
        return self._post(update)


def _texts(sent: list[dict]) -> str:
    return "\n".join(s["text"] for s in sent)


def test_a_complaint_with_a_shared_venue_and_phone_number_and_button_presses_makes_a_ticket(telegram_stack):
    stack, api, _ = telegram_stack
    citizen = Citizen(stack, api, 610000001)
    assert "在什么地方" in _texts(citizen.say("我要投诉，楼下烧烤店天天半夜吵得人睡不着"))
    assert "怎么称呼" in _texts(citizen.share("venue"))  # 楼下烧烤店 was named in the first message
    asked = citizen.say("王先生")
    assert "联系电话" in _texts(asked) and asked[-1]["reply_markup"]["keyboard"][0][0]["request_contact"]
    summary = citizen.share("contact")
    assert "138****5678" in _texts(summary) and "幸福小区，幸福大街12号" in _texts(summary)
    accepted = _texts(citizen.press(summary[-1], "确认提交"))
    number = re.search(r"工单号 (TS\d{12})", accepted).group(1)
    with stack_database(stack)() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        contact = session.get(TicketContact, ticket.id)
    assert ticket.channel == "telegram" and contact.phone == "13812345678"
    assert ticket.fields["case_location"] == "幸福小区，幸福大街12号"


def test_start_greets_and_a_staff_reply_during_a_handoff_reaches_telegram(telegram_stack):
    stack, api, _ = telegram_stack
    citizen = Citizen(stack, api, 610000002)
    greeting = citizen.say("/start")
    assert stack.settings.profile.name in _texts(greeting) and greeting[-1]["reply_markup"]["inline_keyboard"]
    assert "已为您转接人工客服" in _texts(citizen.say("/human"))
    asyncio.run(
        RasaApi(stack.rasa_url, stack.token).say(
            conversation_id("telegram", str(citizen.chat_id)), "您好，工号 1024 为您服务。", staff_no="1024"
        )
    )
    assert api.texts_to(citizen.chat_id)[-1] == "您好，工号 1024 为您服务。"


def test_the_webhook_command_sets_and_deletes_the_webhook_with_the_secret(telegram_stack):
    _, api, credentials = telegram_stack
    url = "https://hotline.example.gov.cn/webhooks/telegram/webhook"
    command = [sys.executable, "-m", "bot", "telegram", "set-webhook", "--url", url, "--credentials", str(credentials)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT)
    assert done.returncode == 0 and TOKEN not in done.stdout + done.stderr
    assert api.webhook["url"] == url and api.webhook["secret_token"] == SECRET
    deleted = subprocess.run(
        [sys.executable, "-m", "bot", "telegram", "delete-webhook", "--credentials", str(credentials)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
    )
    assert deleted.returncode == 0 and api.webhook == {}


def test_notices_and_the_rating_buttons_reach_telegram_and_a_blocked_chat_is_called_back(telegram_stack):
    stack, api, _ = telegram_stack
    citizen = Citizen(stack, api, 610000003)
    citizen.say("你好")
    number = ticket_for(stack, "telegram", conversation_id("telegram", str(citizen.chat_id)))
    handle_ticket(stack, number, "assign", "start", "reply", "close")
    for kind in ("accepted", "replied", "closed"):
        assert notice_status(stack, number, kind) == "sent"
    sent = api.sent_to(citizen.chat_id)
    assert f"工单号 {number}" in sent[-1]["text"] and "已办结" in sent[-1]["text"]
    assert [row[0]["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"]] == ["满意", "基本满意", "不满意"]
    asked = citizen.press(sent[-1], "满意")
    assert "感谢您的评价" in _texts(asked)
    assert "感谢您的评价" in _texts(citizen.press(asked[-1], "不用了"))
    with stack_database(stack)() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert [
            (r.rating, r.channel) for r in session.scalars(select(TicketRating).where(TicketRating.ticket_id == ticket.id))
        ] == [("satisfied", "telegram")]
    assert ticket.status == "closed"
    assert "已经评价过" in _texts(citizen.press(sent[-1], "不满意"))  # asked once

    blocked = Citizen(stack, api, 610000004)
    blocked.say("你好")
    other = ticket_for(stack, "telegram", conversation_id("telegram", str(blocked.chat_id)))
    api.blocked.add(blocked.chat_id)
    handle_ticket(stack, other, "assign", "start")
    assert notice_status(stack, other, "accepted") == "undelivered"
