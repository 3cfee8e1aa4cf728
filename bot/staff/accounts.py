"""Staff accounts: created from the command line or by an admin, linked to chat identities.

Passwords are hashed with scrypt off the event loop; wrong passwords are counted per login and per
address, and past the limit a login is refused without even checking the password, so guessing
costs the guesser the window, not us the CPU.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.config import LANGUAGES
from bot.staff.passwords import hash_password, one_time_password, verify_password, weak_reason
from bot.storage.sql import Row, SqlDatabase

LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$")
IDENTITY = re.compile(r"^(telegram:\d{1,20}|line:U[0-9a-f]{32}|console:[A-Za-z0-9_-]{1,40})$")
FAILURE_WINDOW = 15 * 60.0  # seconds over which wrong passwords are counted
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20  # one office behind one NAT address may have several people mistyping


class AccountError(ValueError):
    """Refused with a reason the console or the command line puts into words (a label key)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Account:
    id: int
    login: str
    is_admin: bool
    lang: str
    must_change: bool
    disabled: bool
    identities: tuple[str, ...] = ()

    @property
    def actor(self) -> str:
        """How the audit and the core know them when they act from the console."""
        return f"web:{self.id}"


@dataclass(frozen=True)
class LoginResult:
    account: Account | None  # None: refused
    locked_seconds: float = 0.0  # > 0: too many wrong passwords; try again after this


_COLUMNS = "id, login, is_admin, lang, must_change, disabled_at"


class StaffAccounts:
    def __init__(self, store: SqlDatabase, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # -- reading -----------------------------------------------------------------------------

    async def get(self, account_id: int) -> Account | None:
        rows = await self.store.lookup(f"SELECT {_COLUMNS} FROM staff_accounts WHERE id=?", (account_id,))
        return await self._with_identities(rows[0]) if rows else None

    async def by_login(self, login: str) -> Account | None:
        rows = await self.store.lookup(f"SELECT {_COLUMNS} FROM staff_accounts WHERE login=?", (login,))
        return await self._with_identities(rows[0]) if rows else None

    async def all(self) -> list[Account]:
        rows = await self.store.fetch(f"SELECT {_COLUMNS} FROM staff_accounts ORDER BY login", ())
        return [await self._with_identities(row) for row in rows]

    async def _with_identities(self, row: Row) -> Account:
        id_, login, is_admin, lang, must_change, disabled_at = row
        links = await self.store.lookup(
            "SELECT identity FROM staff_identities WHERE account_id=? ORDER BY identity", (id_,)
        )
        return Account(
            int(str(id_)),
            str(login),
            bool(is_admin),
            str(lang),
            bool(must_change),
            disabled_at is not None,
            tuple(str(r[0]) for r in links),
        )

    # -- changing ----------------------------------------------------------------------------

    async def add(
        self, login: str, *, admin: bool = False, identities: tuple[str, ...] = (), lang: str = "ja"
    ) -> tuple[Account, str]:
        """The new account and its one-time password (shown once, stored only hashed)."""
        if not LOGIN.match(login):
            raise AccountError("login_invalid", login)
        if lang not in LANGUAGES:
            raise AccountError("lang_invalid", lang)
        for identity in identities:
            if not IDENTITY.match(identity):
                raise AccountError("identity_invalid", identity)
        password = one_time_password()
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.store.transaction() as db:
            if await db.fetch("SELECT 1 FROM staff_accounts WHERE login=?", (login,)):
                raise AccountError("login_taken", login)
            for identity in identities:
                if await db.fetch("SELECT 1 FROM staff_identities WHERE identity=?", (identity,)):
                    raise AccountError("identity_taken", identity)
            rows = await db.fetch(
                "INSERT INTO staff_accounts(login, password_hash, must_change, is_admin, lang, created_at) "
                "VALUES (?, ?, 1, ?, ?, ?) RETURNING id",
                (login, hashed, int(admin), lang, self.clock()),
            )
            account_id = int(rows[0][0])
            for identity in identities:
                await db.execute(
                    "INSERT INTO staff_identities(identity, account_id) VALUES (?, ?)", (identity, account_id)
                )
        account = await self.by_login(login)
        assert account is not None
        return account, password

    async def reset_password(self, login: str) -> str:
        """A new one-time password; every session of theirs ends."""
        account = await self._existing(login)
        password = one_time_password()
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE staff_accounts SET password_hash=?, must_change=1 WHERE id=?", (hashed, account.id)
            )
            await db.execute("DELETE FROM staff_sessions WHERE account_id=?", (account.id,))
            await db.execute("DELETE FROM login_failures WHERE key=?", (f"login:{login}",))
        return password

    async def set_password(self, account: Account, password: str) -> None:
        reason = weak_reason(password, account.login)
        if reason:
            raise AccountError(reason)
        hashed = await asyncio.to_thread(hash_password, password)
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE staff_accounts SET password_hash=?, must_change=0 WHERE id=?", (hashed, account.id)
            )

    async def set_disabled(self, login: str, disabled: bool) -> Account:
        """Disabling ends every session at once and takes away staff rights on every channel."""
        account = await self._existing(login)
        async with self.store.transaction() as db:
            await db.execute(
                "UPDATE staff_accounts SET disabled_at=? WHERE id=?", (self.clock() if disabled else None, account.id)
            )
            if disabled:
                await db.execute("DELETE FROM staff_sessions WHERE account_id=?", (account.id,))
        changed = await self.get(account.id)
        assert changed is not None
        return changed

    async def link(self, login: str, identity: str) -> Account:
        account = await self._existing(login)
        if not IDENTITY.match(identity):
            raise AccountError("identity_invalid", identity)
        async with self.store.transaction() as db:
            taken = list(await db.fetch("SELECT account_id FROM staff_identities WHERE identity=?", (identity,)))
            if taken and taken[0][0] != account.id:
                raise AccountError("identity_taken", identity)
            await db.execute(
                "INSERT INTO staff_identities(identity, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (identity, account.id),
            )
        linked = await self.get(account.id)
        assert linked is not None
        return linked

    async def set_lang(self, account: Account, lang: str) -> None:
        if lang not in LANGUAGES:
            raise AccountError("lang_invalid", lang)
        async with self.store.transaction() as db:
            await db.execute("UPDATE staff_accounts SET lang=? WHERE id=?", (lang, account.id))

    async def _existing(self, login: str) -> Account:
        account = await self.by_login(login)
        if account is None:
            raise AccountError("login_unknown", login)
        return account

    # -- logging in --------------------------------------------------------------------------

    async def check_login(self, login: str, password: str, address: str) -> LoginResult:
        now = self.clock()
        keys = (f"login:{login[:64]}", f"addr:{address[:64]}")
        locked = await self._locked_for(keys, now)
        if locked > 0:
            return LoginResult(None, locked)
        rows = await self.store.lookup(
            "SELECT id, password_hash, disabled_at FROM staff_accounts WHERE login=?", (login,)
        )
        # a password is checked even for an unknown login, so timing tells nobody which logins exist
        stored = rows[0][1] if rows else _dummy_hash()
        good = await asyncio.to_thread(verify_password, password, stored)
        if good and rows and rows[0][2] is None:
            async with self.store.transaction() as db:
                await db.execute("DELETE FROM login_failures WHERE key=?", (keys[0],))
            return LoginResult(await self.get(int(rows[0][0])))
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM login_failures WHERE at < ?", (now - FAILURE_WINDOW,))
            for key in keys:
                await db.execute("INSERT INTO login_failures(key, at) VALUES (?, ?)", (key, now))
        return LoginResult(None, await self._locked_for(keys, now))

    async def _locked_for(self, keys: tuple[str, str], now: float) -> float:
        """Seconds until a login may be tried again (0: it may now)."""
        wait = 0.0
        for key, limit in zip(keys, (MAX_FAILURES_PER_LOGIN, MAX_FAILURES_PER_ADDRESS), strict=True):
            rows = await self.store.lookup(
                "SELECT at FROM login_failures WHERE key=? AND at >= ? ORDER BY at", (key, now - FAILURE_WINDOW)
            )
            if len(rows) >= limit:
                # free again when the oldest failure that still counts leaves the window
                wait = max(wait, float(rows[len(rows) - limit][0]) + FAILURE_WINDOW - now)
        return wait


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not a password anyone has")
