"""Who is staff, on every channel: config.toml's [staff] user_ids, and the enabled accounts with
the chat identities linked to them. Also how the audit names a person.

Asked for every message, so it answers from a snapshot of the two small tables, taken again when
it is older than a couple of seconds: an account disabled in the console loses its chat rights
within that time (its console session ends at once, bot/staff/sessions.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.storage.sql import SqlDatabase

SNAPSHOT_SECONDS = 2.0


@dataclass(frozen=True)
class _Snapshot:
    taken_at: float
    staff: frozenset[str]  # "web:<id>" and linked identities of enabled accounts
    names: dict[str, str] = field(default_factory=dict)  # actor -> login, disabled accounts too


class StaffDirectory:
    def __init__(
        self, configured: frozenset[str], store: SqlDatabase, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.configured = configured
        self.store = store
        self.clock = clock
        self._snapshot = _Snapshot(float("-inf"), frozenset())

    async def is_staff(self, channel: str, user_id: str) -> bool:
        actor = f"{channel}:{user_id}"
        if actor in self.configured:
            return True
        snapshot = await self._fresh()
        if actor in snapshot.staff:
            return True
        if channel == "web":  # a console account created a moment ago: ask the table itself
            return actor in (await self.refresh()).staff
        return False

    def name_of(self, actor: str) -> str:
        """The account's login for an actor seen in the audit ("telegram:123" -> "kim"), else the actor."""
        return self._snapshot.names.get(actor, actor)

    async def actor_for(self, login: str) -> str | None:
        """The actor of an enabled account by its login ("kim" -> "web:3"), to assign requests to."""
        rows = await self.store.lookup("SELECT id FROM staff_accounts WHERE login=? AND disabled_at IS NULL", (login,))
        return f"web:{rows[0][0]}" if rows else None

    async def names(self) -> dict[str, str]:
        return (await self._fresh()).names

    async def _fresh(self) -> _Snapshot:
        if self.clock() - self._snapshot.taken_at > SNAPSHOT_SECONDS:
            return await self.refresh()
        return self._snapshot

    async def refresh(self) -> _Snapshot:
        accounts = await self.store.lookup("SELECT id, login, disabled_at FROM staff_accounts", ())
        links = await self.store.lookup("SELECT identity, account_id FROM staff_identities", ())
        enabled = {int(a[0]) for a in accounts if a[2] is None}
        login = {int(a[0]): str(a[1]) for a in accounts}
        staff = {f"web:{i}" for i in enabled} | {str(link[0]) for link in links if int(link[1]) in enabled}
        names = {f"web:{i}": name for i, name in login.items()}
        names.update({str(link[0]): login[int(link[1])] for link in links if int(link[1]) in login})
        self._snapshot = _Snapshot(self.clock(), frozenset(staff), names)
        return self._snapshot
