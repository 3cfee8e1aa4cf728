"""mypy checks here that both backends keep every storage contract (bot/storage/contracts.py, sql.py).

Nothing calls these functions; each returns its argument as the contract, which mypy accepts only
if every method of the Protocol is there with a compatible signature.
"""

from __future__ import annotations

from bot.requests.queue import RequestQueue
from bot.staff.accounts import StaffAccounts
from bot.staff.sessions import Sessions
from bot.storage.contracts import CoreStore, RequestStore, SessionStore, StaffAccountStore, UnansweredStore
from bot.storage.postgres.store import PostgresStore
from bot.storage.sql import SqlDatabase
from bot.storage.store import Store
from bot.unanswered.log import UnansweredLog


def core_store(store: Store) -> CoreStore:
    return store


def request_store(queue: RequestQueue) -> RequestStore:
    return queue


def unanswered_store(log: UnansweredLog) -> UnansweredStore:
    return log


def staff_account_store(accounts: StaffAccounts) -> StaffAccountStore:
    return accounts


def session_store(sessions: Sessions) -> SessionStore:
    return sessions


def postgres_core_store(store: PostgresStore) -> CoreStore:
    return store


def sqlite_sql(store: Store) -> SqlDatabase:
    return store


def postgres_sql(store: PostgresStore) -> SqlDatabase:
    return store
