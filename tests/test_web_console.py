"""The staff console without a browser: sessions, CSRF and Origin, escaping, actions through the core.

A browser drives the same pages in tests/test_web_browser.py.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.storage.url import StorageUrl
from fake_telegram import user
from web_harness import PASSWORD, Console

REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")
PAGES = ["/staff/", "/staff/r/Q-2026-0001", "/staff/queue/rows", "/staff/export.csv", "/staff/knowledge",
         "/staff/knowledge/seoul.lecture", "/staff/accounts", "/staff/password", "/staff/r/Q-2026-0001/photo/0",
         "/staff/r/Q-2026-0001/canned?id=received"]


async def ask_staff(console: Console, uid: int, question: str, name: str = "Aoi Tanaka") -> str:
    """A Telegram user files a question for the staff; returns its reference."""
    officer = user(uid, "Aoi", "en")
    for text in [f"/ask {question}", name, "aoi@example.jp"]:
        mark = console.telegram.mark()
        await console.telegram.send_text(officer, text)
        [summary] = await console.telegram.next_to(uid, after=mark)
    button = next(b for b in summary.buttons if b["callback_data"] == "fm:submit")
    mark = console.telegram.mark()
    await console.telegram.press(officer, summary, button)
    [receipt] = await console.telegram.next_to(uid, after=mark)
    found = REF.search(receipt.text)
    assert found, receipt.text
    return found.group(0)


def run(tmp_path: Path, body, **changes) -> None:
    async def main() -> None:
        async with Console(tmp_path, **changes) as console:
            await body(console)

    asyncio.run(main())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_changes(request: pytest.FixtureRequest, tmp_path: Path) -> dict:
    """The console on each store: SQLite, or [storage] url naming a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("pg_url")
    return {"storage": StorageUrl("postgresql", tmp_path / "unused.sqlite3", dsn=url)}


def test_every_console_page_without_a_session_goes_to_the_login_page(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        anonymous = console.client()
        for path in PAGES:
            async with anonymous.get(path, allow_redirects=False) as response:
                assert response.status == 303, path
                assert response.headers["Location"].startswith("/staff/login?next="), path
        async with anonymous.get("/staff/queue/rows", headers={"HX-Request": "true"}, allow_redirects=False) as r:
            assert r.headers["HX-Redirect"].startswith("/staff/login")  # htmx goes to the page, not a fragment
        async with anonymous.get("/staff/login") as response:
            assert response.status == 200
            assert response.headers["X-Frame-Options"] == "DENY"
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]

    run(tmp_path, body)


def test_login_a_wrong_password_fails_a_one_time_password_must_be_changed(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        _, one_time = await console.accounts.add("lee", lang="ko")
        from web_harness import Browser

        browser = Browser(console.client(), console.base)
        status, page = await browser.login("lee", "wrong", lang="ko")  # the login page shown in Korean
        assert status == 401 and "로그인 이름 또는 비밀번호가 틀렸습니다." in page
        # the same words for a login that does not exist: the page tells nobody which logins do
        status, page = await browser.login("nobody", "wrong", lang="ko")
        assert status == 401 and "로그인 이름 또는 비밀번호가 틀렸습니다." in page
        status, page = await browser.login("lee", "wrong")
        assert status == 401 and "로그인 이름 또는" not in page  # no language sent, none asked: the office's (ja)
        status, location = await browser.login("lee", one_time)
        assert status == 303 and location == "/staff/password"
        status, location = await browser.get("/staff/")
        assert status == 303 and location == "/staff/password"  # nothing else until a password is chosen
        status, page = await browser.post("/staff/password", {"password": "short", "again": "short"})
        assert status == 400 and "10자 이상" in page
        status, location = await browser.post("/staff/password", {"password": PASSWORD, "again": PASSWORD})
        assert status == 303
        status, page = await browser.get("/staff/")
        assert status == 200 and "신청 목록" in page
        # the cookie: script cannot read it, no other site sends it
        cookie = next(c for c in browser.client.cookie_jar if c.key == "madoguchi_staff")
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/staff"

    run(tmp_path, body)


def test_a_post_without_the_csrf_token_or_from_another_origin_is_refused(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        ref = await ask_staff(console, 7701, "Is the office open on Saturdays?")
        staff = console.staff
        await staff.get("/staff/")
        status, _ = await staff.post(f"/staff/r/{ref}/act", {"do": "claim"}, csrf=False)
        assert status == 403
        status, _ = await staff.post(f"/staff/r/{ref}/act", {"do": "claim", "csrf": "forged"}, csrf=False)
        assert status == 403
        status, _ = await staff.post(f"/staff/r/{ref}/act", {"do": "claim"}, origin="https://evil.example")
        assert status == 403
        request = await console.bot.service.app.requests.get(ref)
        assert request is not None and request.status == "new"  # nothing happened
        status, location = await staff.post(f"/staff/r/{ref}/act", {"do": "claim"})
        assert status == 303 and location.startswith(f"/staff/r/{ref}?said=")
        request = await console.bot.service.app.requests.get(ref)
        assert request is not None and request.status == "claimed"

    run(tmp_path, body)


def test_a_requesters_markup_and_template_code_show_literally(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        ref = await ask_staff(console, 7702, "<script>alert(1)</script> {{ 7*7 }} {% raw %}",
                              name="Lee <b>Bold</b>")
        status, page = await console.staff.get(f"/staff/r/{ref}")
        assert status == 200
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        # the text shown, without attribute values (a random CSRF token may hold "49") or times (19:49)
        shown = re.sub(r'="[^"]*"|\d\d:\d\d', "", page.split("<main>")[1])
        assert "{{ 7*7 }}" in page and "49" not in shown
        assert "Lee &lt;b&gt;Bold&lt;/b&gt;" in page
        status, page = await console.staff.get(f"/staff/?q={'<script>'}")
        assert "<script>" not in page.split("<main>")[1]

    run(tmp_path, body)


def test_a_disabled_accounts_session_stops_at_once(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        park = await console.browser("park")
        assert (await park.get("/staff/"))[0] == 200
        status, _ = await console.staff.post("/staff/accounts/park/state", {"state": "disable"})
        assert status == 303
        status, location = await park.get("/staff/")
        assert status == 303 and location.startswith("/staff/login")
        status, page = await park.login("park", PASSWORD)
        assert status == 401

    run(tmp_path, body)


def test_claim_and_reply_from_the_console_reach_the_requester_on_telegram(tmp_path: Path, store_changes: dict) -> None:
    async def body(console: Console) -> None:
        ref = await ask_staff(console, 7703, "Can we visit the office next month?")
        staff = console.staff
        status, page = await staff.get("/staff/")
        assert ref in page
        mark = console.telegram.mark()
        await staff.post(f"/staff/r/{ref}/act", {"do": "claim"})
        [told] = await console.telegram.next_to(7703, after=mark)
        assert ref in told.text
        status, box = await staff.get(f"/staff/r/{ref}/canned?id=received")
        assert "We have received it as " + ref in box  # the requester's language (en), the reference filled in
        mark = console.telegram.mark()
        status, location = await staff.post(f"/staff/r/{ref}/act", {"do": "reply", "text": "Yes, <welcome>!"})
        [answer] = await console.telegram.next_to(7703, after=mark)
        assert "Yes, <welcome>!" in answer.text
        status, page = await staff.get(location)
        assert "Yes, &lt;welcome&gt;!" in page and "sent to the requester" in page  # the core's own confirmation
        await staff.post(f"/staff/r/{ref}/act", {"do": "note", "text": "called them too"})
        await staff.post(f"/staff/r/{ref}/act", {"do": "close"})
        request = await console.bot.service.app.requests.get(ref, with_events=True)
        assert request is not None and request.status == "closed"
        assert [e.action for e in request.events] == ["submitted", "claimed", "reply", "note", "closed"]
        assert {e.actor for e in request.events[1:]} == {f"web:{(await console.accounts.by_login('kim')).id}"}
        status, page = await staff.get(f"/staff/r/{ref}")
        assert "kim" in page and "called them too" in page

    run(tmp_path, body, **store_changes)


def test_the_queue_rows_poll_answers_204_until_something_changes(tmp_path: Path, store_changes: dict) -> None:
    async def body(console: Console) -> None:
        staff = console.staff
        _, page = await staff.get("/staff/")
        poll = re.search(r'hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
        assert (await staff.get(poll))[0] == 204
        ref = await ask_staff(console, 7704, "Where do we send our pamphlets?")
        status, rows = await staff.get(poll)
        assert status == 200 and ref in rows
        status, csv = await staff.get("/staff/export.csv")
        assert status == 200 and ref in csv

    run(tmp_path, body, **store_changes)


@pytest.mark.parametrize("path", ["/staff/r/..%2F..%2Fconfig.toml/photo/0", "/staff/static/..%2Fguard.py",
                                  "/staff/login?next=//evil.example/"])
def test_no_path_leaves_the_console(tmp_path: Path, path: str) -> None:
    async def body(console: Console) -> None:
        status, page = await console.staff.get(path)
        assert status in (200, 404), (status, page[:200])
        assert "[storage]" not in page and "def same_origin" not in page
        if "login" in path:
            assert 'value="/staff/"' in page  # after login: our own page, never the other site

    run(tmp_path, body)
