"""Erasure leaves nothing behind: /forget and the purge, scanned at the level of bytes.

Known values go in through the real core (form answers, a photo, a refused staff command, an
answer back to staff, a question the bot could not answer); after the erasure none of them is in any file of the database (the main
file, -wal and -shm, while the bot still runs) nor in the attachments folder.
"""
from __future__ import annotations

import asyncio
import dataclasses
import re

from bot.app import open_app
from bot.channels.attachments import Attachments
from bot.config import Config
from bot.messages import Incoming, Photo
from bot.requests.housekeeping import Housekeeping
from shared import answering_for

REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")
MARKERS = ["MARKERTOWN", "marker-xyz@example.jp", "MARKERTEXT", "MARKERPHOTO", "MARKERBACK", "MARKERSTAFF",
           "山田マーカー", "console:7", "MARKERASK"]


def scan(config: Config) -> list[str]:
    found = []
    files = [p for p in config.database.parent.glob(config.database.name + "*") if p.is_file()]
    files += [p for p in config.attachments_dir.rglob("*") if p.is_file()] if config.attachments_dir.exists() else []
    for path in files:
        data = path.read_bytes()
        for marker in MARKERS:
            for encoded in (marker.encode("utf-8"), marker.encode("utf-16-le")):
                if encoded in data:
                    found.append(f"{marker} in {path.name}")
    return found


def run(config: Config, erase: str) -> tuple[list[str], list[str]]:
    attachments = Attachments(config.attachments_dir, 1_000_000, 10_000_000)

    async def fetch(photo: Photo) -> Photo:  # what a channel does when a form waits for a photo
        return await attachments.save(photo, "console-7", "p1", ".jpg", b"\xff\xd8 MARKERPHOTO " + bytes(200))

    async def scenario() -> tuple[list[str], list[str]]:
        async with open_app(config, answering=answering_for(config)) as app:
            core = app.core

            async def send(user: str, text: str = "", payload: str | None = None, photo: Photo | None = None) -> str:
                replies = await core.handle(Incoming("console", user, user, text=text, payload=payload, photo=photo),
                                            fetch)
                return "\n".join(r.text for r in replies)

            await send("7", "/lang ja")
            await send("7", "MARKERASK の駐車場はありますか")  # unanswered: kept in the unanswered log
            await send("7", "事務所に駐車場はありますか")  # their pending question is this one now
            await send("7", "/dorandoran")
            for text in ["MARKERTOWN町", "企画課", "山田マーカー", "marker-xyz@example.jp"]:
                await send("7", text)
            await send("7", payload="fm:c:plan:fewer_posts")
            await send("7", "MARKERTEXT の原稿です。")
            await send("7", photo=Photo("file-1"))
            await send("7", payload="fm:done")
            await send("7", "春")
            await send("7", "/skip")
            receipt = await send("7", payload="fm:submit")
            found = REF.search(receipt)
            assert found, receipt
            ref = found.group(0)
            await send("8", "/ask Is the office open on Saturdays?")
            await send("8", "Lee Other")
            await send("8", "lee@example.kr")
            other = REF.search(await send("8", payload="fm:submit"))
            assert other
            await send("7", f"/claim {ref} MARKERTEXT again")  # refused: not staff
            await send("7", f"/claim {other.group(0)}")  # refused, on someone else's request
            await send("1", f"/claim {ref}")
            await send("1", f"/reply {ref} MARKERSTAFF, thank you")
            await send("7", payload=f"re:{ref}")
            await send("7", "MARKERBACK: the photo is from spring")
            before = scan(config)
            if erase == "forget":
                await send("7", "/forget")
                await send("7", payload="forget:yes")
            else:
                await send("1", f"/close {ref}")
                app.core.deps.requests.clock = lambda: 10**10  # long after the retention period
                later = lambda: 10**10  # noqa: E731
                swept = await Housekeeping(app.requests, app.store, config.privacy.retention_days, 3600,
                                           clock=later, unanswered=app.unanswered).run_once()
                assert (swept.purged, swept.unanswered) == (1, 2)  # the request, and both questions
                await core.handle(Incoming("console", "7", "7", text="/forget"))  # its conversation too
                await core.handle(Incoming("console", "7", "7", payload="forget:yes"))
            await core.drain()
            return before, scan(config)  # while the bot still runs: the -wal file is there

    return asyncio.run(scenario())


def test_forget_leaves_no_erased_value_in_any_file(forms_config: Config) -> None:
    config = dataclasses.replace(forms_config, rate_limit_per_minute=1000)
    before, after = run(config, "forget")
    assert len({b.split(" in ")[0] for b in before}) == len(MARKERS), before  # they were all stored
    assert after == []


def test_the_retention_purge_leaves_no_erased_value_in_any_file(forms_config: Config) -> None:
    config = dataclasses.replace(forms_config, rate_limit_per_minute=1000)
    before, after = run(config, "purge")
    assert len({b.split(" in ")[0] for b in before}) == len(MARKERS), before
    assert after == []
