"""The request queue on a real SQLite file: references, concurrency, status rules and the audit."""
from __future__ import annotations

import asyncio
import calendar
import sqlite3

import pytest

from bot.app import open_app
from bot.messages import ConversationKey
from bot.requests.records import NotFound, Refused
from bot.requests.queue import RequestQueue
from queue_helpers import LECTURE_KO, submit
from shared import answering_for

STAFF = "console:1"
OTHER_STAFF = "telegram:555"


def at(year: int, month: int = 6, day: int = 1) -> float:
    return float(calendar.timegm((year, month, day, 9, 0, 0)))


def audit(config, ref: str) -> list[tuple[str, str, str | None]]:
    """The audit trail read back with plain sqlite3, as an auditor would."""
    with sqlite3.connect(config.database) as db:
        return db.execute(
            "SELECT e.actor, e.action, e.text FROM request_events e JOIN requests r ON r.id = e.request_id "
            "WHERE r.ref=? ORDER BY e.id", (ref,)).fetchall()


def test_references_count_per_kind_and_restart_each_year(queue_config):
    async def scenario() -> list[str]:
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            refs = []
            for year, kind in [(2025, "lecture"), (2025, "lecture"), (2025, "omatsuri"), (2026, "lecture"),
                               (2026, "question"), (2026, "lecture")]:
                queue = RequestQueue(core.deps.store, clock=lambda y=year: at(y))
                done = await queue.submit(token=f"{year}-{len(refs)}", kind=kind, prefix=kind[0].upper(),
                                          answers={}, requester=ConversationKey("console", "7", "7"), lang="ja")
                refs.append(done.ref)
            return refs

    assert asyncio.run(scenario()) == ["L-2025-0001", "L-2025-0002", "O-2025-0001", "L-2026-0001",
                                       "Q-2026-0001", "L-2026-0002"]


def test_concurrent_submits_get_unique_gapless_references(queue_config):
    async def scenario() -> list[str]:
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            return list(await asyncio.gather(*(submit(core, str(100 + i)) for i in range(60))))

    refs = asyncio.run(scenario())
    assert len(set(refs)) == 60
    assert sorted(int(r.rsplit("-", 1)[1]) for r in refs) == list(range(1, 61))
    with sqlite3.connect(queue_config.database) as db:
        assert db.execute("SELECT count(*) FROM requests").fetchone()[0] == 60
        assert db.execute("SELECT count(*) FROM request_events WHERE action='submitted'").fetchone()[0] == 60


def test_a_retried_submit_with_the_same_token_is_not_a_duplicate(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            key = ConversationKey("console", "7", "7")
            first = await core.deps.requests.submit(token="t1", kind="lecture", prefix="L", answers=LECTURE_KO,
                                                    requester=key, lang="ko")
            again = await core.deps.requests.submit(token="t1", kind="lecture", prefix="L", answers={},
                                                    requester=key, lang="ko")
            return first, again, await core.deps.requests.list()

    first, again, stored = asyncio.run(scenario())
    assert (first.created, again.created, again.ref) == (True, False, first.ref)
    assert len(stored) == 1 and stored[0].answers == LECTURE_KO


def test_status_rules_and_every_step_in_the_audit(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            q = core.deps.requests
            ref = await submit(core, "7")
            requester = ConversationKey("console", "7", "7")
            seen = []
            with pytest.raises(Refused) as refused:
                await q.reply(ref, STAFF, "too early")
            seen.append(refused.value.reason)
            seen.append((await q.claim(ref, STAFF)).status)
            with pytest.raises(Refused) as refused:
                await q.claim(ref, OTHER_STAFF)
            seen.append((refused.value.reason, refused.value.details["by"]))
            answered = await q.reply(ref, STAFF, "12日で大丈夫です")
            seen.append((answered.status, answered.awaiting_answer))
            back = await q.requester_reply(ref, requester, "감사합니다")
            seen.append((back.status, back.awaiting_answer))
            await q.note(ref, OTHER_STAFF, "internal")
            closed = await q.close(ref, STAFF)
            seen.append((closed.status, closed.closed_at is not None))
            with pytest.raises(Refused) as refused:
                await q.requester_reply(ref, requester, "one more thing")
            seen.append(refused.value.reason)
            with pytest.raises(Refused) as refused:
                await q.close(ref, STAFF)
            seen.append(refused.value.reason)
            reopened = await q.reopen(ref, OTHER_STAFF)
            seen.append((reopened.status, reopened.assignee, reopened.closed_at))
            with pytest.raises(Refused) as refused:
                await q.reopen(ref, STAFF)
            seen.append(refused.value.reason)
            with pytest.raises(NotFound):
                await q.claim("L-1999-0001", STAFF)
            return ref, seen

    ref, seen = asyncio.run(scenario())
    assert seen == [
        "not_claimed", "claimed", ("already_claimed", STAFF), ("answered", True), ("claimed", False),
        ("closed", True), "closed", "already_closed", ("claimed", STAFF, None), "not_closed",
    ]
    assert audit(queue_config, ref) == [
        ("console:7", "submitted", None),
        (STAFF, "refused", "reply: not_claimed"),
        (STAFF, "claimed", None),
        (OTHER_STAFF, "refused", "claimed: already_claimed"),
        (STAFF, "reply", "12日で大丈夫です"),
        ("console:7", "requester_reply", "감사합니다"),
        (OTHER_STAFF, "note", "internal"),
        (STAFF, "closed", None),
        ("console:7", "refused", "requester_reply: closed"),
        (STAFF, "refused", "closed: already_closed"),
        (OTHER_STAFF, "reopened", None),
        (STAFF, "refused", "reopened: not_closed"),
    ]


def test_reopen_without_an_assignee_goes_back_to_new(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            ref = await submit(core, "7")
            await core.deps.requests.close(ref, STAFF)
            return await core.deps.requests.reopen(ref, STAFF)

    assert asyncio.run(scenario()).status == "new"


def test_someone_else_cannot_answer_into_a_request(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            ref = await submit(core, "7")
            await core.deps.requests.claim(ref, STAFF)
            await core.deps.requests.reply(ref, STAFF, "?")
            with pytest.raises(Refused) as refused:
                await core.deps.requests.requester_reply(ref, ConversationKey("console", "8", "8"), "hijack")
            return ref, refused.value.reason, await core.deps.requests.get(ref)

    ref, reason, request = asyncio.run(scenario())
    assert reason == "not_yours" and request.status == "answered" and request.awaiting_answer
    assert audit(queue_config, ref)[-1] == ("console:8", "refused", "requester_reply: not_yours")


def test_mark_unreachable_changes_only_the_flag(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            ref = await submit(core, "7", channel="telegram")
            other = await submit(core, "8", channel="telegram")
            await core.deps.requests.claim(ref, STAFF)
            before = await core.deps.requests.get(ref)
            count = await core.deps.requests.mark_unreachable("telegram", "7")
            again = await core.deps.requests.mark_unreachable("telegram", "7")
            return before, await core.deps.requests.get(ref), await core.deps.requests.get(other), count, again

    before, after, other, count, again = asyncio.run(scenario())
    assert (count, again) == (1, 0)
    assert after.unreachable and not other.unreachable
    assert after == type(after)(**{**before.__dict__, "unreachable": True})


def test_list_filters_by_status_and_kind(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            q = core.deps.requests
            a = await submit(core, "7")
            b = await submit(core, "8", "question", {"question": "?"})
            c = await submit(core, "9")
            await q.claim(c, STAFF)
            return ([r.ref for r in await q.list("new")], [r.ref for r in await q.list(kind="lecture")],
                    [r.ref for r in await q.list("claimed", "lecture")], [r.ref for r in await q.list()],
                    [r.ref for r in await q.for_requester("console", "8")], a, b, c)

    new, lectures, claimed, everything, mine, a, b, c = asyncio.run(scenario())
    assert (new, lectures, claimed, everything, mine) == ([a, b], [a, c], [c], [a, b, c], [b])
