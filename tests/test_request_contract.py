"""The request queue, the unanswered log, the staff accounts and the console's queries: one suite
run against both stores, through the real app (open_app) on a real SQLite file and on a real
throw-away PostgreSQL server (tests/pg_server.py). Then what only several workers can show: two
apps on one PostgreSQL database at once, as two worker processes would be."""
from __future__ import annotations

import asyncio
import calendar
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot.app import App, open_app
from bot.config import Config
from bot.conversation import Conversation
from bot.core.channel import Delivery, Limits
from bot.messages import Address, ConversationKey, Incoming, Photo, Reply
from bot.office_time import OfficeZone
from bot.requests.queue import RequestQueue
from bot.requests.records import NotFound, Refused
from bot.requests.search import QueueQuery, counts, find, newest_change
from bot.requests.stats import open_ages, weekly
from bot.staff.accounts import StaffAccounts
from bot.staff.sessions import Sessions
from bot.unanswered.records import Counted, NewEntry
from conftest import on_postgres
from queue_helpers import LECTURE_KO, submit
from shared import answering_for

KEY = ConversationKey("line", "Uaaa", "Uaaa")
STAFF_LINE = "line:U" + "5" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, queue_config: Config) -> Config:
    if request.param == "sqlite":
        return queue_config
    return on_postgres(queue_config, request.getfixturevalue("pg_url"))


def run(config: Config, scenario: Callable[[App], Awaitable[None]]) -> None:
    async def main() -> None:
        async with open_app(config, answering=answering_for(config)) as app:
            await scenario(app)
    asyncio.run(main())


def test_references_count_per_kind_and_year_and_concurrent_submits_are_unique_and_gapless(backend: Config) -> None:
    async def scenario(app: App) -> None:
        refs = []
        for year, kind in [(2025, "L"), (2025, "L"), (2025, "O"), (2026, "L")]:
            queue = RequestQueue(app.store, clock=lambda y=year: float(calendar.timegm((y, 6, 1, 9, 0, 0))))
            done = await queue.submit(token=uuid.uuid4().hex, kind="lecture", prefix=kind, answers={},
                                      requester=KEY, lang="ja")
            refs.append(done.ref)
        assert refs == ["L-2025-0001", "L-2025-0002", "O-2025-0001", "L-2026-0001"]
        many = await asyncio.gather(*(submit(app.core, f"u{i}", kind="question") for i in range(60)))
        assert sorted(int(r.rsplit("-", 1)[1]) for r in many) == list(range(1, 61))
        assert await app.requests.count() == 64
    run(backend, scenario)


def test_a_token_submitted_again_or_at_once_is_one_request(backend: Config) -> None:
    async def scenario(app: App) -> None:
        async def once() -> tuple[str, bool]:
            done = await app.requests.submit(token="tok-1", kind="lecture", prefix="L", answers=dict(LECTURE_KO),
                                             requester=KEY, lang="ko")
            return done.ref, done.created
        results = await asyncio.gather(*(once() for _ in range(8)))
        assert {ref for ref, _ in results} == {results[0][0]}
        assert sum(created for _, created in results) == 1
        assert (await once())[1] is False
        assert await app.requests.count() == 1
    run(backend, scenario)


def test_claims_at_once_have_one_winner_and_every_attempt_is_audited(backend: Config) -> None:
    async def scenario(app: App) -> None:
        ref = await submit(app.core, "9")
        outcomes = await asyncio.gather(*(app.requests.claim(ref, f"telegram:{i}") for i in range(10)),
                                        return_exceptions=True)
        winners = [o for o in outcomes if not isinstance(o, BaseException)]
        assert len(winners) == 1
        assert all(isinstance(o, Refused) and o.reason == "already_claimed" for o in outcomes if o not in winners)
        request = await app.requests.get(ref, with_events=True)
        assert request is not None and request.assignee == winners[0].assignee
        actions = [e.action for e in request.events]
        assert actions.count("claimed") == 1 and actions.count("refused") == 9
    run(backend, scenario)


def test_status_rules_the_exchange_and_the_audit_hold(backend: Config) -> None:
    async def scenario(app: App) -> None:
        queue = app.requests
        ref = await submit(app.core, "5", channel="line")
        requester = ConversationKey("line", "5", "5")
        with pytest.raises(Refused) as caught:
            await queue.reply(ref, "console:1", "hello")
        assert caught.value.reason == "not_claimed"
        await queue.claim(ref, "console:1")
        answered = await queue.reply(ref, "console:1", "We can come on 12 May.")
        assert (answered.status, answered.awaiting_answer) == ("answered", True)
        assert (await queue.awaiting_answer(requester)) is not None
        back = await queue.requester_reply(ref, requester, "Thank you!")
        assert (back.status, back.awaiting_answer) == ("claimed", False)
        await queue.note(ref, "console:1", "internal")
        closed = await queue.close(ref, "console:1")
        with pytest.raises(Refused):
            await queue.close(ref, "console:1")
        assert closed.status == "closed" and closed.closed_at is not None
        assert (await queue.reopen(ref, "console:1")).status == "claimed"
        with pytest.raises(NotFound):
            await queue.claim("L-1999-0001", "console:1")
        request = await queue.get(ref, with_events=True)
        assert request is not None
        assert [e.action for e in request.events] == [
            "submitted", "refused", "claimed", "reply", "requester_reply", "note", "closed", "refused", "reopened"]
        assert [e.text for e in request.events if e.action == "reply"] == ["We can come on 12 May."]
    run(backend, scenario)


def test_lists_page_count_and_find_by_kind_status_and_requester(backend: Config) -> None:
    async def scenario(app: App) -> None:
        queue = app.requests
        refs = [await submit(app.core, str(i % 3), kind=("lecture", "question")[i % 2]) for i in range(9)]
        await queue.claim(refs[0], "console:1")
        assert [r.ref for r in await queue.list()] == refs
        assert [r.ref for r in await queue.list(limit=3, offset=3)] == refs[3:6]
        assert await queue.count("new") == 8 and await queue.count(("new", "claimed"), "lecture") == 5
        assert await queue.kinds() == ["lecture", "question"]
        assert [r.ref for r in await queue.for_requester("console", "1")] == refs[1::3]
        count, csv = await queue.export_csv(app.config.zone)
        assert count == 9 and csv.decode("utf-8-sig").count("\n") >= 10 and "한국대학교" in csv.decode("utf-8-sig")
    run(backend, scenario)


def test_the_console_search_ignores_latin_case_and_counts_what_matches(backend: Config) -> None:
    async def scenario(app: App) -> None:
        ref = await submit(app.core, "1", answers={**LECTURE_KO, "email": "Minji.Kim@Example.ac.kr"})
        await submit(app.core, "2", answers={**LECTURE_KO, "email": "other@example.org", "contact_person": "박"})
        page = await find(app.store, QueueQuery(text="minji.kim"))
        assert [r.ref for r in page.requests] == [ref] and page.total == 1
        assert (await find(app.store, QueueQuery())).total == 2
        assert (await counts(app.store))["new"] == 2
        before = await newest_change(app.store)
        await app.requests.claim(ref, "console:1")
        assert await newest_change(app.store) > before
        zone = app.config.zone
        weeks = await weekly(app.store, zone, app.core.deps.clock(), 4)
        assert sum(sum(w.by_kind.values()) for w in weeks) == 2
        assert sum(b.count for b in await open_ages(app.store, app.core.deps.clock())) == 2
    run(backend, scenario)


def test_forget_and_purge_erase_the_personal_fields_and_keep_the_rest(backend: Config) -> None:
    async def scenario(app: App) -> None:
        queue = app.requests
        mine = await submit(app.core, "7", channel="line")
        other = await submit(app.core, "8", channel="line")
        await queue.claim(mine, "console:1")
        await queue.reply(mine, "console:1", "a reply with a name in it")
        await app.store.save_conversation(ConversationKey("line", "7", "7"), Conversation(lang="ko"))
        assert await queue.forget("line", "7") == 1
        assert await app.store.load_conversation(ConversationKey("line", "7", "7")) == Conversation()
        erased = await queue.get(mine, with_events=True)
        assert erased is not None and erased.answers == {} and erased.user_id == "" and erased.erased_at
        assert all(e.text is None for e in erased.events if e.action == "reply")
        assert (await queue.get(other)) is not None and (await queue.get(other)).answers  # type: ignore[union-attr]
        await queue.claim(other, "console:1")
        await queue.close(other, "console:1")
        later = RequestQueue(app.store, clock=lambda: app.core.deps.clock() + 400 * 86400)
        assert await later.purge(365) == 1
        assert (await queue.get(other)).answers == {}  # type: ignore[union-attr]
    run(backend, scenario)


def test_the_unanswered_log_counts_keeps_and_erases(backend: Config) -> None:
    async def scenario(app: App) -> None:
        log = app.unanswered
        now = log.clock()
        await log.write(
            [Counted(now, "ja", False), Counted(now, "ja", True), Counted(now, "ko", False)],
            [NewEntry(now, "line", "Uaaa", "Uaaa", "ja", "none", "今年のおまつりの日程は?", ()),
             NewEntry(now, "line", "Ubbb", "Ubbb", "ko", "low_confidence", "학생 할인?", (("jet.programme", 0.4),))],
        )
        await log.write([Counted(now, "ja", False)], [])
        weeks = {(w.lang, w.answered, w.unanswered) for w in await log.weeks()}
        assert weeks == {("ja", 1, 2), ("ko", 0, 1)}
        entries = await log.entries()
        assert [e.text for e in entries] == ["今年のおまつりの日程は?", "학생 할인?"]
        assert list(entries[1].topics) == [("jet.programme", 0.4)]
        assert (await log.entry(entries[0].id)) == entries[0]
        assert await log.erase_person("line", "Uaaa") == 1
        assert await log.purge(now + 1) == 1 and await log.entries() == []
    run(backend, scenario)


def test_staff_accounts_logins_and_sessions(backend: Config) -> None:
    async def scenario(app: App) -> None:
        accounts = StaffAccounts(app.store)
        account, password = await accounts.add("kim", identities=(STAFF_LINE,), lang="ko")
        assert account.identities == (STAFF_LINE,) and account.must_change
        assert (await accounts.check_login("kim", "wrong", "10.0.0.1")).account is None
        assert (await accounts.check_login("kim", password, "10.0.0.1")).account == account
        await accounts.link("kim", "telegram:42")
        assert (await accounts.by_login("kim")).identities == (STAFF_LINE, "telegram:42")  # type: ignore[union-attr]
        sessions = Sessions(app.store, accounts, hours=8)
        token = await sessions.create(account)
        found = await sessions.lookup(token)
        assert found is not None and found.account.login == "kim"
        await sessions.revoke(token)
        assert await sessions.lookup(token) is None
        assert [a.login for a in await accounts.all()] == ["kim"]
    run(backend, scenario)


# -- several workers on one PostgreSQL database ------------------------------------------------

@asynccontextmanager
async def workers(config: Config, n: int) -> AsyncIterator[list[App]]:
    """n apps on the same database, each with its own pools, as n worker processes would have."""
    async with open_app(config, answering=answering_for(config)) as first:
        apps = [first]
        opened = [open_app(config, answering=answering_for(config)) for _ in range(n - 1)]
        try:
            for context in opened:
                apps.append(await context.__aenter__())
            yield apps
        finally:
            for context in reversed(opened):
                await context.__aexit__(None, None, None)


def test_two_workers_submitting_and_claiming_at_once_never_share_a_reference(queue_config: Config,
                                                                             pg_url: str) -> None:
    async def main() -> None:
        async with workers(on_postgres(queue_config, pg_url), 2) as (one, two):
            refs = await asyncio.gather(*(submit((one, two)[i % 2].core, f"w{i}") for i in range(80)))
            assert sorted(int(r.rsplit("-", 1)[1]) for r in refs) == list(range(1, 81))
            claims = await asyncio.gather(one.requests.claim(refs[0], "telegram:1"),
                                          two.requests.claim(refs[0], STAFF_LINE), return_exceptions=True)
            assert sum(not isinstance(c, BaseException) for c in claims) == 1
    asyncio.run(main())


def test_one_persons_messages_given_to_two_workers_at_once_lose_no_answer(queue_config: Config,
                                                                          pg_url: str) -> None:
    """Two answers typed quickly, each received by another worker: without the conversation lock
    both workers load the same form step and one answer overwrites the other."""
    async def main() -> None:
        async with workers(on_postgres(queue_config, pg_url), 2) as (one, two):
            users = [f"p{i}" for i in range(20)]
            for user in users:
                await one.core.handle(Incoming("line", user, user, text="/lang en"))
                await one.core.handle(Incoming("line", user, user, text="/lecture"))
            await asyncio.gather(*(
                task for user in users for task in (
                    one.core.handle(Incoming("line", user, user, text=f"University of {user}")),
                    two.core.handle(Incoming("line", user, user, text=f"Department of {user}")))))
            for app in (one, two):
                await app.core.drain()
            for user in users:
                form = (await two.store.load_conversation(ConversationKey("line", user, user))).form
                assert form is not None
                assert sorted(str(v) for v in form.answers.values()) == [f"Department of {user}",
                                                                         f"University of {user}"], form.answers
    asyncio.run(main())


def test_the_daily_purge_runs_in_one_worker_at_a_time(queue_config: Config, pg_url: str) -> None:
    async def main() -> None:
        async with workers(on_postgres(queue_config, pg_url), 2) as (one, two):
            async with one.store.exclusively("purge") as first:
                async with two.store.exclusively("purge") as second:
                    assert (first, second) == (True, False)
            async with two.store.exclusively("purge") as again:
                assert again
    asyncio.run(main())


class Recorder:
    """A channel that records what it is given; `reachable` says whether it can deliver now."""

    name = "line"
    limits = Limits(5000, 13, 20, 300, 5)

    def __init__(self, reachable: bool) -> None:
        self.reachable = reachable
        self.sent: list[str] = []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def web_routes(self) -> Sequence[web.RouteDef]:
        return ()

    def staff_places(self) -> Sequence[Address]:
        return ()

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        if not self.reachable:
            return [Delivery.LATER] * len(replies)
        self.sent += [r.text for r in replies]
        return [Delivery.SENT] * len(replies)

    async def fetch_photo(self, photo: Photo, owner: str) -> Photo:
        return photo


def test_a_notice_kept_by_one_worker_is_delivered_by_the_other_when_they_next_write(queue_config: Config,
                                                                                    pg_url: str) -> None:
    async def main() -> None:
        async with workers(on_postgres(queue_config, pg_url), 2) as (one, two):
            away, here = Recorder(reachable=False), Recorder(reachable=True)
            one.outbox.register(away)
            two.outbox.register(here)
            person = Address("line", "Uccc")
            await one.outbox.deliver([Reply(person, "Staff replied to L-2026-0001", ref="L-2026-0001")])
            assert away.sent == [] and await two.store.pending_notices(person) != []
            await two.outbox.deliver([Reply(person, "an answer")], origin=Incoming("line", "Uccc", "Uccc", text="hi"))
            assert here.sent == ["Staff replied to L-2026-0001", "an answer"]
            assert await one.store.pending_notices(person) == []
    asyncio.run(main())
