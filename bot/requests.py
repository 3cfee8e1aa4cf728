"""The request queue: requests committed atomically with a human reference, plus their audit."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable

from bot.messages import ConversationKey
from bot.store import Store


@dataclass(frozen=True)
class Submitted:
    ref: str
    created: bool  # False when this token was already submitted (a retry after a crash)


class RequestQueue:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def submit(self, *, token: str, kind: str, prefix: str, answers: dict[str, Any],
                     requester: ConversationKey, lang: str) -> Submitted:
        """Store one request in one transaction; returns only after COMMIT, so the caller may ack."""
        now = self.clock()
        year = time.gmtime(now).tm_year
        async with self.store.transaction() as db:
            async with db.execute("SELECT ref FROM requests WHERE token=?", (token,)) as cur:
                row = await cur.fetchone()
            if row:
                return Submitted(row[0], created=False)
            await db.execute(
                "INSERT INTO ref_counters(prefix, year, last) VALUES (?, ?, 1) "
                "ON CONFLICT(prefix, year) DO UPDATE SET last = last + 1",
                (prefix, year),
            )
            async with db.execute("SELECT last FROM ref_counters WHERE prefix=? AND year=?", (prefix, year)) as cur:
                seq = (await cur.fetchone())[0]
            ref = f"{prefix}-{year}-{seq:04d}"
            cur = await db.execute(
                "INSERT INTO requests(ref, token, kind, answers, channel, chat_id, user_id, lang, created_at, "
                "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (ref, token, kind, json.dumps(answers, ensure_ascii=False), *requester, lang, now, now),
            )
            await db.execute(
                "INSERT INTO request_events(request_id, at, actor, action) VALUES (?,?,?,?)",
                (cur.lastrowid, now, f"{requester.channel}:{requester.user_id}", "submitted"),
            )
        return Submitted(ref, created=True)
