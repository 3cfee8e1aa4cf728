"""Requests through Telegram end to end: a Korean university officer and the staff group.

Real core, real forms and queue, real python-telegram-bot Application, real HTTP to the fake
Bot API server. Staff work from the staff group (commands as /cmd@BotName, buttons) and in private.
"""
from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from fake_telegram import BOT, FakeTelegram, Sent, flood_once, forbidden_for, user
from telegram_harness import STAFF_CHAT, STAFF_USER, RunningBot, make_config, run_bot

# python-telegram-bot 22 warns from inside RetryAfter itself; nothing of ours to change
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

OFFICER = user(7201, "김민준", "ko")
STAFF = user(STAFF_USER, "佐藤", "ja")
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")


def label(bot: RunningBot, lang: str, key: str) -> str:
    return bot.core.deps.renderer.label(lang, key)


class Officer:
    """Plays the officer: says things, presses buttons, returns what the bot answered."""

    def __init__(self, fake: FakeTelegram, who: dict = OFFICER) -> None:
        self.fake, self.who, self.chat = fake, who, who["id"]

    async def say(self, text: str) -> Sent:
        mark = self.fake.mark()
        await self.fake.send_text(self.who, text)
        return (await self.fake.next_to(self.chat, mark))[0]

    async def press(self, on: Sent, label_part: str) -> Sent:
        mark = self.fake.mark()
        await self.fake.press(self.who, on, on.button(label_part))
        return (await self.fake.next_to(self.chat, mark))[0]


async def fill_lecture_form(bot: RunningBot, officer: Officer) -> tuple[Sent, str]:
    """From the lecture answer to the receipt, with one invalid e-mail; returns (receipt, ref)."""
    answer = await officer.say("출장 강좌에 대해 알려 주세요")
    assert bot.core.deps.knowledge.topics["seoul.lecture"].local("ko").title in answer.text
    q = await officer.press(answer, label(bot, "ko", "apply"))
    assert "(1/9)" in q.text
    for text in ["서울대학교", "일본어학과", "김민준"]:
        q = await officer.say(text)
    assert "(4/9)" in q.text
    q = await officer.say("kim@snu")  # no domain: asked again, with the reason, in Korean
    assert "이메일 주소 형식이 아닙니다" in q.text and "(4/9)" in q.text
    q = await officer.say("kim@snu.ac.kr")
    assert "(5/9)" in q.text
    q = await officer.say("2027-05-10, 2027-05-17")
    q = await officer.press(q, "대면")  # a choice, as an inline button
    q = await officer.say("일본의 마쓰리와 음식 문화")
    q = await officer.say("40")
    summary = await officer.press(q, label(bot, "ko", "form_skip"))
    assert "kim@snu.ac.kr" in summary.text and "서울대학교" in summary.text
    receipt = await officer.press(summary, label(bot, "ko", "form_submit"))
    found = REF.search(receipt.text)
    assert found, receipt.text
    return receipt, found.group(0)


run = run_bot


def db_row(tmp_path: Path, sql: str, *args: Any) -> tuple:
    with sqlite3.connect(tmp_path / "madoguchi.sqlite3") as conn:
        return conn.execute(sql, args).fetchone()


def test_officer_requests_a_lecture_staff_claim_and_reply_officer_answers_back(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        officer = Officer(fake)
        _, ref = await fill_lecture_form(bot, officer)

        # the staff group sees the new request, with its reference and a Claim button
        [notice] = await fake.wait_for(lambda s: s.chat_id == STAFF_CHAT and ref in s.text)
        assert "서울대학교" in notice.text
        assert notice.button(label(bot, "ja", "form_claim"))["callback_data"] == f"claim:{ref}"

        # a staff member claims it from the group; the officer is told, in Korean
        mark = fake.mark()
        await fake.press(STAFF, notice, notice.button(label(bot, "ja", "form_claim")))
        [claimed] = await fake.next_to(STAFF_CHAT, mark)
        assert ref in claimed.text
        [told] = await fake.next_to(officer.chat, mark)
        assert ref in told.text and "직원이 처리를 시작했습니다" in told.text

        # the staff member replies from the group, addressing the bot by name
        mark = fake.mark()
        await fake.send_text(STAFF, f"/reply@MadoguchiTestBot {ref} 5월 10일에 방문 가능합니다. 자료는 한일 병기로 준비하겠습니다.",
                             chat_id=STAFF_CHAT)
        [reply] = await fake.next_to(officer.chat, mark)
        assert "5월 10일에 방문 가능합니다" in reply.text and ref in reply.text
        assert reply.buttons, "the officer can answer back or say no answer is needed"
        await fake.next_to(STAFF_CHAT, mark)

        # a question typed after the reply is a question: answered, with a button to send it to
        # the staff under the reference instead; nothing reaches the staff group
        mark = fake.mark()
        await fake.send_text(officer.who, "도란도란이 뭐예요?")
        answer, offer = await fake.next_to(officer.chat, mark, count=2)
        assert bot.core.deps.knowledge.topics["seoul.dorandoran"].local("ko").title in answer.text
        assert offer.button(ref)["callback_data"] == f"fwd:{ref}"
        assert not [s for s in fake.sent if s.chat_id == STAFF_CHAT and s.index >= mark]

        # the officer answers with Telegram's own reply on the staff message: it lands in the staff
        # group under the same reference
        mark = fake.mark()
        staff_message = {"message_id": reply.params["_message_id"], "date": 0, "chat": {"id": officer.chat,
                         "type": "private", "first_name": "User"}, "from": BOT, "text": reply.text}
        await fake.push(fake.message_update(officer.who, "감사합니다. 학생 40명이 참석합니다.", reply_to=staff_message))
        [back] = await fake.wait_for(lambda s: s.chat_id == STAFF_CHAT and s.index >= mark)
        assert ref in back.text and "학생 40명이 참석합니다" in back.text

    run(tmp_path, body)
    assert db_row(tmp_path, "SELECT status, assignee FROM requests")[0] in ("answered", "claimed")


def test_non_staff_cannot_use_staff_commands_in_private_or_in_the_group(tmp_path: Path) -> None:
    stranger = user(7300, "Lee", "ko")

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        mark = fake.mark()
        await fake.send_text(stranger, "/queue")
        [refused] = await fake.next_to(7300, mark)
        assert refused.text == bot.core.deps.renderer.render("ko", "staff_only")

        await fake.send_text(stranger, "/queue@MadoguchiTestBot", chat_id=STAFF_CHAT)
        [refused_in_group] = await fake.next_to(STAFF_CHAT, mark)
        assert refused_in_group.text == bot.core.deps.renderer.render("ko", "staff_only")

        # the same command from a listed staff member works, in private and in the group
        await fake.send_text(STAFF, "/queue")
        [listing] = await fake.next_to(STAFF_USER, mark)
        assert listing.text != bot.core.deps.renderer.render("ja", "staff_only")

    run(tmp_path, body)


def test_restart_in_the_middle_of_a_form_resumes_at_the_same_question(tmp_path: Path) -> None:
    async def main() -> None:
        fake = FakeTelegram()
        url = await fake.start()
        config = make_config(tmp_path, url)
        officer = Officer(fake)
        async with RunningBot(config) as bot:
            answer = await officer.say("출장 강좌에 대해 알려 주세요")
            await officer.press(answer, label(bot, "ko", "apply"))
            await officer.say("서울대학교")
            q = await officer.say("일본어학과")
            assert "(3/9)" in q.text
        async with RunningBot(config) as bot:  # stopped and started again: the form goes on
            q = await officer.say("김민준")
            assert "(4/9)" in q.text
            q = await officer.say("kim@snu.ac.kr")
            assert "(5/9)" in q.text
        await fake.stop()

    asyncio.run(main())


def test_staff_notice_waits_out_flood_control_and_export_sends_a_csv(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        fake.failures.append(flood_once(STAFF_CHAT, retry_after=1, times=1))
        _, ref = await fill_lecture_form(bot, Officer(fake))
        notices = await fake.wait_for(lambda s: s.chat_id == STAFF_CHAT and ref in s.text)
        assert len(notices) == 1
        refused = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == STAFF_CHAT]
        assert len(refused) == 2, "one 429, then the retry"

        mark = fake.mark()
        await fake.send_text(STAFF, "/export@MadoguchiTestBot", chat_id=STAFF_CHAT)
        [doc] = await fake.wait_for(lambda s: s.method == "sendDocument" and s.index >= mark)
        content = doc.params["document"]["content"]
        assert doc.params["document"]["filename"].endswith(".csv")
        assert doc.content_type == "multipart/form-data", "an upload keeps multipart"
        assert content.startswith(b"\xef\xbb\xbf") and ref.encode() in content

    run(tmp_path, body)


def test_a_requester_who_blocked_the_bot_is_marked_unreachable_and_the_request_is_kept(tmp_path: Path) -> None:
    state: dict[str, Any] = {}

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        _, ref = await fill_lecture_form(bot, Officer(fake))
        state["ref"] = ref
        state["before"] = db_row(tmp_path, "SELECT ref, kind, answers, status, unreachable FROM requests")
        fake.failures.append(forbidden_for(OFFICER["id"]))  # the officer blocks the bot
        mark = fake.mark()
        await fake.send_text(STAFF, f"/claim {ref}")
        [done] = await fake.next_to(STAFF_USER, mark)
        assert ref in done.text

    run(tmp_path, body)
    ref, kind, answers, status, unreachable = db_row(
        tmp_path, "SELECT ref, kind, answers, status, unreachable FROM requests")
    before = state["before"]
    assert (ref, kind, answers) == before[:3], "the stored request is unchanged"
    assert status == "claimed" and unreachable == 1 and before[4] == 0


def test_blocking_the_bot_marks_the_requester_unreachable_from_the_membership_update(tmp_path: Path) -> None:
    from bot.messages import ConversationKey

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        await bot.core.deps.requests.submit(token="t-7250", kind="question", prefix="Q",
                                            answers={"question": "?", "contact_person": "A", "email": "a@b.kr"},
                                            requester=ConversationKey("telegram", "7250", "7250"), lang="ko")
        last = await fake.push({"my_chat_member": {  # what Telegram sends when a user blocks the bot
            "chat": {"id": 7250, "type": "private", "first_name": "A"}, "from": user(7250, "A"), "date": 0,
            "old_chat_member": {"user": BOT, "status": "member"},
            "new_chat_member": {"user": BOT, "status": "kicked", "until_date": 0}}})
        await fake.wait_consumed(last)

    run(tmp_path, body)
    assert db_row(tmp_path, "SELECT status, unreachable FROM requests") == ("new", 1)



def test_a_non_staff_member_pressing_claim_in_the_group_gets_a_pop_up_only_they_see(tmp_path: Path) -> None:
    stranger = user(7310, "Lee", "ko")

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        _, ref = await fill_lecture_form(bot, Officer(fake))
        [notice] = await fake.wait_for(lambda s: s.chat_id == STAFF_CHAT and ref in s.text)
        mark, calls = fake.mark(), len(fake.calls)
        await fake.press(stranger, notice, notice.button(label(bot, "ja", "form_claim")))
        [answer] = await _wait_call(fake, "answerCallbackQuery", after=calls)
        assert answer.params["show_alert"] is True
        assert answer.params["text"] == bot.core.deps.renderer.render("ko", "staff_only")[:200]
        # nothing said to the whole group, and the request is still unclaimed
        await fake.send_text(STAFF, "/queue", chat_id=STAFF_CHAT)
        [listing] = await fake.next_to(STAFF_CHAT, mark)
        assert ref in listing.text
        assert db_row(tmp_path, "SELECT status FROM requests") == ("new",)

    run(tmp_path, body)


def test_a_form_steps_buttons_are_removed_once_the_step_is_over(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        officer = Officer(fake)
        answer = await officer.say("출장 강좌에 대해 알려 주세요")
        q = await officer.press(answer, label(bot, "ko", "apply"))
        for text in ["서울대학교", "일본어학과", "김민준", "kim@snu.ac.kr", "2027-05-10"]:
            q = await officer.say(text)
        assert q.buttons  # the format question: its options as buttons
        edits = len(fake.edits)
        nxt = await officer.press(q, "대면")
        assert "(7/9)" in nxt.text
        [removed] = fake.edits[edits:]
        assert removed.params["message_id"] == q.params["_message_id"] and not removed.params.get("reply_markup")
        # an answer's own buttons (related topics, apply) are not a step: they stay
        assert all(e.params["message_id"] != answer.params["_message_id"] for e in fake.edits)

    run(tmp_path, body)


def test_staff_notices_use_the_configured_staff_language(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        _, ref = await fill_lecture_form(bot, Officer(fake))
        [notice] = await fake.wait_for(lambda s: s.chat_id == STAFF_CHAT and ref in s.text)
        assert notice.button(label(bot, "en", "form_claim")) and notice.button(label(bot, "en", "btn_close"))
        title = bot.core.deps.forms["lecture"].title["en"]
        assert notice.text.startswith(f"🆕 New request {ref}: {title}")  # the officer wrote in Korean

    run(tmp_path, body, staff_language="en")


async def _wait_call(fake: FakeTelegram, method: str, after: int) -> list[Any]:
    for _ in range(200):
        found = [c for c in fake.calls[after:] if c.method == method]
        if found:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {method} call")
