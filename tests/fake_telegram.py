"""A fake Telegram Bot API server on 127.0.0.1 for tests and the benchmark.

It speaks the real wire format of the Bot API (JSON, form-encoded or multipart POSTs to
/bot<token>/<method>, answers {"ok": true, "result": ...}), serves queued updates to getUpdates
with long polling, records every outgoing call, serves files for getFile downloads, and can be
told to fail calls (403 Forbidden, 429 with retry_after) the way Telegram does.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

TOKEN = "123456:TEST-token_for-fake-server"
BOT = {"id": 999000, "is_bot": True, "first_name": "Madoguchi", "username": "MadoguchiTestBot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

Failure = Callable[[str, dict[str, Any]], "tuple[int, dict] | None"]


def user(uid: int, first_name: str = "User", language_code: str | None = None) -> dict[str, Any]:
    u: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": first_name}
    if language_code:
        u["language_code"] = language_code
    return u


def chat_of(chat_id: int, title: str = "Staff") -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    return {"id": chat_id, "type": "supergroup" if str(chat_id).startswith("-100") else "group", "title": title}


@dataclass
class Sent:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    index: int = -1  # position in FakeTelegram.sent

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])

    @property
    def content_type(self) -> str:
        """How the bot encoded the call: application/json, multipart/form-data, …"""
        return self.params.get("_content_type", "")

    @property
    def text(self) -> str:
        return self.params.get("text") or self.params.get("caption") or ""

    @property
    def buttons(self) -> list[dict[str, str]]:
        markup = self.params.get("reply_markup")
        if not markup:
            return []
        return [b for row in markup["inline_keyboard"] for b in row]

    def button(self, label_part: str) -> dict[str, str]:
        for b in self.buttons:
            if label_part in b["text"]:
                return b
        raise AssertionError(f"no button containing {label_part!r} in {[b['text'] for b in self.buttons]}")


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.pending: list[dict[str, Any]] = []
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1000)
        self.sent: list[Sent] = []          # sendMessage, sendDocument
        self.edits: list[Sent] = []         # editMessageReplyMarkup: keyboards taken off old messages
        self.calls: list[Sent] = []         # every call, in order
        self.files: dict[str, bytes] = {}   # file_id -> content
        self.failures: list[Failure] = []
        self.changed = asyncio.Condition()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.queued_at: dict[int, float] = {}  # update_id -> when it was handed to the bot
        self.closing = False
        self.on_sent: Callable[[Sent], None] | None = None  # the benchmark's closed-loop users
        self.acked = 0  # the bot confirmed every update up to this id (getUpdates offset - 1)
        self.send_delay = 0.0  # seconds each send* call takes, as over a slow network

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=64 << 20)
        app.router.add_post("/bot{token}/{method}", self.api)
        app.router.add_get("/file/bot{token}/{path:.*}", self.download)
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
        async with self.changed:  # release pending long polls, or cleanup would wait them out
            self.closing = True
            self.changed.notify_all()
        if self.runner:
            await self.runner.cleanup()

    # -- what the test does as Telegram's users --------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        update_id = next(self.update_ids)
        update["update_id"] = update_id
        async with self.changed:
            self.pending.append(update)
            self.changed.notify_all()
        return update_id

    def message_update(self, sender: dict[str, Any], text: str | None = None, chat_id: int | None = None,
                       photo_file: tuple[str, bytes] | None = None, reply_to: dict | None = None) -> dict:
        message: dict[str, Any] = {"message_id": next(self.message_ids), "date": int(time.time()),
                                   "chat": chat_of(chat_id or sender["id"]), "from": sender}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if photo_file is not None:
            file_id, content = photo_file
            self.files[file_id] = content
            message["photo"] = [{"file_id": file_id, "file_unique_id": "u" + file_id, "width": 800,
                                 "height": 600, "file_size": len(content)}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        return {"message": message}

    async def send_text(self, sender: dict[str, Any], text: str, chat_id: int | None = None) -> int:
        return await self.push(self.message_update(sender, text, chat_id))

    async def press(self, sender: dict[str, Any], on: Sent, button: dict[str, str]) -> int:
        message = {"message_id": on.params.get("_message_id", 1), "date": int(time.time()),
                   "chat": chat_of(on.chat_id), "from": BOT, "text": on.text}
        query = {"id": str(next(self.message_ids)), "from": sender, "chat_instance": "ci",
                 "message": message, "data": button["callback_data"]}
        return await self.push({"callback_query": query})

    # -- waiting for the bot ---------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[Sent], bool], count: int = 1, timeout: float = 20.0) -> list[Sent]:
        """The first `count` recorded messages matching `predicate`; fails the test if they never come."""
        async def matched() -> list[Sent]:
            async with self.changed:
                while True:
                    found = [s for s in self.sent if predicate(s)]
                    if len(found) >= count:
                        return found[:count]
                    await self.changed.wait()
        try:
            return await asyncio.wait_for(matched(), timeout)
        except asyncio.TimeoutError:
            seen = [(s.method, s.params.get("chat_id"), s.text[:60]) for s in self.sent]
            raise AssertionError(f"expected {count} matching message(s); sent so far: {seen}") from None

    async def wait_consumed(self, update_id: int, timeout: float = 20.0) -> None:
        """Until the bot has fetched and confirmed every update up to `update_id`."""
        async def consumed() -> None:
            async with self.changed:
                await self.changed.wait_for(lambda: self.acked >= update_id)
        await asyncio.wait_for(consumed(), timeout)

    def mark(self) -> int:
        return len(self.sent)

    async def next_to(self, chat_id: int, after: int = 0, count: int = 1) -> list[Sent]:
        """Messages to this chat recorded at or after position `after` (see mark())."""
        return await self.wait_for(lambda s: s.chat_id == chat_id and s.index >= after, count)

    def to_chat(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def methods(self, name: str) -> list[Sent]:
        return [c for c in self.calls if c.method == name]

    # -- the Bot API -----------------------------------------------------------------------

    async def api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await self._params(request)
        params["_content_type"] = request.content_type  # beside "_message_id": the fake's own notes
        call = Sent(method, params)
        self.calls.append(call)
        for failure in list(self.failures):
            failed = failure(method, params)
            if failed is not None:
                status, body = failed
                return web.json_response(body, status=status)
        if self.send_delay and method.startswith("send"):
            await asyncio.sleep(self.send_delay)
        handler = getattr(self, f"m_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return await request.json()
        params: dict[str, Any] = {}
        form = await request.post()
        for key, value in form.items():
            if hasattr(value, "file"):  # an uploaded file
                params[key] = {"filename": value.filename, "content": value.file.read()}
            elif key in ("reply_markup", "commands", "scope", "allowed_updates"):
                params[key] = json.loads(value)
            else:
                params[key] = value
        return params

    async def m_getMe(self, params: dict) -> dict:
        return BOT

    async def m_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        async with self.changed:
            if offset - 1 > self.acked:
                self.acked = offset - 1
                self.changed.notify_all()
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
            if not self.pending and timeout > 0:
                try:
                    await asyncio.wait_for(
                        self.changed.wait_for(lambda: self.closing or any(u["update_id"] >= offset
                                                                          for u in self.pending)), timeout)
                except asyncio.TimeoutError:
                    pass
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
            batch = self.pending[:limit]
        now = time.perf_counter()
        for u in batch:
            self.queued_at.setdefault(u["update_id"], now)
        return batch

    async def _record(self, method: str, params: dict) -> dict:
        message_id = next(self.message_ids)
        params["_message_id"] = message_id
        async with self.changed:
            sent = Sent(method, params, index=len(self.sent))
            self.sent.append(sent)
            self.changed.notify_all()
        if self.on_sent is not None:
            self.on_sent(sent)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat_of(int(params["chat_id"])),
                   "from": BOT}
        if "text" in params:
            message["text"] = params["text"]
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def m_sendMessage(self, params: dict) -> dict:
        return await self._record("sendMessage", params)

    async def m_sendDocument(self, params: dict) -> dict:
        message = await self._record("sendDocument", params)
        doc = params["document"]
        message["document"] = {"file_id": "doc1", "file_unique_id": "udoc1", "file_name": doc["filename"],
                               "file_size": len(doc["content"])}
        return message

    async def m_editMessageReplyMarkup(self, params: dict) -> dict:
        async with self.changed:
            self.edits.append(Sent("editMessageReplyMarkup", params))
            self.changed.notify_all()
        return {"message_id": int(params["message_id"]), "date": int(time.time()),
                "chat": chat_of(int(params["chat_id"])), "from": BOT}

    async def m_answerCallbackQuery(self, params: dict) -> bool:
        return True

    async def m_setMyCommands(self, params: dict) -> bool:
        return True

    async def m_deleteWebhook(self, params: dict) -> bool:
        return True

    async def m_setWebhook(self, params: dict) -> bool:
        return True

    async def m_getWebhookInfo(self, params: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.pending)}

    async def m_getFile(self, params: dict) -> dict:
        file_id = params["file_id"]
        content = self.files.get(file_id, b"")
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": len(content),
                "file_path": f"photos/{file_id}.jpg"}

    async def download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[file_id], content_type="image/jpeg")


def forbidden_for(chat_id: int) -> Failure:
    """Telegram's answer when a user has blocked the bot."""
    def fail(method: str, params: dict) -> tuple[int, dict] | None:
        if method.startswith("send") and str(params.get("chat_id")) == str(chat_id):
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        return None
    return fail


def flood_once(chat_id: int, retry_after: int = 1, times: int = 1) -> Failure:
    """429 Too Many Requests with retry_after, `times` times for this chat, then normal service."""
    left = [times]

    def fail(method: str, params: dict) -> tuple[int, dict] | None:
        if method.startswith("send") and str(params.get("chat_id")) == str(chat_id) and left[0] > 0:
            left[0] -= 1
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": retry_after}}
        return None
    return fail
