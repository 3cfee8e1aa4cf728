"""/mydata, /forget with confirmation, and purge after the retention period."""
from __future__ import annotations

import asyncio
import sqlite3

from bot.app import open_app
from bot.messages import ConversationKey
from bot.requests.queue import RequestQueue
from queue_helpers import LECTURE_KO, press, say, submit
from shared import answering_for

DAY = 86400.0


def test_mydata_shows_settings_and_every_answer(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, "7", "/lang ko")
            ref = await submit(core, "7")
            await submit(core, "8", answers={"university": "다른 대학교"})
            return ref, await say(core, "7", "/mydata")

    ref, replies = asyncio.run(scenario())
    text = replies[0].text
    assert "lang: ko" in text and ref in text
    for value in ("한국대학교", "김민지", "minji@example.ac.kr", "2026-05-12; 2026-05-19", "대면 (강의실 방문)"):
        assert value in text
    assert "이메일" in text or "E-mail" in text or "email" in text.lower()
    assert "다른 대학교" not in text  # nobody else's data


def test_forget_asks_first_then_erases_personal_fields_but_keeps_kind_status_and_dates(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, "7", "/lang ko")
            ref = await submit(core, "7")
            other = await submit(core, "8")
            await say(core, "1", f"/claim {ref}")
            await say(core, "1", f"/reply {ref} 가능합니다")
            await say(core, "7", "감사합니다, 김민지 드림")
            before = await core.deps.requests.get(ref)
            asked = await say(core, "7", "/forget")
            kept = await press(core, "7", "forget:no")
            still = await core.deps.requests.get(ref)
            done = await press(core, "7", "forget:yes")
            after = await core.deps.requests.get(ref, with_events=True)
            status = await say(core, "7", "/status")
            staff_view = await say(core, "1", f"/show {ref}")
            reply_now = await say(core, "1", f"/reply {ref} 하나 더")
            return (ref, before, asked, kept, still, done, after, status, staff_view, reply_now,
                    await core.deps.requests.get(other), await core.deps.store.load_conversation(
                        ConversationKey("console", "7", "7")))

    (ref, before, asked, kept, still, done, after, status, staff_view, reply_now, other,
     conversation) = asyncio.run(scenario())
    assert [b.payload for b in asked[0].buttons] == ["forget:yes", "forget:no"]
    assert still.answers == LECTURE_KO and "삭제하지 않았습니다" in kept[0].text
    assert "1건" in done[0].text
    # kept for statistics: existence, kind, status, dates
    assert (after.ref, after.kind, after.status, after.created_at, after.updated_at, after.channel) == \
        (before.ref, before.kind, before.status, before.created_at, before.updated_at, before.channel)
    # erased: answers, who asked, and the texts exchanged
    assert (after.answers, after.user_id, after.chat_id) == ({}, "", "") and after.erased_at
    assert all(e.actor != "console:7" for e in after.events)
    assert all(e.text is None for e in after.events if e.action in ("reply", "requester_reply"))
    assert after.events[-1].action == "erased"
    assert conversation.as_dict() == {}
    assert "ありません" in status[0].text  # no requests; even the /lang choice is forgotten (default ja)
    assert "김민지" not in staff_view[0].text and "minji" not in staff_view[0].text
    assert len(reply_now) == 1 and reply_now[0].to.chat_id == "1"  # nothing can be sent any more
    assert other.answers == LECTURE_KO  # the other requester is untouched


def test_no_trace_of_the_requester_left_in_the_database_file(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            ref = await submit(core, "7")
            await say(core, "1", f"/claim {ref}")
            await say(core, "1", f"/reply {ref} 회신")
            await say(core, "7", "비밀번호는 없어요 minji@example.ac.kr")
            await press(core, "7", "forget:yes")

    asyncio.run(scenario())
    with sqlite3.connect(queue_config.database) as db:
        dump = "\n".join(db.iterdump())
    for secret in ("minji@example.ac.kr", "김민지", "한국대학교", "console:7", "회신"):
        assert secret not in dump, secret


def test_purge_erases_only_requests_closed_longer_than_the_retention(queue_config):
    start = 1_780_000_000.0

    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            store = core.deps.store
            then = RequestQueue(store, clock=lambda: start)
            old = (await then.submit(token="old", kind="lecture", prefix="L", answers=LECTURE_KO,
                                     requester=ConversationKey("console", "7", "7"), lang="ko")).ref
            recent = (await then.submit(token="recent", kind="lecture", prefix="L", answers=LECTURE_KO,
                                        requester=ConversationKey("console", "8", "8"), lang="ko")).ref
            still_open = (await then.submit(token="open", kind="lecture", prefix="L", answers=LECTURE_KO,
                                            requester=ConversationKey("console", "9", "9"), lang="ko")).ref
            await then.close(old, "console:1")
            await RequestQueue(store, clock=lambda: start + 300 * DAY).close(recent, "console:1")
            later = RequestQueue(store, clock=lambda: start + 400 * DAY)
            count = await later.purge(365)
            again = await later.purge(365)
            return count, again, [await later.get(ref, with_events=True) for ref in (old, recent, still_open)]

    count, again, (old, recent, still_open) = asyncio.run(scenario())
    assert (count, again) == (1, 0)
    assert old.erased_at and old.answers == {} and old.status == "closed" and old.kind == "lecture"
    assert (old.events[-1].actor, old.events[-1].action, old.events[-1].text) == \
        ("system", "erased", "retention 365 days")
    assert recent.answers == LECTURE_KO and not recent.erased_at
    assert still_open.answers == LECTURE_KO
