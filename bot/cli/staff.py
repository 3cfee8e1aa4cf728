"""`madoguchi staff add|list|disable|enable|link|password`: the console's accounts, from a terminal.

The first account can only be made here (there is nobody yet to make it in the console). A new
account gets a one-time password, printed once and stored only hashed; it is replaced at the first
login. Link an account to the person's chat identities so the audit shows one person whatever
channel they worked from, and so those identities have staff rights while the account is enabled.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from bot.config import LANGUAGES, Config, load_config, resolve_config_path
from bot.staff.accounts import Account, AccountError, StaffAccounts
from bot.storage.opening import open_database

WHY = {
    "login_invalid": "a login is 2-32 letters, digits, '.', '_' or '-', starting with a letter or digit",
    "login_taken": "that login exists already; `madoguchi staff list` shows the accounts",
    "login_unknown": "no such account; `madoguchi staff list` shows the accounts",
    "identity_invalid": 'an identity is "telegram:<numeric id>", "line:U<32 hex digits>" or "console:<id>"',
    "identity_taken": "that identity is linked to another account",
    "lang_invalid": f"the language is one of {', '.join(LANGUAGES)}",
}


def _run(args: argparse.Namespace, work: Callable[[StaffAccounts, Config], Awaitable[int]]) -> int:
    config = load_config(resolve_config_path(args.config))

    async def main() -> int:
        store = await open_database(config)
        try:
            return await work(StaffAccounts(store), config)
        except AccountError as exc:
            print(f"refused: {exc.detail or exc.reason}: {WHY.get(exc.reason, exc.reason)}", file=sys.stderr)
            return 1
        finally:
            await store.close()

    return asyncio.run(main())


def _line(account: Account) -> str:
    flags = [f for f, on in (("admin", account.is_admin), ("disabled", account.disabled)) if on]
    links = ", ".join(account.identities) or "-"
    return f"{account.login}\t{account.lang}\t{' '.join(flags) or '-'}\t{links}"


def _password_notice(config: Config, login: str, password: str) -> str:
    public = config.server.public_url.rstrip("/")
    where = f"{public}/staff/" if public else "/staff/ on the server of `madoguchi run`"
    return (
        f"one-time password for {login}: {password}\n"
        f"Give it to them privately. They log in at {where} and choose their own password at once."
    )


def cmd_add(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, config: Config) -> int:
        account, password = await accounts.add(
            args.login, admin=args.admin, identities=tuple(args.link), lang=args.lang or config.staff_language
        )
        print(_line(account))
        print(_password_notice(config, account.login, password))
        return 0

    return _run(args, work)


def cmd_list(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, config: Config) -> int:
        found = await accounts.all()
        for account in found:
            print(_line(account))
        print(f"{len(found)} account(s)", file=sys.stderr)
        return 0

    return _run(args, work)


def cmd_disable(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, config: Config) -> int:
        print(_line(await accounts.set_disabled(args.login, disabled=args.disabled)))
        return 0

    return _run(args, work)


def cmd_link(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, config: Config) -> int:
        print(_line(await accounts.link(args.login, args.identity)))
        return 0

    return _run(args, work)


def cmd_password(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, config: Config) -> int:
        print(_password_notice(config, args.login, await accounts.reset_password(args.login)))
        return 0

    return _run(args, work)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    staff = sub.add_parser("staff", help="staff accounts of the web console").add_subparsers(
        dest="staff_command", required=True
    )
    p = staff.add_parser("add", parents=[common], help="create an account and print its one-time password")
    p.add_argument("login")
    p.add_argument("--admin", action="store_true", help="may add and disable accounts in the console")
    p.add_argument(
        "--link", action="append", default=[], metavar="IDENTITY", help='a chat identity, e.g. "telegram:123456789"'
    )
    p.add_argument("--lang", choices=LANGUAGES, help="the console's language for them ([staff] language if unset)")
    p.set_defaults(func=cmd_add)
    p = staff.add_parser("list", parents=[common], help="every account")
    p.set_defaults(func=cmd_list)
    for name, what in (("disable", "end their sessions and take away staff rights"), ("enable", "enable again")):
        p = staff.add_parser(name, parents=[common], help=what)
        p.add_argument("login")
        p.set_defaults(func=cmd_disable, disabled=name == "disable")
    p = staff.add_parser("link", parents=[common], help="link a chat identity to an account")
    p.add_argument("login")
    p.add_argument("identity")
    p.set_defaults(func=cmd_link)
    p = staff.add_parser("password", parents=[common], help="a new one-time password (ends their sessions)")
    p.add_argument("login")
    p.set_defaults(func=cmd_password)
