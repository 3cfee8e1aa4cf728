"""The one web server of `madoguchi run`: every channel's webhook routes, and /healthz.

One aiohttp application, so LINE, Telegram's webhook mode and (later) the staff console share one
port behind one reverse proxy. The route list is built in bot/runner.py from the channels.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20  # a webhook body is a few kilobytes; aiohttp answers 413 above this
LINGER_SECONDS = 1.0


class WebServer:
    def __init__(self, listen: str, port: int, routes: Sequence[web.RouteDef], names: Sequence[str]) -> None:
        self.listen = listen
        self.port = port
        self.names = list(names)
        self.app = web.Application(client_max_size=MAX_BODY)
        self.app.add_routes([web.get("/healthz", self.healthz), *routes])
        self.runner: web.AppRunner | None = None

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "channels": self.names})

    async def start(self) -> None:
        # lingering_time: after refusing an oversized body, read on for at most a second rather than
        # aiohttp's ten, so an abusive upload neither holds a connection nor delays a shutdown
        self.runner = web.AppRunner(self.app, access_log=None, lingering_time=LINGER_SECONDS)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.listen, self.port)
        await site.start()
        server = site._server  # the bound port, when port 0 asked for any free one
        sockets = getattr(server, "sockets", None)
        if sockets:
            self.port = sockets[0].getsockname()[1]
        paths = ", ".join(resource.canonical for resource in self.app.router.resources())
        log.info("web server on http://%s:%d (%s)", self.listen, self.port, paths)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()  # answers the requests already taken in, then closes
