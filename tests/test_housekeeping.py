"""`madoguchi run` keeps its own house: the retention purge and abandoned photos, with nobody's cron."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from pathlib import Path

from bot.app import open_app
from bot.channels.attachments import Attachments
from bot.config import Config
from bot.messages import ConversationKey, Incoming, Photo
from bot.requests.housekeeping import Housekeeping
from bot.requests.queue import RequestQueue
from bot.storage.store import Store
from fake_telegram import FakeTelegram
from shared import answering_for
from telegram_harness import RunningBot, make_config

LONG_AGO = time.time() - 3 * 365 * 86400


async def closed_long_ago(config: Config) -> str:
    store = await Store.open(config.database)
    try:
        queue = RequestQueue(store, clock=lambda: LONG_AGO)
        sent = await queue.submit(
            token="t1",
            kind="question",
            prefix="Q",
            answers={"name": "Old Requester"},
            requester=ConversationKey("telegram", "42", "42"),
            lang="en",
        )
        await queue.claim(sent.ref, "console:1")
        await queue.close(sent.ref, "console:1")
        return sent.ref
    finally:
        await store.close()


def test_run_purges_requests_past_retention_by_itself(tmp_path: Path) -> None:
    async def main() -> tuple[dict[str, object], dict[str, object]]:
        fake = FakeTelegram()
        config = make_config(tmp_path, await fake.start())
        ref = await closed_long_ago(config)
        try:
            async with RunningBot(config) as bot:
                await asyncio.wait_for(bot.service.housekeeping.done.wait(), 10)
                request = await bot.service.app.requests.get(ref)
                assert request is not None
                return request.answers, {"user": request.user_id, "erased": request.erased_at is not None}
        finally:
            await fake.stop()

    answers, who = asyncio.run(main())
    assert answers == {} and who == {"user": "", "erased": True}


def test_photos_of_abandoned_forms_are_deleted_and_held_ones_kept(forms_config: Config) -> None:
    config = dataclasses.replace(forms_config, rate_limit_per_minute=1000)
    attachments = Attachments(config.attachments_dir, 1_000_000, 10_000_000)
    names = iter(["p1", "p2", "p3"])

    async def fetch(photo: Photo) -> Photo:
        return await attachments.save(photo, f"console-{photo.file_id}", next(names), ".jpg", b"\xff\xd8" + bytes(99))

    def age(path: Path, seconds: float) -> None:
        os.utime(path, (time.time() - seconds, time.time() - seconds))

    async def main() -> list[list[str]]:
        async with open_app(config, answering=answering_for(config)) as app:

            async def send(user: str, text: str = "", payload: str | None = None, photo: Photo | None = None) -> None:
                await app.core.handle(Incoming("console", user, user, text=text, payload=payload, photo=photo), fetch)

            for user in ("7", "8"):  # both reach the photo question of the 도란도란 form
                await send(user, "/lang en")
                await send(user, "/dorandoran")
                for text in ["Testtown", "Planning", "Aoi Test", "aoi@example.jp"]:
                    await send(user, text)
                await send(user, payload="fm:c:plan:fewer_posts")
                await send(user, "The draft of the post.")
                await send(user, photo=Photo(user))
            await send("8", "/cancel")  # 8 gives up: the photo belongs to nothing now
            await send("8", payload="fm:cancel:yes")
            await app.core.drain()
            await attachments.save(Photo("9"), "console-9", "fresh", ".jpg", b"\xff\xd8")  # unheld, but new
            expiry = config.forms.expire_minutes * 60
            for path in config.attachments_dir.iterdir():
                if "fresh" not in path.name:
                    age(path, expiry + 60)
            housekeeping = Housekeeping(app.requests, app.store, config.privacy.retention_days, expiry)
            seen = [sorted(p.name for p in config.attachments_dir.iterdir())]
            swept = await housekeeping.run_once()
            seen.append(sorted(p.name for p in config.attachments_dir.iterdir()))
            assert swept.photos == 1, seen
            return seen

    before, after = asyncio.run(main())
    assert len(before) == 3
    assert [n for n in after if n.startswith("console-7-")] and [n for n in after if "fresh" in n]
    assert not [n for n in after if n.startswith("console-8-")]
