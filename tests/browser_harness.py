"""The staff console in a real browser: Debian's chromium driven by Playwright (async API), against
tests/web_harness.py's Console (the real `madoguchi run` Service, Telegram on the fake server).

Playwright's own browser download is never used: `executable_path` is Debian's /usr/bin/chromium
(apt package `chromium`; `fonts-noto-cjk` makes Japanese and Korean render). Without it the
browser tests skip, unless MADOGUCHI_REQUIRE_SERVICES=1 (CI), where they fail: see require_service.
"""
from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fake_telegram import user
from services import REQUIRE_ENV, require_service  # noqa: F401 - test_web_browser imports them from here
from web_harness import PASSWORD, Console

CHROMIUM = "/usr/bin/chromium"
# the machine's network is closed: without these Chromium waits on look-ups it can never finish
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# -- a service a test needs: skipped here, never in CI (tests/services.py) ---------------------------


def chromium_missing() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"no {CHROMIUM}"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    return None


def cjk_fonts_missing() -> str | None:
    if not shutil.which("fc-list"):
        return "no fc-list"
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return None if "noto sans cjk" in fonts.lower() else "no Noto Sans CJK font"


def require_chromium() -> None:
    require_service("Debian's chromium", chromium_missing(),
                    "apt-get install chromium fonts-noto-cjk (.ci/run does) to run the browser tests")


def require_cjk_fonts() -> None:
    require_service("Japanese and Korean fonts", cjk_fonts_missing(),
                    "apt-get install fonts-noto-cjk (.ci/run does)")


# -- the browser -------------------------------------------------------------------------------------

@dataclass
class Watched:
    """What a page said that no test should see: console errors (CSP violations among them), uncaught
    exceptions, dialogs (alert/confirm/prompt: each one dismissed), failed loads, 4xx/5xx answers."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    bad_answers: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)  # "401 http://…/staff/login": answers the test wants

    def attach(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                self.errors.append(f"console: {message.text} @ {message.location.get('url', '')}")

        async def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            await dialog.dismiss()

        def on_response(response: Any) -> None:
            if response.status >= 400:
                self.bad_answers.append(f"{response.status} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", on_dialog)
        page.on("requestfailed", lambda r: self.errors.append(f"requestfailed: {r.url} {r.failure}"))
        page.on("response", on_response)

    def expect(self, status: int, url: str) -> None:
        """An error answer the test provokes on purpose (a wrong password's 401)."""
        self.expected.append(f"{status} {url}")

    def assert_clean(self) -> None:
        """No dialog, no error, no error answer; /favicon.ico is checked apart (test_web_browser.py)."""
        bad = [b for b in self.bad_answers if b not in self.expected and not b.endswith("/favicon.ico")]
        # Chromium logs each error answer as "Failed to load resource: … status of 401" at its URL
        errors = [e for e in self.errors
                  if not (e.startswith("console: Failed to load resource")
                          and (e.endswith("/favicon.ico")
                               or any(e.endswith(" @ " + x.split(" ", 1)[1]) for x in self.expected)))]
        assert not self.dialogs, f"a dialog opened: {self.dialogs}"
        assert not errors, f"the browser reported errors: {errors}"
        assert not bad, f"pages or files answered with an error: {bad}"


class Chromium:
    """`async with Chromium() as browser:` Debian's chromium, headless; `await browser.page(...)`."""

    def __init__(self) -> None:
        self.watched: list[Watched] = []

    async def __aenter__(self) -> Chromium:
        from playwright.async_api import async_playwright

        self.playwright = await async_playwright().start()
        try:
            self.browser = await self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                                 args=CHROMIUM_ARGS, timeout=30_000)
        except BaseException:
            await self.playwright.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.browser.close()
        await self.playwright.stop()

    async def page(self, viewport: dict[str, int] = DESKTOP, locale: str = "en-US") -> tuple[Any, Watched]:
        """A page in a context of its own (its own cookies), with what it reports watched."""
        context = await self.browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(10_000)
        page = await context.new_page()
        watched = Watched()
        watched.attach(page)
        self.watched.append(watched)
        return page, watched


def run_browser(tmp_path: Path, body: Any, refresh_seconds: float = 1.0, check_clean: bool = True) -> None:
    """Chromium and the console around `await body(console, chromium)`; every page it opened must end
    without console errors, dialogs or error answers (unless check_clean=False)."""
    require_chromium()

    async def main() -> None:
        async with Console(tmp_path, web=quick_web(refresh_seconds)) as console, Chromium() as chromium:
            await asyncio.wait_for(body(console, chromium), 50)
            if check_clean:
                for watched in chromium.watched:
                    watched.assert_clean()

    asyncio.run(main())


def quick_web(refresh_seconds: float) -> Any:
    """[web] of config.toml with the queue polling every `refresh_seconds` (1 s at least)."""
    from bot.config import load_config
    from telegram_harness import REPO

    return dataclasses.replace(load_config(REPO / "config.toml").web, refresh_seconds=refresh_seconds)


# -- what a staff member and a requester do ------------------------------------------------------------

async def log_in(page: Any, console: Console, login: str, admin: bool = False, lang: str = "en",
                 password: str = PASSWORD) -> None:
    """A new account; its one-time password typed into the login form, then its own password chosen."""
    _, one_time = await console.accounts.add(login, admin=admin, lang=lang)
    await page.goto(f"{console.base}/staff/login")
    await page.locator("input[name=login]").fill(login)
    await page.locator("input[name=password]").fill(one_time)
    await page.locator("form[action='/staff/login'] button").click()
    await page.wait_for_url(re.compile(r"/staff/password$"))
    await page.locator("input[name=password]").fill(password)
    await page.locator("input[name=again]").fill(password)
    await page.locator("form[action='/staff/password'] button").click()
    await page.wait_for_url(re.compile(r"/staff/\?notice=password_changed$"))


async def file_request(console: Console, uid: int, lang: str, command: str, answers: list[str],
                       first_name: str = "User") -> str:
    """A Telegram user fills the form of /command with `answers` (one per question, in order) and
    presses Submit; returns the reference of the receipt."""
    sender = user(uid, first_name, lang)
    telegram = console.telegram
    for text in [f"/{command}", *answers]:
        mark = telegram.mark()
        await telegram.send_text(sender, text)
        [last] = await telegram.next_to(uid, after=mark)
    submit = [b for b in last.buttons if b["callback_data"] == "fm:submit"]
    assert submit, f"no Submit button after the answers: {last.text!r}"
    mark = telegram.mark()
    await telegram.press(sender, last, submit[0])
    [receipt] = await telegram.next_to(uid, after=mark)
    found = REF.search(receipt.text)
    assert found, receipt.text
    return found.group(0)


async def ask(console: Console, uid: int, question: str, name: str = "Aoi Tanaka", lang: str = "en",
              email: str = "aoi@example.jp") -> str:
    """A question for the staff (/ask): question, contact person, e-mail."""
    return await file_request(console, uid, lang, "ask", [question, name, email])


async def horizontal_overflow(page: Any) -> tuple[int, int]:
    """(scrollWidth, innerWidth) of the page: wider content means the page scrolls sideways."""
    width, inner = await page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    return int(width), int(inner)


async def wider_than_viewport(page: Any) -> list[str]:
    """The elements whose right edge lies past the viewport: what makes a page scroll sideways."""
    return list(await page.evaluate("""() => {
        const w = window.innerWidth, out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > w + 0.5 && r.width > 0) {
                const cls = typeof el.className === 'string' ? el.className.trim().replace(/\\s+/g, '.') : '';
                out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (cls ? '.' + cls : '') +
                         ' right=' + Math.round(r.right));
            }
        }
        return out.slice(0, 12);
    }"""))
