"""Questions that reach answering close together (one turn of the event loop) are understood together.

Why: a match reads the whole index (postings, keyword and sample arrays, the vocabulary) and runs
numpy's and rapidfuzz's code. Between two people's questions a channel parses a webhook, checks a
signature, builds and sends a reply: by the next match the CPU caches hold the channel's data, and
the same match costs about twice the CPU (bench/matching.py, "cold caches"). Under load several
questions arrive in one turn of the loop; understanding them one right after the other keeps the matcher's
data warm. The batch runs one turn of the loop after its first question, so that the questions
of the requests read in that turn join it; a question alone waits that one turn, microseconds on
an idle loop (bench/line_throughput.py measures the gain).
"""

from __future__ import annotations

import asyncio

from bot.answering.matcher import Matcher
from bot.answering.understand import Understanding, understand


class QuestionBatch:
    """One per process part that answers; each call to `understand` is one question."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self._waiting: list[tuple[str, asyncio.Future[Understanding]]] = []

    def understand(self, text: str) -> asyncio.Future[Understanding]:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Understanding] = loop.create_future()
        self._waiting.append((text, done))
        if len(self._waiting) == 1:  # the first: the batch runs at the end of the next turn
            loop.call_soon(self._next_turn)
        return done

    def _next_turn(self) -> None:
        asyncio.get_running_loop().call_soon(self._run)

    def _run(self) -> None:
        waiting, self._waiting = self._waiting, []
        for text, done in waiting:
            if done.done():  # its asker was cancelled (a shutdown): nothing to answer
                continue
            try:
                done.set_result(understand(self.matcher, text))
            except Exception as exc:  # noqa: BLE001 - one question's failure is that asker's alone
                done.set_exception(exc)
