"""What the rest of the code needs from storage, as Protocols: the contract every backend keeps.

The core, the outbox and the button payload table use only these; the SQLite classes (Store,
RequestQueue, UnansweredLog, StaffAccounts, Sessions) are checked against them by mypy
(bot/storage/conformance.py), so a method renamed or retyped on one side fails `make check`.

Types named here are imported only for type checking: the modules that implement the contracts
import this one, and the records they return (Request, Account, …) live beside them.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

from bot.storage.sql import SqlDatabase

if TYPE_CHECKING:
    from bot.conversation import Conversation
    from bot.forms.model import Form
    from bot.messages import Address, ConversationKey
    from bot.office_time import OfficeZone
    from bot.requests.queue import Submitted
    from bot.requests.records import Request
    from bot.staff.accounts import Account, LoginResult
    from bot.staff.sessions import Session
    from bot.unanswered.groups import UnansweredGroup
    from bot.unanswered.records import Counted, NewEntry, Unanswered, WeekCount


class ConversationStore(Protocol):
    """One conversation's state (language, pending question, form in progress), by its key."""

    async def load_conversation(self, key: ConversationKey) -> Conversation: ...

    async def save_conversation(self, key: ConversationKey, state: Conversation) -> None:
        """Returns once the state is durable."""
        ...

    def queue_conversation(self, key: ConversationKey, state: Conversation) -> asyncio.Future[None]:
        """The save, queued now (saves land in the order they are made); done once durable."""
        ...

    def conversation_lock(self, key: ConversationKey) -> AbstractAsyncContextManager[None]:
        """Held around one message's load -> handle -> save, so that two workers given messages
        of the same person handle them one after the other, each seeing what the other saved."""
        ...


class PayloadStore(Protocol):
    """Button payloads too long for a channel's limit, kept under a short token."""

    async def remember_payload(self, token: str, payload: str) -> None: ...

    async def recall_payload(self, token: str) -> str | None: ...


class NoticeStore(Protocol):
    """Notices kept for someone who cannot be reached now, sent when they next write."""

    # True where other worker processes write the same database (PostgreSQL): what this process
    # remembers of the kept notices is then not the whole truth
    shared: bool

    async def keep_notice(self, to: Address, reply: str, ref: str) -> None: ...

    async def pending_addresses(self) -> set[Address]: ...

    async def pending_notices(self, to: Address) -> list[tuple[int, str]]:
        """(id, reply as JSON), oldest first."""
        ...

    async def drop_notices(self, ids: list[int]) -> None: ...


class CoreStore(ConversationStore, PayloadStore, NoticeStore, Protocol):
    """What the core, the outbox and the payload table need of one database, and closing it."""

    async def close(self) -> None: ...


class Database(CoreStore, SqlDatabase, Protocol):
    """One opened database: the core's contract, and the SQL that the request queue, the
    unanswered log, the staff accounts and the console run on it (bot/storage/sql.py).
    Store (SQLite) and PostgresStore are the two; bot/storage/opening.py picks one."""


class RequestStore(Protocol):
    """The request queue: submit with a reference, list, claim, transitions with audit, erase, purge.

    Every change is written with its audit event in the same transaction; a transition that the
    status rules forbid raises Refused, an unknown reference NotFound (bot/requests/records.py)."""

    async def submit(
        self, *, token: str, kind: str, prefix: str, answers: dict[str, object], requester: ConversationKey, lang: str
    ) -> Submitted:
        """Returns only once the request is durable, so the caller may acknowledge it."""
        ...

    async def get(self, ref: str, with_events: bool = False) -> Request | None: ...

    async def list(
        self,
        status: str | Iterable[str] | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[Request]:
        """Oldest first; at most `limit` (None: all) after `offset`."""
        ...

    async def count(self, status: str | Iterable[str] | None = None, kind: str | None = None) -> int: ...

    async def kinds(self) -> builtins.list[str]: ...

    async def export_csv(self, zone: OfficeZone) -> tuple[int, bytes]:
        """(count, the CSV of every request; bot/requests/export.py), built off the event loop."""
        ...

    async def for_requester(self, channel: str, user_id: str) -> builtins.list[Request]: ...

    async def awaiting_answer(self, key: ConversationKey) -> Request | None: ...

    async def claim(self, ref: str, actor: str) -> Request: ...

    async def assign(self, ref: str, actor: str, assignee: str) -> Request: ...

    async def reply(self, ref: str, actor: str, text: str) -> Request: ...

    async def note(self, ref: str, actor: str, text: str) -> Request: ...

    async def close(self, ref: str, actor: str) -> Request: ...

    async def reopen(self, ref: str, actor: str) -> Request: ...

    async def refuse(self, ref: str, actor: str, attempt: str) -> Request | None: ...

    async def requester_reply(self, ref: str, requester: ConversationKey, text: str) -> Request: ...

    async def decline_answer(self, ref: str, requester: ConversationKey) -> Request: ...

    async def mark_unreachable(self, channel: str, user_id: str) -> int: ...

    async def forget(self, channel: str, user_id: str) -> int:
        """Erase this requester's personal fields in all their requests, and their conversations."""
        ...

    async def purge(self, retention_days: int) -> int: ...


class UnansweredStore(Protocol):
    """What the bot could not answer, and how many questions it was asked, by week."""

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
    ) -> None: ...

    async def count_question(self, lang: str, answered: bool) -> None: ...

    async def write(self, counts: Sequence[Counted], entries: Sequence[NewEntry]) -> None:
        """Counts and entries of many messages, in one transaction (bot/unanswered/writer.py)."""
        ...

    def clock(self) -> float:
        """Now, as the log stamps it (tests set it)."""
        ...

    async def entries(self, since: float | None = None, lang: str | None = None) -> list[Unanswered]: ...

    async def entry(self, entry_id: int) -> Unanswered | None: ...

    async def groups(self, since: float | None = None, lang: str | None = None) -> list[UnansweredGroup]: ...

    async def group(self, key: str) -> UnansweredGroup | None: ...

    async def weeks(self, since: float | None = None) -> list[WeekCount]: ...

    async def send_to_staff(self, entry_id: int, requests: RequestStore, form: Form, actor: str = "system") -> str: ...

    async def erase_person(self, channel: str, chat_id: str) -> int: ...

    async def purge(self, older_than: float) -> int: ...

    async def purge_expired(self) -> int: ...


class StaffAccountStore(Protocol):
    """Staff accounts of the web console: passwords stored only hashed, identities linked."""

    async def get(self, account_id: int) -> Account | None: ...

    async def by_login(self, login: str) -> Account | None: ...

    async def all(self) -> list[Account]: ...

    async def add(
        self, login: str, *, admin: bool = False, identities: tuple[str, ...] = (), lang: str = "ja"
    ) -> tuple[Account, str]: ...

    async def reset_password(self, login: str) -> str: ...

    async def set_password(self, account: Account, password: str) -> None: ...

    async def set_disabled(self, login: str, disabled: bool) -> Account: ...

    async def link(self, login: str, identity: str) -> Account: ...

    async def set_lang(self, account: Account, lang: str) -> None: ...

    async def check_login(self, login: str, password: str, address: str) -> LoginResult: ...


class SessionStore(Protocol):
    """Console logins: a token given out once, stored only as its digest."""

    async def create(self, account: Account) -> str: ...

    async def lookup(self, token: str) -> Session | None: ...

    async def revoke(self, token: str) -> None: ...

    async def revoke_others(self, account: Account, keep: str) -> None: ...
