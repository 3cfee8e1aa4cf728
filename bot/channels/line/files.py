"""Documents for LINE users as short-lived links: LINE's Messaging API cannot send a file.

The CSV export is kept in memory under an unguessable token and served on the one web server
until it expires. Only staff ever get an export, and the link is sent to them alone.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from aiohttp import web

from bot.messages import Document

KEEP_SECONDS = 15 * 60
MAX_KEPT = 20  # exports are rare; the oldest go first


class FileShelf:
    def __init__(self, path_prefix: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.path_prefix = path_prefix.rstrip("/")
        self.clock = clock
        self.kept: dict[str, tuple[float, Document]] = {}

    def put(self, document: Document) -> str:
        """The path under which the document can be fetched until it expires."""
        self._expire()
        while len(self.kept) >= MAX_KEPT:
            del self.kept[next(iter(self.kept))]
        token = secrets.token_urlsafe(32)
        self.kept[token] = (self.clock() + KEEP_SECONDS, document)
        return f"{self.path_prefix}/{token}"

    def route(self) -> web.RouteDef:
        return web.get(self.path_prefix + "/{token}", self.serve)

    async def serve(self, request: web.Request) -> web.Response:
        self._expire()
        entry = self.kept.get(request.match_info["token"])
        if entry is None:
            return web.Response(status=404, text="not found or expired")
        document = entry[1]
        disposition = f'attachment; filename="{document.filename}"'
        return web.Response(
            body=document.content,
            content_type="text/csv",
            headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
        )

    def _expire(self) -> None:
        now = self.clock()
        for token in [t for t, (until, _) in self.kept.items() if until <= now]:
            del self.kept[token]
