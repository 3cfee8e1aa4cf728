"""The staff console for tests: `madoguchi run`'s Service (Telegram on the fake server, the console
on the one web server), a staff account, and an HTTP client that logs in like a browser does."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp

from bot.staff.accounts import StaffAccounts
from fake_telegram import FakeTelegram
from telegram_harness import RunningBot, make_config

PASSWORD = "a long enough password 1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Console:
    """`async with Console(tmp_path) as c:` the bot running, `c.staff` logged in as admin "kim"."""

    def __init__(self, tmp_path: Path, **changes: Any) -> None:
        self.tmp_path = tmp_path
        self.changes = changes
        self.telegram = FakeTelegram()
        self.clients: list[aiohttp.ClientSession] = []

    async def __aenter__(self) -> Console:
        url = await self.telegram.start()
        self.config = make_config(self.tmp_path, url, **self.changes)
        self.bot = RunningBot(self.config)
        await self.bot.__aenter__()
        self.accounts = StaffAccounts(self.bot.service.app.store)
        self.staff = await self.browser("kim", admin=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in self.clients:
            await client.close()
        await self.bot.__aexit__(*exc)
        await self.telegram.stop()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.bot.port}"

    def client(self) -> aiohttp.ClientSession:
        # unsafe: aiohttp keeps no cookies for an IP address (127.0.0.1) otherwise
        client = aiohttp.ClientSession(self.base, cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.clients.append(client)
        return client

    async def browser(self, login: str, admin: bool = False, lang: str = "en") -> Browser:
        """A new account, logged in, its own password chosen."""
        _, one_time = await self.accounts.add(login, admin=admin, lang=lang)
        browser = Browser(self.client(), self.base)
        status, _ = await browser.login(login, one_time)
        assert status == 303
        status, _ = await browser.post("/staff/password", {"password": PASSWORD, "again": PASSWORD})
        assert status == 303
        return browser


class Browser:
    """What a browser sends: the session cookie, the page's own Origin, the CSRF token of the last page."""

    def __init__(self, client: aiohttp.ClientSession, origin: str) -> None:
        self.client, self.origin = client, origin
        self.csrf = ""

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        async with self.client.get(path, allow_redirects=False, **kwargs) as response:
            text = await response.text()
            found = CSRF.search(text)
            if found:
                self.csrf = found.group(1)
            return response.status, text if response.status != 303 else response.headers["Location"]

    async def login(self, login: str, password: str, lang: str = "") -> tuple[int, str]:
        """As the login form sends it: its page's language in a hidden field (none: the browser's)."""
        form = {"login": login, "password": password, **({"lang": lang} if lang else {})}
        self.csrf = ""  # a new session has a new token
        return await self.post("/staff/login", form, csrf=False)

    async def post(self, path: str, data: dict[str, str], csrf: bool = True, origin: str | None = None) -> tuple[int, str]:
        if csrf and not self.csrf:
            await self.get("/staff/password")  # a page every session may open, with a form
        form = {**data, **({"csrf": self.csrf} if csrf else {})}
        headers = {"Origin": self.origin if origin is None else origin}
        async with self.client.post(path, data=form, headers=headers, allow_redirects=False) as response:
            text = await response.text()
            return response.status, text if response.status != 303 else response.headers["Location"]
