"""The Telegram webhook endpoint: Telegram POSTs updates here; anyone else is turned away with 403.

python-telegram-bot's own run_webhook (22.x) compares the secret with `!=` (not constant time)
and needs tornado, so the endpoint is a route of our one aiohttp server that hands each update to
the Application's update queue, the same path polling uses.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # an update is a few kilobytes; refuse anything absurd


def webhook_path(webhook_url: str) -> str:
    return urlsplit(webhook_url).path or "/"


def secret_matches(given: str, secret: bytes) -> bool:
    # bytes, so a non-ASCII header cannot raise inside compare_digest
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret)


def webhook_route(application: Application, path: str, secret: str) -> web.RouteDef:
    expected = secret.encode("utf-8")

    async def receive(request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER, ""), expected):
            log.warning("webhook request from %s without the right secret token: refused", request.remote)
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            data = await request.json()
            update = Update.de_json(data, application.bot)
        except Exception:  # noqa: BLE001 - malformed bodies are the sender's problem, not a crash
            return web.Response(status=400, text="bad update")
        if update is None:
            return web.Response(status=400, text="bad update")
        await application.update_queue.put(update)
        return web.Response(status=200, text="ok")

    return web.post(path, receive)
