"""With Redis configured, the WeChat channel's memory and access token are shared by every process."""

from __future__ import annotations

import pytest
import redis
from wechatpy.session.redisstorage import RedisStorage

from bot.messaging.channel_memory import HANDLED_TTL_SECONDS, PUSHED, RedisChannelMemory
from bot.messaging.reply_shaping import Option
from bot.messaging.wechat.delivery import HotlineWeChatClient

pytestmark = pytest.mark.redis


def test_two_processes_handle_a_retried_message_once_and_share_the_options(redis_url):
    one, two = (RedisChannelMemory(redis.Redis.from_url(redis_url), prefix="hotline:wechat:") for _ in range(2))
    assert one.claim("msg:1") and not two.claim("msg:1")
    one.settle("msg:1", PUSHED)
    assert two.outcome("msg:1") == PUSHED
    assert 0 < redis.Redis.from_url(redis_url).ttl("hotline:wechat:handled:msg:1") <= HANDLED_TTL_SECONDS
    one.remember_options("o1", [Option(1, "我要投诉", "/complain")])
    assert two.options("o1") == [Option(1, "我要投诉", "/complain")]


def test_the_access_token_is_fetched_once_for_all_processes_and_expires_early(redis_url, fake_api):
    storage = lambda: RedisStorage(redis.Redis.from_url(redis_url), prefix="hotline:wechat:token")
    first = HotlineWeChatClient("wx1", "secret", session=storage(), api_base=fake_api.url)
    second = HotlineWeChatClient("wx1", "secret", session=storage(), api_base=fake_api.url)
    first.message.send_text("o1", "一")
    second.message.send_text("o1", "二")
    assert fake_api.tokens_issued == 1 and fake_api.texts_to("o1") == ["一", "二"]
    ttl = redis.Redis.from_url(redis_url).ttl("hotline:wechat:token:wx1_access_token")
    assert 7200 - 300 - 5 <= ttl <= 7200 - 300  # refreshed five minutes before WeChat expires it
