"""The staff console in a real browser (Debian's chromium driven by Playwright): the real bot, the
real server, Telegram on the fake server. tests/test_web_console.py checks the same pages over
plain HTTP; here is what only a browser shows: htmx at work, the CSP, what runs, the layout.

Without /usr/bin/chromium these tests skip, with MADOGUCHI_REQUIRE_SERVICES=1 (CI) they fail.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_harness import PHONE, ask, horizontal_overflow, log_in, require_cjk_fonts, run_browser, wider_than_viewport
from fake_telegram import user
from web_harness import PASSWORD, Console


def test_log_in_through_the_form_a_wrong_password_fails_a_one_time_password_must_be_changed(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        _, one_time = await console.accounts.add("sato", lang="en")
        page, watched = await chromium.page()
        await page.goto(f"{console.base}/staff/r/Q-2026-0001")
        await page.wait_for_url(re.compile(r"/staff/login\?next=/staff/r/Q-2026-0001$"))  # no session: log in first
        login = f"{console.base}/staff/login"
        watched.expect(401, login)
        await page.locator("input[name=login]").fill("sato")
        await page.locator("input[name=password]").fill("not the password")
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
        await page.locator("input[name=password]").fill(one_time)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r"/staff/password$"))  # a one-time password: choose one now
        await page.goto(f"{console.base}/staff/")
        await page.wait_for_url(re.compile(r"/staff/password$"))  # nothing else before that
        await page.get_by_label("New password", exact=True).fill(PASSWORD)
        await page.get_by_label("New password again").fill(PASSWORD)
        await page.get_by_role("button", name="Save password").click()
        await page.wait_for_url(re.compile(r"/staff/\?notice=password_changed$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Request queue")
        await expect(page.locator(".who")).to_have_text("sato")
        # the cookie: no script can read it
        assert "madoguchi_staff" not in await page.evaluate("document.cookie")
        [cookie] = [c for c in await page.context.cookies() if c["name"] == "madoguchi_staff"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        # log out, and in again with the chosen password; the one-time password is spent
        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(re.compile(r"/staff/login$"))
        await page.locator("input[name=login]").fill("sato")
        await page.locator("input[name=password]").fill(one_time)
        await page.get_by_role("button", name="Log in").click()
        await expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
        await page.locator("input[name=password]").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(re.compile(r"/staff/$"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("Request queue")

    run_browser(tmp_path, body)


def test_the_queue_shows_a_telegram_request_and_a_new_one_appears_without_reload(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        first = await ask(console, 7801, "Is the office open on Saturdays?")
        page, _ = await chromium.page()
        await log_in(page, console, "sato")
        row = page.locator("table.queue tbody tr", has=page.get_by_role("link", name=first, exact=True))
        await expect(row).to_contain_text("Is the office open on Saturdays?")
        await expect(row).to_contain_text("Aoi Tanaka")
        await expect(page.locator("p.total")).to_have_text("1 request(s)")
        await page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
        second = await ask(console, 7802, "Where do we send our pamphlets?", name="Min-jun Park")
        # the page polls /staff/queue/rows every [web] refresh_seconds (1 s here) and swaps the rows in
        link = page.get_by_role("link", name=second, exact=True)
        await expect(link).to_be_visible(timeout=8_000)
        await expect(page.locator("p.total")).to_have_text("2 request(s)")
        assert await page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"
        # search: only the matching request is left
        await page.get_by_label("Search").fill("pamphlets")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("p.total")).to_have_text("1 request(s)")
        await expect(link).to_be_visible()
        await expect(page.get_by_role("link", name=first, exact=True)).to_have_count(0)
        # a filter: nobody has claimed anything, so "me" finds none
        await page.get_by_label("Search").fill("")
        await page.get_by_label("Assignee").select_option("me")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("p.empty")).to_have_text("No request matches.")

    run_browser(tmp_path, body)


def test_claim_a_canned_reply_reaches_the_requester_on_telegram_then_close(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        ref = await ask(console, 7803, "Can we visit the office next month?")
        page, _ = await chromium.page()
        await log_in(page, console, "sato")
        await page.get_by_role("link", name=ref, exact=True).click()
        await page.wait_for_url(re.compile(f"/staff/r/{ref}$"))
        badge = page.locator("h1 .badge")
        await expect(badge).to_have_class(re.compile(r"\bst-new\b"))
        mark = console.telegram.mark()
        await page.get_by_role("button", name="Claim").click()
        await expect(badge).to_have_class(re.compile(r"\bst-claimed\b"))
        [told] = await console.telegram.next_to(7803, after=mark)
        assert ref in told.text  # the requester hears that someone took it
        # a prepared reply: htmx swaps the reply box, filled in the requester's language with the reference
        box = page.locator("#reply-text")
        await page.get_by_label("Insert a prepared reply").select_option(label="Received")
        await expect(box).to_have_value(re.compile(f"We have received it as {ref}"))
        await box.press("Control+End")
        await box.type(" See you on the 12th.")
        mark = console.telegram.mark()
        await page.get_by_role("button", name="Send reply").click()
        [answer] = await console.telegram.next_to(7803, after=mark)
        assert f"We have received it as {ref}" in answer.text and "See you on the 12th." in answer.text
        await expect(page.locator("ol.exchange li.staff .bubble").last).to_contain_text("See you on the 12th.")
        await expect(page.get_by_role("status").first).to_contain_text(ref)  # what the core said back
        mark = console.telegram.mark()
        await page.get_by_role("button", name="Close", exact=True).click()
        await expect(badge).to_have_class(re.compile(r"\bst-closed\b"))
        await expect(page.get_by_role("button", name="Reopen")).to_be_visible()
        await console.telegram.next_to(7803, after=mark)  # told it is closed
        request = await console.bot.service.app.requests.get(ref, with_events=True)
        assert request is not None and request.status == "closed"
        assert [e.action for e in request.events] == ["submitted", "claimed", "reply", "closed"]
        audit = page.locator("table.audit")  # worded for people, not the stored action codes
        await expect(audit).to_contain_text("claimed it")
        await expect(audit).to_contain_text("closed it")

    run_browser(tmp_path, body)


def test_the_language_switch_changes_the_words_and_the_queue_in_japanese_renders(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        ref = await ask(console, 7804, "土曜日は開いていますか？", name="田中 葵", lang="ja")
        page, _ = await chromium.page()
        await log_in(page, console, "sato")
        heading = page.get_by_role("heading", level=1)
        await expect(heading).to_have_text("Request queue")
        await page.get_by_role("button", name="日本語").click()
        await expect(heading).to_have_text("申し込み一覧")
        await expect(page.locator("html")).to_have_attribute("lang", "ja")
        await expect(page.get_by_role("button", name="表示")).to_be_visible()
        await expect(page.get_by_role("link", name=ref, exact=True)).to_be_visible()
        shot = await page.screenshot(path=str(tmp_path / "queue-ja.png"), full_page=True)
        assert len(shot) > 10_000
        await page.get_by_role("link", name=ref, exact=True).click()
        await expect(page.get_by_role("button", name="担当する")).to_be_visible()
        await page.get_by_role("button", name="한국어").click()
        await page.wait_for_url(re.compile(f"/staff/r/{ref}$"))  # the same page, now in Korean
        await expect(page.get_by_role("button", name="담당하기")).to_be_visible()
        await expect(page.locator("html")).to_have_attribute("lang", "ko")
        await page.get_by_role("link", name="신청 목록").first.click()
        await expect(heading).to_have_text("신청 목록")
        await page.get_by_role("button", name="EN").click()
        await expect(heading).to_have_text("Request queue")
        account = await console.accounts.by_login("sato")
        assert account is not None and account.lang == "en"  # kept with the account

    require_cjk_fonts()
    run_browser(tmp_path, body)


def test_a_requesters_markup_and_template_code_show_literally_and_nothing_runs(tmp_path: Path) -> None:
    question = "<img src=x onerror=alert(1)> {{ 7*7 }} <script>alert(2)</script>"

    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        ref = await ask(console, 7805, question, name="Lee <b>Bold</b>")
        page, watched = await chromium.page()
        await log_in(page, console, "sato")
        row = page.locator("table.queue tbody tr", has=page.get_by_role("link", name=ref, exact=True))
        await expect(row).to_contain_text("<img src=x onerror=alert(1)> {{ 7*7 }}")
        await page.get_by_role("link", name=ref, exact=True).click()
        answers = page.locator("dl.answers")
        await expect(answers).to_contain_text(question)
        await expect(answers).to_contain_text("Lee <b>Bold</b>")
        assert await page.locator("main img, main script, main b").count() == 0  # none became an element
        assert "49" not in re.sub(r"\d\d:\d\d", "", await page.locator("main").inner_text())  # a time may say 19:49
        # the search box echoes what was typed, as text
        await page.goto(f"{console.base}/staff/")
        await page.get_by_label("Search").fill("<img src=x onerror=alert(3)>")
        await page.get_by_role("button", name="Show").click()
        await expect(page.get_by_label("Search")).to_have_value("<img src=x onerror=alert(3)>")
        await page.wait_for_timeout(300)  # an onerror would have fired by now
        assert await page.locator("main img").count() == 0
        assert watched.dialogs == []

    run_browser(tmp_path, body)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_phone_sized_screen_never_scrolls_sideways(tmp_path: Path, lang: str) -> None:
    async def body(console: Console, chromium) -> None:
        long_url = "https://www.example.go.jp/" + "kokusai-koryu/" * 6 + "index.html"
        ref = await ask(console, 7806, f"資料はこちらにあります {long_url} 교류회 일정을 알려 주세요",
                        name="Maximiliana Sakamoto-Fernández", email="maximiliana.sakamoto.fernandez@example.co.jp")
        await ask(console, 7807, "Short one")
        page, _ = await chromium.page(viewport=PHONE)
        await log_in(page, console, "sato", lang=lang)
        for path in ["/staff/", f"/staff/r/{ref}"]:
            await page.goto(f"{console.base}{path}")
            width, inner = await horizontal_overflow(page)
            assert width <= inner, (path, width, inner, await wider_than_viewport(page))
        # the actions of a claimed request (reply box, prepared replies) fit too
        await page.get_by_role("button", name="担当する" if lang == "ja" else "Claim").click()
        await page.locator("#reply-text").wait_for()
        width, inner = await horizontal_overflow(page)
        assert width <= inner, ("claimed", width, inner, await wider_than_viewport(page))

    run_browser(tmp_path, body)


def test_every_page_loads_its_files_with_no_console_error(tmp_path: Path) -> None:
    """The CSP (script-src 'self', style-src 'self', no inline) would refuse anything inline: Chromium
    reports each refusal as a console error, which run_browser fails on; so would a missing file."""

    async def body(console: Console, chromium) -> None:
        ref = await ask(console, 7808, "Do you have a brochure in English?")
        page, watched = await chromium.page()
        loaded: list[str] = []
        page.on("response", lambda r: loaded.append(r.url) if "/staff/static/" in r.url and r.ok else None)
        await log_in(page, console, "sato", admin=True)
        for path in ["/staff/", f"/staff/r/{ref}", "/staff/knowledge", "/staff/knowledge/seoul.lecture",
                     "/staff/accounts", "/staff/password"]:
            response = await page.goto(f"{console.base}{path}")
            assert response is not None and response.status == 200, path
            assert await page.evaluate("typeof window.htmx") == "object", path  # htmx.min.js loaded and ran
            color = await page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor")
            assert color == "rgb(18, 49, 95)", (path, color)  # console.css applied
        assert any(u.endswith("/htmx.min.js") for u in loaded) and any(u.endswith("/console.css") for u in loaded)
        watched.assert_clean()

    run_browser(tmp_path, body)


async def say(console: Console, uid: int, text: str, lang: str = "en") -> str:
    """A Telegram user sends one message; returns the bot's answer."""
    mark = console.telegram.mark()
    await console.telegram.send_text(user(uid, "User", lang), text)
    [answer] = await console.telegram.next_to(uid, after=mark)
    return answer.text


def test_an_unanswered_question_appears_grouped_gives_its_toml_lines_and_goes_to_staff(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        page, _ = await chromium.page()
        await log_in(page, console, "sato")
        await page.get_by_role("link", name="Unanswered").click()
        await expect(page.locator("p.empty")).to_have_text("Nothing in this period.")
        told = await say(console, 7810, "Is there parking at the office?")
        assert "don't have" in told  # the bot's honest answer, which is what gets recorded
        await say(console, 7811, "Can I park at the office?")
        await say(console, 7812, "JET 프로그램이 뭐예요?", lang="ko")  # answered: not listed
        await console.bot.service.app.core.drain()  # the entries are written beside the answers
        await page.reload()
        [group] = await page.locator("section.group").all()
        await expect(group.locator("h2 .badge")).to_have_text("2")  # the two ways of asking, one group
        await expect(group).to_contain_text("Can I park at the office?")
        await expect(group).to_contain_text("no answer 2")
        assert "JET 프로그램" not in await page.locator("main").inner_text()
        # "this should have been" a topic: the TOML lines to paste, naming the file
        await group.get_by_label("This should have been").select_option("seoul.office")
        await group.get_by_role("button", name="Show the lines to add").click()
        await page.wait_for_url(re.compile(r"/staff/unanswered/[^/?]+\?topic=seoul.office$"))
        lines = await page.locator("pre.toml").inner_text()
        assert "Is there parking at the office?" in lines and "Can I park at the office?" in lines, lines
        await expect(page.locator("main")).to_contain_text("knowledge/")
        await page.go_back()
        # or the question goes to staff as a request of the person who asked it
        await page.locator("section.group").get_by_role("button", name="Send to staff as a question").click()
        await page.wait_for_url(re.compile(r"/staff/r/Q-2026-\d{4}$"))
        await expect(page.locator("dl.answers")).to_contain_text("at the office?")
        await page.get_by_role("link", name="Queue", exact=True).click()
        await expect(page.locator("p.total")).to_have_text("1 request(s)")

    run_browser(tmp_path, body)


def test_the_dashboard_draws_its_charts_and_fits_a_phone(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        from playwright.async_api import expect

        await ask(console, 7820, "Can we visit the office next month?")
        await ask(console, 7821, "Do you have Japanese pamphlets?")
        await say(console, 7822, "사무소 와이파이 비밀번호가 뭐예요?", lang="ko")
        await console.bot.service.app.core.drain()
        page, watched = await chromium.page()
        await log_in(page, console, "sato")
        await page.get_by_role("link", name="Dashboard").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        charts = page.locator("section.card svg")
        await expect(charts).to_have_count(4)
        for card in ["#requests", "#ages", "#questions"]:  # data this week: each draws bars
            assert await page.locator(f"{card} svg rect").count() >= 1, card
        box = await page.locator("#requests svg").bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100  # drawn at a visible size
        await expect(page.locator("#questions table.figures")).to_contain_text("한국어")
        await page.get_by_role("link", name="12 weeks").click()
        await expect(page.get_by_role("link", name="12 weeks")).to_have_attribute("aria-current", "page")
        phone, _ = await chromium.page(viewport=PHONE)
        await log_in(phone, console, "lee")
        await phone.goto(f"{console.base}/staff/dashboard")
        width, inner = await horizontal_overflow(phone)
        assert width <= inner, (width, inner, await wider_than_viewport(phone))
        watched.assert_clean()

    run_browser(tmp_path, body)


def test_no_page_asks_for_a_missing_favicon(tmp_path: Path) -> None:
    async def body(console: Console, chromium) -> None:
        page, watched = await chromium.page()
        await log_in(page, console, "sato")
        await page.wait_for_timeout(300)  # the icon is asked for after the page loaded
        # Chromium fetches the icon outside the page's own requests: only its console line shows it
        assert not [e for e in watched.errors if e.endswith("/favicon.ico")], watched.errors

    run_browser(tmp_path, body)
