"""What the bot could not answer: recorded beside the answer, grouped for the staff console.

Three kinds of entry (KINDS):
- none: the bot said it does not have that information, or said that the sources do not state
  what was asked of a topic ("partial": the asked detail is missing all the same);
- ignored_suggestion: a "did you mean" the person did not take (they wrote something else next,
  or pressed "none of these");
- low_confidence: a "did you mean" the person did take, so they got an answer the matcher was not
  confident of (its score was under [matching] answer_threshold, the matcher's own bar for
  answering). The topic they chose comes first in `topics`: it is the one the question should
  have found by itself.

Every knowledge question is also counted, answered or not, per office week and language
(question_counts): numbers only, nothing personal, so they outlive the entries.

The records are in bot/unanswered/records.py, the grouping in bot/unanswered/groups.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.forms.model import Form
from bot.messages import ConversationKey
from bot.office_time import OfficeZone
from bot.storage.contracts import RequestStore
from bot.storage.sql import SqlDatabase
from bot.unanswered.groups import UnansweredGroup, group_entries, toml_string
from bot.unanswered.records import (
    KINDS,
    MAX_TEXT,
    MAX_TOPICS,
    Counted,
    EntryNotFound,
    NewEntry,
    Topics,
    Unanswered,
    WeekCount,
)

DAY_SECONDS = 86400.0


def _bounded(text: str) -> str:
    return text.strip()[:MAX_TEXT]


def _topics_json(topics: Sequence[tuple[str, float]]) -> str:
    return json.dumps([[t, round(float(s), 4)] for t, s in list(topics)[:MAX_TOPICS]], ensure_ascii=False)


def _topics_of(raw: str) -> Topics:
    try:
        data = json.loads(raw)
        return tuple((str(t), float(s)) for t, s in data)
    except (ValueError, TypeError):
        return ()  # a damaged row still shows its text


class UnansweredLog:
    def __init__(
        self, store: SqlDatabase, zone: OfficeZone, retention_days: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.zone = zone  # weeks are the office's weeks
        self.retention_days = retention_days  # [privacy] retention_days: entries carry what people typed
        self.clock = clock

    # -- writing (Core calls these on the side, never before the reply) --------------------------

    async def record(
        self,
        *,
        channel: str,
        chat_id: str,
        lang: str,
        kind: str,
        text: str,
        topics: Sequence[tuple[str, float]],
        user_id: str = "",
    ) -> None:
        entry = NewEntry(self.clock(), channel, chat_id, user_id or chat_id, lang, kind, text, tuple(topics))
        await self.write([], [entry])

    def week_of(self, at: float) -> str:
        day = self.zone.today(at)
        return (day - timedelta(days=day.weekday())).isoformat()

    async def count_question(self, lang: str, answered: bool) -> None:
        await self.write([Counted(self.clock(), lang, answered)], [])

    async def write(self, counts: Sequence[Counted], entries: Sequence[NewEntry]) -> None:
        """Questions counted and entries kept, in one transaction: one commit, one wait for the
        disk, for all the messages of a batch (bot/unanswered/writer.py). One commit a question
        cost as much as answering it (bench/line_throughput.py)."""
        for e in entries:
            if e.kind not in KINDS:
                raise ValueError(f"unknown kind {e.kind!r}; one of {KINDS}")
        tally: dict[tuple[str, str], list[int]] = {}
        for c in counts:
            tally.setdefault((self.week_of(c.at), c.lang), [0, 0])[0 if c.answered else 1] += 1
        async with self.store.transaction() as db:
            if tally:
                await db.executemany(
                    "INSERT INTO question_counts(week, lang, answered, unanswered) VALUES (?,?,?,?) "
                    "ON CONFLICT(week, lang) DO UPDATE SET answered = question_counts.answered + excluded.answered, "
                    "unanswered = question_counts.unanswered + excluded.unanswered",
                    [(week, lang, n[0], n[1]) for (week, lang), n in tally.items()],
                )
            if entries:
                await db.executemany(
                    "INSERT INTO unanswered(at, lang, kind, text, topics, channel, chat_id, user_id) "
                    "VALUES (?,?,?,?,?,?,?,?)",
                    [
                        (
                            e.at,
                            e.lang,
                            e.kind,
                            _bounded(e.text),
                            _topics_json(e.topics),
                            e.channel,
                            e.chat_id,
                            e.user_id,
                        )
                        for e in entries
                    ],
                )

    # -- reading ------------------------------------------------------------------------------

    async def entries(self, since: float | None = None, lang: str | None = None) -> list[Unanswered]:
        """Oldest first."""
        where: list[str] = []
        params: list[object] = []
        if since is not None:
            where.append("at >= ?")
            params.append(since)
        if lang is not None:
            where.append("lang = ?")
            params.append(lang)
        sql = "SELECT id, at, lang, kind, text, topics, channel, chat_id, user_id FROM unanswered"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self.store.fetch(sql + " ORDER BY at, id", params)
        return [
            Unanswered(
                int(r[0]),
                float(r[1]),
                str(r[2]),
                str(r[3]),
                str(r[4]),
                _topics_of(str(r[5])),
                str(r[6]),
                str(r[7]),
                str(r[8]),
            )
            for r in rows
        ]

    async def entry(self, entry_id: int) -> Unanswered | None:
        rows = await self.store.fetch(
            "SELECT id, at, lang, kind, text, topics, channel, chat_id, user_id FROM unanswered WHERE id=?",
            (entry_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return Unanswered(
            int(r[0]),
            float(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            _topics_of(str(r[5])),
            str(r[6]),
            str(r[7]),
            str(r[8]),
        )

    async def groups(self, since: float | None = None, lang: str | None = None) -> list[UnansweredGroup]:
        """Similar entries together, biggest group first (then the most recent)."""
        found = group_entries(await self.entries(since, lang))
        return sorted(found, key=lambda g: (-g.count, -g.last_at))

    async def group(self, key: str) -> UnansweredGroup | None:
        """The group holding entry `key` (its oldest member when listed), grouped over all entries."""
        if not key.isascii() or not key.isdigit() or len(key) > 18:
            return None
        wanted = int(key)
        first = await self.entry(wanted)
        if first is None:
            return None
        for g in group_entries(await self.entries(lang=first.lang)):
            if any(m.id == wanted for m in g.members):
                return g
        return None

    async def weeks(self, since: float | None = None) -> list[WeekCount]:
        """Oldest week first, languages in name order."""
        sql = "SELECT week, lang, answered, unanswered FROM question_counts"
        params: list[object] = []
        if since is not None:  # the week holding `since` counts in full
            sql += " WHERE week >= ?"
            params.append(self.week_of(since))
        rows = await self.store.fetch(sql + " ORDER BY week, lang", params)
        return [WeekCount(str(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]

    # -- what staff do with a group -------------------------------------------------------------

    def suggestion_toml(self, group: UnansweredGroup, topic_id: str) -> str:
        """Lines to paste into knowledge/topics/<topic_id>.toml, inside `questions = [` of the
        group's language table: its distinct texts as sample questions (newest first, at most 3).

        TOML cannot add to an array from elsewhere in the file, so these are array items, each
        on its own line with a trailing comma, under a comment saying where they go."""
        seen: list[str] = []
        for member in group.members:
            item = toml_string(member.text)
            if item != '""' and item not in seen:
                seen.append(item)
            if len(seen) == MAX_TOPICS:
                break
        lines = [
            f"  # paste into knowledge/topics/{topic_id}.toml under [{group.lang}], inside questions = [ ... ],"
            " then run madoguchi kb check",
            f"  # asked {group.count} time(s) ({', '.join(f'{k} {n}' for k, n in sorted(group.kinds.items()))})",
            *(f"  {item}," for item in seen),
        ]
        return "\n".join(lines) + "\n"

    async def send_to_staff(self, entry_id: int, requests: RequestStore, form: Form, actor: str = "system") -> str:
        """File the entry as a question request for the person who asked (the kind, prefix and
        question field of the bot's own "ask staff" form, `form`), addressed to their chat so a
        staff reply reaches them through the outbox. Returns the reference; sending the same
        entry again returns the same one (the submission token is the entry's)."""
        entry = await self.entry(entry_id)
        if entry is None:
            raise EntryNotFound(str(entry_id))
        field = next((f for f in form.fields if f.prefill == "pending_question"), None)
        name = field.name if field is not None else "question"
        submitted = await requests.submit(
            token=f"unanswered-{entry.id}",
            kind=form.kind,
            prefix=form.prefix,
            answers={name: entry.text},
            requester=ConversationKey(entry.channel, entry.chat_id, entry.user_id or entry.chat_id),
            lang=entry.lang,
        )
        if submitted.created:
            await requests.note(submitted.ref, actor, f"filed from the unanswered questions (entry {entry.id})")
        return submitted.ref

    # -- erasure --------------------------------------------------------------------------------

    async def erase_person(self, channel: str, chat_id: str) -> int:
        """Delete what this person asked (by the chat, and by them as the asker in any chat)."""
        async with self.store.transaction() as db:
            gone = await db.fetch(
                "DELETE FROM unanswered WHERE channel=? AND (chat_id=? OR user_id=?) RETURNING id",
                (channel, chat_id, chat_id),
            )
        count = len(gone)
        if count:
            await self.store.after_erasure()  # the erased text leaves the -wal file too
        return count

    async def purge(self, older_than: float) -> int:
        """Delete entries recorded before this time (the counts stay: they hold nothing personal)."""
        async with self.store.transaction() as db:
            count = len(await db.fetch("DELETE FROM unanswered WHERE at < ? RETURNING id", (older_than,)))
        if count:
            await self.store.after_erasure()
        return count

    async def purge_expired(self) -> int:
        """The retention purge: entries older than [privacy] retention_days."""
        return await self.purge(self.clock() - self.retention_days * DAY_SECONDS)
