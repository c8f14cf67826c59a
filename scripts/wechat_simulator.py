"""Try the WeChat channel without an account (``make wechat-sim``): this plays WeChat's server.

It signs (and in safe mode encrypts) each message exactly as WeChat does, posts it to the channel,
shows the passive reply, and runs a stand-in for WeChat's API on localhost that shows what the
channel pushes later (slow answers, extra messages, staff replies).

Set up ``credentials.yml`` (see credentials.yml.example) with the ``channels.wechat.WeChatInput``
section and ``api_base: http://127.0.0.1:8765``, run ``make run``, then ``make wechat-sim``. Type a
message, or :image, :location 幸福路12号, :voice 我要投诉, :click COMPLAIN, :subscribe, :quit.
"""

from __future__ import annotations

import argparse
import re
import secrets
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import xmltodict
import yaml
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import to_text

from bot.messaging.wechat.protocol import signature
from tests.support.fake_wechat_api import FakeWeChatApi

ACCOUNT = "gh_hotline_local"


@dataclass
class WeChatServer:
    """Signs and encrypts requests as WeChat's server does, and reads the channel's replies."""

    token: str
    mode: str = "plaintext"
    app_id: str = ""
    encoding_aes_key: str = ""
    _ids: list[int] = field(default_factory=lambda: [int(time.time() * 1000)])

    @property
    def crypto(self) -> WeChatCrypto:
        return WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)

    def next_msg_id(self) -> str:
        self._ids[0] += 1
        return str(self._ids[0])

    def request(self, xml: str, *, timestamp: int | None = None, forge: bool = False) -> tuple[dict, bytes]:
        """Query parameters and body of WeChat's POST for ``xml``."""
        stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(5)
        params = {"signature": signature(self.token, stamp, nonce), "timestamp": stamp, "nonce": nonce, "openid": _from_user(xml)}
        if forge:
            params["signature"] = "0" * 40
        if self.mode == "plaintext":
            return params, xml.encode()
        encrypted = self.crypto.encrypt_message(xml, nonce, stamp)
        envelope = xmltodict.parse(encrypted)["xml"]
        params.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"
        return params, body.encode()

    def reply_text(self, body: str, params: dict) -> str | None:
        """The text of a passive reply (None for ``success``)."""
        if body.strip() in ("", "success"):
            return None
        if params.get("encrypt_type") == "aes":
            envelope = xmltodict.parse(body)["xml"]
            body = self.crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return xmltodict.parse(to_text(body))["xml"]["Content"]


def _from_user(xml: str) -> str:
    found = re.search(r"<FromUserName><!\[CDATA\[(.*?)\]\]></FromUserName>", xml)
    return found.group(1) if found else ""


def message_xml(openid: str, line: str, msg_id: str, now: int | None = None) -> str:
    """WeChat's XML for what the developer typed."""
    now = now if now is not None else int(time.time())
    head = (
        f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
    )
    command, _, rest = line.partition(" ")
    if command == ":image":
        body = f"<MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmbiz.qpic.cn/sim/0]]></PicUrl><MediaId><![CDATA[sim{msg_id}]]></MediaId>"
    elif command == ":location":
        body = (
            f"<MsgType><![CDATA[location]]></MsgType><Location_X>39.9</Location_X><Location_Y>116.4</Location_Y>"
            f"<Scale>16</Scale><Label><![CDATA[{rest or '幸福路12号'}]]></Label>"
        )
    elif command == ":voice":
        body = f"<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[v{msg_id}]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[{rest}]]></Recognition>"
    elif command == ":click":
        return f"<xml>{head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[{rest}]]></EventKey></xml>"
    elif command == ":subscribe":
        return f"<xml>{head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event></xml>"
    else:
        body = f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{line}]]></Content>"
    return f"<xml>{head}{body}<MsgId>{msg_id}</MsgId></xml>"


def post(url: str, params: dict, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"{url}?{urlencode(params)}", data=body, headers={"Content-Type": "text/xml"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005/webhooks/wechat/webhook")
    parser.add_argument("--credentials", default="credentials.yml")
    parser.add_argument("--api-port", type=int, default=8765)
    parser.add_argument("--openid", default="o_simulated_citizen")
    args = parser.parse_args()
    section = (yaml.safe_load(Path(args.credentials).read_text(encoding="utf-8")) or {}).get("channels.wechat.WeChatInput")
    if not section:
        print(f"{args.credentials} has no channels.wechat.WeChatInput section; see credentials.yml.example", file=sys.stderr)
        return 2
    server = WeChatServer(
        str(section["token"]),
        str(section.get("mode") or "safe"),
        str(section.get("app_id") or ""),
        str(section.get("encoding_aes_key") or ""),
    )
    api = FakeWeChatApi(
        port=args.api_port, on_message=lambda m: print(f"  [pushed] {m.get('text', {}).get('content', m)}")
    ).start()
    print(f"WeChat stand-in API on {api.url}; posting to {args.url} ({server.mode} mode). :quit to stop.")
    try:
        for line in sys.stdin:
            line = line.strip()
            if line == ":quit":
                break
            if not line:
                continue
            params, body = server.request(message_xml(args.openid, line, server.next_msg_id()))
            status, answer = post(args.url, params, body)
            text = server.reply_text(answer, params) if status == 200 else f"HTTP {status}"
            print(f"  [reply]  {text}" if text else "  [reply]  success (the answer comes through the API)")
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
