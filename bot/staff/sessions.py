"""Console sessions, kept in the database: revocable at once, and they outlive a restart.

The cookie carries a random token; the table keeps only its sha256, so a copy of the database
logs nobody in. A session ends at its expiry, at logout, and when its account is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.staff.accounts import Account, StaffAccounts
from bot.storage.sql import SqlDatabase


@dataclass(frozen=True)
class Session:
    account: Account
    csrf: str  # every state-changing request must carry it back
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class Sessions:
    def __init__(
        self, store: SqlDatabase, accounts: StaffAccounts, hours: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.seconds = hours * 3600
        self.clock = clock

    async def create(self, account: Account) -> str:
        """A new session; returns the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM staff_sessions WHERE expires_at < ?", (now,))
            await db.execute(
                "INSERT INTO staff_sessions(token_hash, account_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
                (_digest(token), account.id, secrets.token_urlsafe(24), now, now + self.seconds),
            )
        return token

    async def lookup(self, token: str) -> Session | None:
        """The live session of an enabled account, or None. Read on every console request, so a
        disabled account or a revoked session stops working at the very next click."""
        if not token or len(token) > 100:
            return None
        rows = await self.store.lookup(
            "SELECT s.account_id, s.csrf, s.expires_at FROM staff_sessions s JOIN staff_accounts a "
            "ON a.id = s.account_id WHERE s.token_hash=? AND s.expires_at > ? AND a.disabled_at IS NULL",
            (_digest(token), self.clock()),
        )
        if not rows:
            return None
        account = await self.accounts.get(int(rows[0][0]))
        if account is None:
            return None
        return Session(account, str(rows[0][1]), float(rows[0][2]))

    async def revoke(self, token: str) -> None:
        async with self.store.transaction() as db:
            await db.execute("DELETE FROM staff_sessions WHERE token_hash=?", (_digest(token),))

    async def revoke_others(self, account: Account, keep: str) -> None:
        """After a password change: every other device is logged out."""
        async with self.store.transaction() as db:
            await db.execute(
                "DELETE FROM staff_sessions WHERE account_id=? AND token_hash<>?", (account.id, _digest(keep))
            )
