"""A fake LINE Messaging API server on 127.0.0.1 for tests and the benchmark.

It speaks the wire format line-bot-sdk v3's async client sends (JSON bodies with camelCase fields,
`Authorization: Bearer <token>`, `X-Line-Retry-Key`), and refuses what LINE refuses: a reply token that
is unknown, used or expired, more than 5 messages, texts over 5000 characters, quick replies over 13
items, action labels over 20 characters, postback data over 300, a retry key used twice, an exhausted
monthly push quota, a wrong access token. Tests point both of the SDK's hosts (api.line.me and
api-data.line.me) at `base_url`.

As LINE's platform, it builds webhook events exactly as LINE sends them, issuing a fresh reply token with
each event that can be answered, and posts them to the bot's webhook signed with the channel secret.
"""
from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, TypeVar

import aiohttp
from aiohttp import web

ACCESS_TOKEN = "fake-line-channel-access-token"
CHANNEL_SECRET = "8c1e5f0a2b3d4e6f7a8b9c0d1e2f3a4b"
BOT_USER_ID = "Ubd3c6a4c0a2f4e8b9c1d2e3f4a5b6c7d"
BOT_INFO: dict[str, str] = {"userId": BOT_USER_ID, "basicId": "@madoguchi", "displayName": "Madoguchi",
                            "chatMode": "bot", "markAsReadMode": "auto"}

MAX_MESSAGES = 5
MAX_TEXT = 5000
MAX_QUICK_REPLY_ITEMS = 13
MAX_ACTION_LABEL = 20
MAX_POSTBACK_DATA = 300

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
LOADING = "/v2/bot/chat/loading/start"

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
INVALID_REPLY_TOKEN = "Invalid reply token"
RETRY_KEY_ACCEPTED = "The retry key is already accepted"
MONTHLY_LIMIT = "You have reached your monthly limit."
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."

ID = re.compile(r"[UCR][0-9a-f]{32}")
HEADERS_KEPT = ("Authorization", "Content-Type", "Accept", "User-Agent", "X-Line-Retry-Key")
UNQUOTABLE = ("template", "flex", "imagemap")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
T = TypeVar("T")


def sign(body: bytes, secret: str) -> str:
    """X-Line-Signature: base64 of HMAC-SHA256 of the raw body, keyed with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


def user_id(n: int) -> str:
    """A user ID in LINE's shape (U + 32 hex digits), readable in failures."""
    return f"U{n:032x}"


def group_id(n: int) -> str:
    """A group ID in LINE's shape (C + 32 hex digits)."""
    return f"C{n:032x}"


def ulid() -> str:
    """A webhookEventId: 48 bits of milliseconds and 80 random bits in Crockford base32, as LINE's ULIDs."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def length(text: str) -> int:
    """Characters as LINE's limits count them: UTF-16 code units, so an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made, whatever became of it."""
    method: str
    path: str
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.perf_counter)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: int = 0

    @property
    def retry_key(self) -> str | None:
        return self.headers.get("X-Line-Retry-Key")


@dataclass
class ReplyToken:
    """A reply token the fake issued with an event, and what became of it."""
    token: str
    to: str
    source: dict[str, Any]
    issued_at: float = field(default_factory=time.perf_counter)
    posted_at: float | None = None
    used_at: float | None = None
    expired: bool = False


@dataclass
class Sent:
    """One message LINE delivered: `via` "reply" or "push", `to` the chat (user or group) it went to."""
    via: str
    to: str
    message: dict[str, Any]
    index: int
    position: int
    call_size: int
    id: str
    at: float = field(default_factory=time.perf_counter)
    reply_token: str | None = None
    retry_key: str | None = None

    @property
    def last_of_call(self) -> bool:
        return self.position == self.call_size - 1

    @property
    def text(self) -> str:
        return self.message.get("text") or self.message.get("altText") or ""

    @property
    def quick_reply_items(self) -> list[dict[str, Any]]:
        """The actions of the quick reply buttons, in order."""
        items = (self.message.get("quickReply") or {}).get("items") or []
        return [item["action"] for item in items if "action" in item]

    @property
    def actions(self) -> list[dict[str, Any]]:
        """Quick reply actions, then those of a template message."""
        return self.quick_reply_items + list((self.message.get("template") or {}).get("actions") or [])

    def button(self, label_part: str) -> dict[str, Any]:
        """The postback action whose label contains `label_part`."""
        for action in self.actions:
            if action.get("type") == "postback" and label_part in action.get("label", ""):
                return action
        raise AssertionError(f"no postback action containing {label_part!r} in "
                             f"{[a.get('label') for a in self.actions]}")


Failure = Callable[[Call], "tuple[int, dict[str, Any]] | None"]


def body_errors(details: list[dict[str, str]]) -> dict[str, Any]:
    return {"message": f"The request body has {len(details)} error(s)", "details": details}


def _action_errors(action: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(action, dict):
        return [{"message": "must be specified", "property": where}]
    errors = []
    label = action.get("label")
    if isinstance(label, str) and length(label) > MAX_ACTION_LABEL:
        errors.append({"message": f"Length must be between 0 and {MAX_ACTION_LABEL}", "property": f"{where}.label"})
    if action.get("type") == "postback":
        data = action.get("data")
        if not isinstance(data, str):
            errors.append({"message": "must be specified", "property": f"{where}.data"})
        elif length(data) > MAX_POSTBACK_DATA:
            errors.append({"message": f"Length must be between 0 and {MAX_POSTBACK_DATA}",
                           "property": f"{where}.data"})
    return errors


def message_errors(messages: Any) -> list[dict[str, str]]:
    """The details LINE lists for a `messages` array it will not send."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        return [{"message": f"Size must be between 1 and {MAX_MESSAGES}", "property": "messages"}]
    errors: list[dict[str, str]] = []
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or not message.get("type"):
            errors.append({"message": "must be specified", "property": f"{where}.type"})
            continue
        if message["type"] == "text":
            text = message.get("text")
            if not isinstance(text, str) or not text:
                errors.append({"message": "must be specified", "property": f"{where}.text"})
            elif length(text) > MAX_TEXT:
                errors.append({"message": f"Length must be between 0 and {MAX_TEXT}", "property": f"{where}.text"})
        items = (message.get("quickReply") or {}).get("items")
        if items is not None:
            if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUICK_REPLY_ITEMS:
                errors.append({"message": f"Size must be between 1 and {MAX_QUICK_REPLY_ITEMS}",
                               "property": f"{where}.quickReply.items"})
            else:
                for j, item in enumerate(items):
                    errors += _action_errors((item or {}).get("action"), f"{where}.quickReply.items[{j}].action")
        for k, action in enumerate((message.get("template") or {}).get("actions") or []):
            errors += _action_errors(action, f"{where}.template.actions[{k}]")
    return errors


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


class FakeLine:
    """The Messaging API at `base_url`, and LINE's platform towards the bot's webhook."""

    def __init__(self, access_token: str = ACCESS_TOKEN, channel_secret: str = CHANNEL_SECRET, *,
                 push_quota: int | None = None, reply_ttl: float | None = None) -> None:
        self.access_token = access_token
        self.channel_secret = channel_secret
        self.bot: dict[str, str] = dict(BOT_INFO)
        self.profiles: dict[str, dict[str, Any]] = {}   # user id -> profile fields (displayName, language, ...)
        self.contents: dict[str, bytes] = {}            # message id -> image bytes
        self.calls: list[Call] = []
        self.sent: list[Sent] = []
        self.reply_tokens: dict[str, ReplyToken] = {}
        self.retry_keys: dict[str, tuple[str, list[dict[str, str]]]] = {}  # key -> (request id, sentMessages)
        self.failures: list[Failure] = []
        self.push_quota = push_quota   # pushes per month; a push counts once whatever its message count
        self.pushes = 0
        self.reply_ttl = reply_ttl     # seconds from posting (or issuing) after which a token is refused
        self.send_delay = 0.0          # seconds each reply or push takes, as over a slow network
        self.on_sent: Callable[[Sent], None] | None = None  # the benchmark's closed-loop users, per message
        self.changed = asyncio.Condition()
        self.message_ids = itertools.count(544_000_000_000_000_001)
        self.runner: web.AppRunner | None = None
        self.session: aiohttp.ClientSession | None = None
        self.port = 0
        self.routes: list[tuple[str, re.Pattern[str], Callable[[Call, re.Match[str]], Awaitable[web.Response]]]] = [
            ("POST", re.compile(re.escape(REPLY)), self._reply),
            ("POST", re.compile(re.escape(PUSH)), self._push),
            ("POST", re.compile(re.escape(LOADING)), self._loading),
            ("GET", re.compile(r"/v2/bot/profile/(?P<user>[^/]+)"), self._profile),
            ("GET", re.compile(r"/v2/bot/info"), self._info),
            ("GET", re.compile(r"/v2/bot/message/(?P<message>[^/]+)/content"), self._content),
        ]

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_route("*", "/{path:.*}", self._serve)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None
        if self.runner:
            await self.runner.cleanup()

    async def __aenter__(self) -> "FakeLine":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what the test does as LINE's platform ----------------------------------------------

    def issue_token(self, source: dict[str, Any]) -> str:
        """A reply token valid once for this source; a reply with it goes to the group, else the user."""
        token = uuid.uuid4().hex
        to = source.get("groupId") or source.get("roomId") or source["userId"]
        self.reply_tokens[token] = ReplyToken(token, to, source)
        return token

    def expire(self, reply_token: str) -> None:
        """From now on LINE refuses this token, as it does one answered too late."""
        self.reply_tokens[reply_token].expired = True

    @staticmethod
    def source(user: str | None, group: str | None = None) -> dict[str, Any]:
        if group is None:
            return {"type": "user", "userId": user}
        return {"type": "group", "groupId": group, **({"userId": user} if user else {})}

    def event(self, type_: str, source: dict[str, Any], *, replyable: bool = True, **fields: Any) -> dict[str, Any]:
        """The fields every webhook event has, a reply token if this kind can be answered, then `fields`."""
        event: dict[str, Any] = {"type": type_, "mode": "active", "timestamp": int(time.time() * 1000),
                                 "source": source, "webhookEventId": ulid(),
                                 "deliveryContext": {"isRedelivery": False}}
        if replyable:
            event["replyToken"] = self.issue_token(source)
        event.update(fields)
        return event

    def _message(self, type_: str, **fields: Any) -> dict[str, Any]:
        return {"id": str(next(self.message_ids)), "type": type_, "quoteToken": secrets.token_urlsafe(48), **fields}

    def text_event(self, user: str, text: str, *, group: str | None = None, mention_bot: bool = False,
                   mentionees: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A text message; with `mention_bot`, the "@Madoguchi" in `text` is marked as mentioning the bot."""
        message = self._message("text", text=text)
        found = list(mentionees or [])
        if mention_bot:
            handle = "@" + self.bot["displayName"]
            if handle not in text:
                raise ValueError(f"mention_bot needs {handle!r} in the text")
            found.append({"index": text.index(handle), "length": len(handle), "type": "user",
                          "userId": self.bot["userId"], "isSelf": True})
        if found:
            message["mention"] = {"mentionees": found}
        return self.event("message", self.source(user, group), message=message)

    def image_event(self, user: str, content: bytes, *, group: str | None = None) -> dict[str, Any]:
        """An image message; its bytes are served from /v2/bot/message/{id}/content."""
        message = self._message("image", contentProvider={"type": "line"})
        self.contents[message["id"]] = content
        return self.event("message", self.source(user, group), message=message)

    def postback_event(self, user: str, data: str, *, group: str | None = None,
                       params: dict[str, str] | None = None) -> dict[str, Any]:
        postback: dict[str, Any] = {"data": data}
        if params is not None:
            postback["params"] = params
        return self.event("postback", self.source(user, group), postback=postback)

    def follow_event(self, user: str, *, unblocked: bool = False) -> dict[str, Any]:
        return self.event("follow", self.source(user), follow={"isUnblocked": unblocked})

    def unfollow_event(self, user: str) -> dict[str, Any]:
        return self.event("unfollow", self.source(user), replyable=False)

    def join_event(self, group: str) -> dict[str, Any]:
        return self.event("join", self.source(None, group))

    def payload(self, events: list[dict[str, Any]]) -> bytes:
        """The body LINE posts: compact JSON, raw UTF-8."""
        return json.dumps({"destination": self.bot["userId"], "events": events}, ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")

    async def post_events(self, webhook_url: str, events: list[dict[str, Any]], secret: str | None = None, *,
                          signature: str | None = None, body: bytes | None = None,
                          redelivery: bool = False) -> tuple[int, str]:
        """POST the events to the bot as LINE does: compact JSON signed with `secret` (default the channel's).

        `body` replaces the serialised events (and is what gets signed); `signature` replaces the signature,
        so a test can send a tampered body under the genuine signature of the original.
        """
        if redelivery:
            events = copy.deepcopy(events)
            for event in events:
                event["deliveryContext"] = {"isRedelivery": True}
        raw = self.payload(events) if body is None else body
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "LineBotWebhook/2.0",
                   "X-Line-Signature": signature if signature is not None
                   else sign(raw, secret if secret is not None else self.channel_secret)}
        now = time.perf_counter()
        for event in events:
            token = self.reply_tokens.get(event.get("replyToken", ""))
            if token is not None and token.posted_at is None:
                token.posted_at = now
        if self.session is None:
            self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        async with self.session.post(webhook_url, data=raw, headers=headers) as response:
            return response.status, await response.text()

    # -- waiting for the bot ---------------------------------------------------------------

    async def _wait(self, items: Callable[[], list[T]], predicate: Callable[[T], bool], count: int,
                    timeout: float, what: Callable[[], object]) -> list[T]:
        async def matched() -> list[T]:
            async with self.changed:
                while True:
                    found = [x for x in items() if predicate(x)]
                    if len(found) >= count:
                        return found[:count]
                    await self.changed.wait()
        try:
            return await asyncio.wait_for(matched(), timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"expected {count} matching; so far: {what()}") from None

    async def wait_for(self, predicate: Callable[[Sent], bool], count: int = 1, timeout: float = 20.0) -> list[Sent]:
        """The first `count` delivered messages matching `predicate`; fails the test if they never come."""
        return await self._wait(lambda: self.sent, predicate, count, timeout,
                                lambda: [(s.via, s.to, s.text[:60]) for s in self.sent])

    async def wait_for_call(self, predicate: Callable[[Call], bool], count: int = 1,
                            timeout: float = 20.0) -> list[Call]:
        """The first `count` calls (answered or refused) matching `predicate`."""
        return await self._wait(lambda: [c for c in self.calls if c.status], predicate, count, timeout,
                                lambda: [(c.method, c.path, c.status) for c in self.calls])

    def mark(self) -> int:
        return len(self.sent)

    async def next_to(self, chat: str, after: int = 0, count: int = 1) -> list[Sent]:
        """Messages to this chat delivered at or after position `after` (see mark())."""
        return await self.wait_for(lambda s: s.to == chat and s.index >= after, count)

    def to_chat(self, chat: str) -> list[Sent]:
        return [s for s in self.sent if s.to == chat]

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    # -- the Messaging API -----------------------------------------------------------------

    async def _serve(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
        headers = {name: request.headers[name] for name in HEADERS_KEPT if name in request.headers}
        call = Call(request.method, request.path, body, headers)
        async with self.changed:
            self.calls.append(call)
        response = await self._answer(call)
        response.headers.setdefault("x-line-request-id", call.request_id)
        async with self.changed:
            call.status = response.status
            self.changed.notify_all()
        return response

    async def _answer(self, call: Call) -> web.Response:
        if call.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _json(401, {"message": AUTH_FAILED})
        for failure in list(self.failures):
            failed = failure(call)
            if failed is not None:
                return _json(*failed)
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(call.path)
            if match and method == call.method:
                if method == "POST" and not isinstance(call.body, dict):
                    return _json(400, {"message": "The request body could not be parsed as JSON"})
                return await handler(call, match)
        return _json(404, {"message": "Not found"})

    def _sent_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, str]]:
        out = []
        for message in messages:
            sent = {"id": str(next(self.message_ids))}
            if message.get("type") not in UNQUOTABLE:
                sent["quoteToken"] = secrets.token_urlsafe(48)
            out.append(sent)
        return out

    async def _deliver(self, via: str, to: str, messages: list[dict[str, Any]], ids: list[dict[str, str]],
                       reply_token: str | None = None, retry_key: str | None = None) -> None:
        if self.send_delay:
            await asyncio.sleep(self.send_delay)
        delivered = []
        async with self.changed:
            for position, (message, sent_message) in enumerate(zip(messages, ids)):
                sent = Sent(via, to, message, len(self.sent), position, len(messages), sent_message["id"],
                            reply_token=reply_token, retry_key=retry_key)
                self.sent.append(sent)
                delivered.append(sent)
            self.changed.notify_all()
        if self.on_sent is not None:
            for sent in delivered:
                self.on_sent(sent)

    def _token_usable(self, token: ReplyToken | None) -> bool:
        if token is None or token.used_at is not None or token.expired:
            return False
        if self.reply_ttl is not None:
            since = token.posted_at if token.posted_at is not None else token.issued_at
            return time.perf_counter() - since <= self.reply_ttl
        return True

    async def _reply(self, call: Call, match: re.Match[str]) -> web.Response:
        errors = message_errors(call.body.get("messages"))
        if errors:
            return _json(400, body_errors(errors))
        token = self.reply_tokens.get(str(call.body.get("replyToken")))
        if token is None or not self._token_usable(token):
            return _json(400, {"message": INVALID_REPLY_TOKEN})
        token.used_at = time.perf_counter()
        messages = call.body["messages"]
        ids = self._sent_messages(messages)
        await self._deliver("reply", token.to, messages, ids, reply_token=token.token)
        return _json(200, {"sentMessages": ids})

    async def _push(self, call: Call, match: re.Match[str]) -> web.Response:
        key = call.retry_key
        if key is not None:
            try:
                uuid.UUID(key)
            except ValueError:
                return _json(400, {"message": "The value for the 'X-Line-Retry-Key' header is invalid"})
            if key in self.retry_keys:
                accepted, ids = self.retry_keys[key]
                return _json(409, {"message": RETRY_KEY_ACCEPTED, "sentMessages": ids},
                             {"x-line-accepted-request-id": accepted})
        to = call.body.get("to")
        if not isinstance(to, str) or not ID.fullmatch(to):
            return _json(400, {"message": "The property, 'to', in the request body is invalid (line: -, column: -)"})
        errors = message_errors(call.body.get("messages"))
        if errors:
            return _json(400, body_errors(errors))
        if self.push_quota is not None and self.pushes >= self.push_quota:
            return _json(429, {"message": MONTHLY_LIMIT})
        self.pushes += 1
        messages = call.body["messages"]
        ids = self._sent_messages(messages)
        if key is not None:
            self.retry_keys[key] = (call.request_id, ids)
        await self._deliver("push", to, messages, ids, retry_key=key)
        return _json(200, {"sentMessages": ids})

    async def _loading(self, call: Call, match: re.Match[str]) -> web.Response:
        chat = call.body.get("chatId")
        seconds = call.body.get("loadingSeconds", 20)
        errors = []
        if not isinstance(chat, str) or not chat:
            errors.append({"message": "must be specified", "property": "chatId"})
        if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
            errors.append({"message": "must be a multiple of 5 between 5 and 60", "property": "loadingSeconds"})
        if errors:
            return _json(400, body_errors(errors))
        return _json(202, {})

    async def _profile(self, call: Call, match: re.Match[str]) -> web.Response:
        uid = match["user"]
        if uid not in self.profiles:
            return _json(404, {"message": "Not found"})
        return _json(200, {"userId": uid, "displayName": "User", **self.profiles[uid]})

    async def _info(self, call: Call, match: re.Match[str]) -> web.Response:
        return _json(200, self.bot)

    async def _content(self, call: Call, match: re.Match[str]) -> web.Response:
        content = self.contents.get(match["message"])
        if content is None:
            return _json(404, {"message": "Not found"})
        return web.Response(body=content, content_type="image/jpeg")


def failing(path: str, status: int, message: str, times: int = 1) -> Failure:
    """Answer calls to `path` with this error `times` times, then serve normally."""
    left = [times]

    def fail(call: Call) -> tuple[int, dict[str, Any]] | None:
        if call.path == path and left[0] > 0:
            left[0] -= 1
            return status, {"message": message}
        return None
    return fail


def rate_limited(path: str = PUSH, times: int = 1) -> Failure:
    """LINE's 429 for too many requests per second (not the monthly quota)."""
    return failing(path, 429, RATE_LIMITED, times)
