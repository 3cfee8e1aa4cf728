"""The unanswered log written beside the answers, in batches.

Every knowledge question is counted and some are kept (bot/unanswered/watch.py). Written one
commit a question, those writes cost each message as much as answering it. Here the outcomes of
the messages that arrive while one batch is being written go out together in the next, in one
transaction. Nothing waits for them but an erasure and shutdown (Core.handle, Core.drain); a
batch that fails (a locked database, a full disk) is logged and dropped: counts and entries, never
an answer.
"""

from __future__ import annotations

import asyncio
import logging

from bot.messages import Incoming
from bot.storage.contracts import UnansweredStore
from bot.unanswered.records import Counted, NewEntry
from bot.unanswered.watch import Outcome

log = logging.getLogger(__name__)


class BatchWriter:
    def __init__(self, unanswered: UnansweredStore) -> None:
        self.unanswered = unanswered
        self._counts: list[Counted] = []
        self._entries: list[NewEntry] = []
        self._messages: list[str] = []  # log ids, to say which messages a failed batch lost
        self._flusher: asyncio.Task[None] | None = None

    def add(self, msg: Incoming, outcomes: list[Outcome]) -> None:
        at = self.unanswered.clock()
        for o in outcomes:
            self._counts.append(Counted(at, o.lang, o.answered))
            if o.kind is not None:
                entry = NewEntry(at, msg.channel, msg.chat_id, msg.user_id, o.lang, o.kind, o.text, o.topics)
                self._entries.append(entry)
        self._messages.append(f"{msg.channel} {msg.log_id or '-'}")
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())

    @property
    def busy(self) -> bool:
        return self._flusher is not None

    async def idle(self) -> None:
        """Returns once everything added so far is written (or its failure logged)."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            while self._counts or self._entries:
                counts, entries, messages = self._counts, self._entries, self._messages
                self._counts, self._entries, self._messages = [], [], []
                try:
                    await self.unanswered.write(counts, entries)
                except Exception as exc:  # noqa: BLE001 - counts and entries lost; the answers went out
                    log.warning(
                        "unanswered log of %d message(s) not written (%s): %s",
                        len(messages),
                        ", ".join(messages[:5]),
                        exc,
                    )
        finally:
            self._flusher = None
