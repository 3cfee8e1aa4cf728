"""LINE end to end: the real line-bot-sdk against tests/fake_line.py, through `madoguchi run`'s Service.

Signed webhooks in, reply and push calls out; forms with postback buttons; forged requests refused.
"""
from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp

from bot.messages import Address, Button, ConversationKey, Reply
from fake_line import PUSH, REPLY, LOADING, FakeLine, Sent, failing, sign, user_id
from line_harness import LINE_STAFF, LINE_STAFF_GROUP, Both

OFFICER = user_id(7301)
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")


def scenario(tmp_path: Path, body: Callable[[Both], Awaitable[None]], **changes: Any) -> None:
    async def main() -> None:
        async with Both(tmp_path, **changes) as world:
            await body(world)

    asyncio.run(main())


def rows(tmp_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "madoguchi.sqlite3") as conn:
        return conn.execute(sql).fetchall()


class LineUser:
    """Plays one LINE user: says things, presses quick-reply buttons, returns what LINE delivered to them."""

    def __init__(self, world: Both, uid: str = OFFICER) -> None:
        self.world, self.uid = world, uid

    async def say(self, text: str) -> list[Sent]:
        mark = self.world.line.mark()
        await self.world.say(self.uid, text)
        return [s for s in self.world.line.sent[mark:] if s.to == self.uid]

    async def press(self, on: Sent, label_part: str) -> list[Sent]:
        mark = self.world.line.mark()
        await self.world.press(self.uid, on.button(label_part))
        return [s for s in self.world.line.sent[mark:] if s.to == self.uid]


def test_a_signed_question_is_answered_through_the_reply_endpoint(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        officer = LineUser(world)
        [answer] = await officer.say("出前講座について教えてください")
        lecture = world.bot.core.deps.knowledge.topics["seoul.lecture"].local("ja")
        assert answer.via == "reply" and lecture.title in answer.text
        # buttons as a quick reply of postback actions, labels within LINE's 20 characters
        labels = [a["label"] for a in answer.quick_reply_items]
        assert labels and all(len(label) <= 20 for label in labels)
        assert world.label("ja", "apply") in labels
        assert all(a["type"] == "postback" for a in answer.quick_reply_items)
        assert not world.line.calls_to(PUSH)

    scenario(tmp_path, body)


def test_an_answer_whose_reply_token_was_refused_goes_by_push_once(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        event = world.line.text_event(OFFICER, "도란도란이 뭐예요?")
        world.line.expire(event["replyToken"])  # as LINE does with a token answered too late
        status, _ = await world.post(event)
        assert status == 200
        [pushed] = world.line.to_chat(OFFICER)
        assert pushed.via == "push" and "도란도란" in pushed.text
        [call] = [c for c in world.line.calls_to(PUSH) if c.status == 200]
        assert re.fullmatch(r"[0-9a-f-]{36}", call.retry_key or "")
        refused = [c for c in world.line.calls_to(REPLY) if c.status == 400]
        assert len(refused) == 1

    scenario(tmp_path, body)


def test_a_lecture_request_with_postback_buttons_gets_a_reference(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        officer = LineUser(world)
        [answer] = await officer.say("출장 강좌에 대해 알려 주세요")
        [q] = await officer.press(answer, world.label("ko", "apply"))
        assert "(1/9)" in q.text
        for text in ["서울대학교", "일본어학과", "김민준", "kim@snu.ac.kr", "2027-05-10"]:
            [q] = await officer.say(text)
        assert "(6/9)" in q.text
        [q] = await officer.press(q, "온라인")
        [q] = await officer.say("일본의 마쓰리")
        [q] = await officer.say("40")
        [summary] = await officer.press(q, world.label("ko", "form_skip"))
        assert "kim@snu.ac.kr" in summary.text
        [receipt] = await officer.press(summary, world.label("ko", "form_submit"))
        ref = REF.search(receipt.text)
        assert ref and receipt.via == "reply"
        # the LINE staff group hears of it by push, in the staff language, with Claim and Close
        [notice] = world.line.to_chat(LINE_STAFF_GROUP)
        assert notice.via == "push" and ref.group(0) in notice.text
        assert [a["data"] for a in notice.quick_reply_items] == [f"claim:{ref.group(0)}", f"close:{ref.group(0)}"]
        assert rows(tmp_path, "SELECT ref, channel, user_id FROM requests") == [(ref.group(0), "line", OFFICER)]

    scenario(tmp_path, body)


def test_forged_webhooks_are_refused_and_nothing_is_processed(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        event = world.line.text_event(OFFICER, "/start")
        genuine = world.line.payload([event])
        good = sign(genuine, world.line.channel_secret)
        flipped = bytearray(good.encode())
        flipped[3] ^= 1
        forged = [
            {"signature": ""},  # missing
            {"secret": "not-the-channel-secret"},
            {"signature": flipped.decode()},  # one bit changed
            {"body": genuine.replace(b"/start", b"/forget"), "signature": good},  # changed after signing
            {"body": b"{not json", "secret": world.line.channel_secret},  # signed, but not JSON
        ]
        for kwargs in forged:
            status, _ = await world.line.post_events(world.webhook, [event], **kwargs)
            assert status == 400, kwargs
        async with aiohttp.ClientSession() as http:  # 10 MB
            huge = b"x" * (10 << 20)
            async with http.post(world.webhook, data=huge,
                                 headers={"X-Line-Signature": sign(huge, world.line.channel_secret)}) as resp:
                assert resp.status in (400, 413)
        assert world.line.sent == [] and not world.line.calls_to(REPLY)
        assert rows(tmp_path, "SELECT * FROM conversations") == []
        # the server keeps serving: the genuine one is answered
        status, _ = await world.post(event)
        assert status == 200 and len(world.line.to_chat(OFFICER)) == 1

    scenario(tmp_path, body)


def test_a_duplicate_or_redelivered_event_is_answered_once(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        event = world.line.text_event(OFFICER, "JETプログラムとは？")
        assert (await world.post(event))[0] == 200
        assert (await world.post(event))[0] == 200
        assert (await world.post(event, redelivery=True))[0] == 200
        assert len(world.line.to_chat(OFFICER)) == 1

    scenario(tmp_path, body)


def test_a_5001_character_answer_arrives_in_two_messages_with_the_buttons_on_the_last(tmp_path: Path) -> None:
    text = "\n\n".join(["가" * 2000, "나" * 2000, "다" * 997])

    async def body(world: Both) -> None:
        to = Address("line", OFFICER)
        reply = Reply(to, text, (Button("한국어", "lang:ko"), Button("日本語", "lang:ja")))
        await world.channel.deliver(to, [reply], None)
        first, second = world.line.to_chat(OFFICER)
        assert len(text) == 5001 and first.text + "\n\n" + second.text == text
        assert not first.quick_reply_items and [a["label"] for a in second.quick_reply_items] == ["한국어", "日本語"]
        assert first.call_size == 2  # one push call for both

    scenario(tmp_path, body)


def test_a_new_friend_is_greeted_in_their_language_and_the_loading_animation_shows(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        world.line.profiles[OFFICER] = {"displayName": "김민준", "language": "ko"}
        assert (await world.post(world.line.follow_event(OFFICER)))[0] == 200
        [greeting] = world.line.to_chat(OFFICER)
        assert greeting.text == world.bot.core.deps.renderer.render("ko", "start")
        await world.say(OFFICER, "출강 신청 방법")
        [loading] = await world.line.wait_for_call(lambda c: c.path == LOADING)
        assert loading.body["chatId"] == OFFICER and loading.status == 202

    scenario(tmp_path, body, line_loading=0.0)


def test_a_photo_for_the_dorandoran_form_is_fetched_within_the_size_limit(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        officer = LineUser(world)
        await officer.say("/lang ja")
        await officer.say("/dorandoran")
        for text in ["テスト町", "企画課", "山田花子", "pr@town.example.jp"]:
            [q] = await officer.say(text)
        plan = q.quick_reply_items[0]["label"]
        [q] = await officer.press(q, plan)
        [q] = await officer.say("テスト町の春まつりを紹介します。")
        assert "7/9" in q.text
        small, big = b"\xff\xd8small-jpeg", b"\xff\xd8" + b"x" * 5000
        for content in (small, big):
            assert (await world.post(world.line.image_event(OFFICER, content)))[0] == 200
        saved = sorted(p.name for p in (tmp_path / "attachments").iterdir())
        assert len(saved) == 1 and saved[0].startswith("line-")
        assert (tmp_path / "attachments" / saved[0]).read_bytes() == small
        [fetched, _] = [c for c in world.line.calls if c.path.endswith("/content")]
        assert fetched.status == 200

    scenario(tmp_path, body, max_photo_bytes=2000)


def test_a_push_refused_for_quota_is_kept_and_delivered_when_they_next_write(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        officer = LineUser(world)
        await officer.say("/start")
        world.line.push_quota = 0
        notice = Reply(Address("line", OFFICER), "staff: your booth is confirmed", notification=True, ref="O-2026-0001")
        await world.bot.service.app.outbox.deliver([notice])
        assert [s.text for s in world.line.to_chat(OFFICER)][-1] != notice.text
        assert rows(tmp_path, "SELECT ref FROM pending_notices") == [("O-2026-0001",)]
        later = await officer.say("ありがとう")
        assert later[0].text == notice.text and later[0].via == "reply"  # free: the reply token carries it
        assert rows(tmp_path, "SELECT ref FROM pending_notices") == []

    scenario(tmp_path, body)


def test_unfollow_marks_the_requesters_requests_unreachable(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        await world.bot.core.deps.requests.submit(token="t1", kind="question", prefix="Q", answers={"q": "x"},
                                                  requester=ConversationKey("line", OFFICER, OFFICER), lang="ja")
        assert (await world.post(world.line.unfollow_event(OFFICER)))[0] == 200
        assert rows(tmp_path, "SELECT unreachable FROM requests") == [(1,)]

    scenario(tmp_path, body)


def test_in_the_staff_group_the_bot_answers_commands_and_mentions_only(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        await world.say(LINE_STAFF, "今日の昼ごはんどうする？", group=LINE_STAFF_GROUP)
        assert world.line.to_chat(LINE_STAFF_GROUP) == []
        await world.say(LINE_STAFF, "/queue", group=LINE_STAFF_GROUP)
        [listing] = world.line.to_chat(LINE_STAFF_GROUP)
        assert listing.via == "reply" and listing.text != world.bot.core.deps.renderer.render("ja", "staff_only")
        await world.say(LINE_STAFF, "@Madoguchi JETプログラムとは？", group=LINE_STAFF_GROUP, mention_bot=True)
        assert len(world.line.to_chat(LINE_STAFF_GROUP)) == 2

    scenario(tmp_path, body)


def test_export_on_line_is_a_short_lived_link_to_the_csv(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        await world.say(LINE_STAFF, "/lang en")
        await world.say(LINE_STAFF, "/export")
        [answer] = world.line.to_chat(LINE_STAFF)[-1:]
        found = re.search(r"https://bot\.example\.org(/\S+)", answer.text)
        assert found and "15 minutes" in answer.text, answer.text
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{world.bot.port}{found.group(1)}") as resp:
                assert resp.status == 200 and (await resp.read()).startswith("\ufeffref,".encode())
            async with http.get(f"http://127.0.0.1:{world.bot.port}{found.group(1)}x") as resp:
                assert resp.status == 404  # a guessed token finds nothing

    scenario(tmp_path, body, server_url="https://bot.example.org")


def test_export_on_line_without_a_public_address_says_what_to_use_instead(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        await world.say(LINE_STAFF, "/export")
        [answer] = world.line.to_chat(LINE_STAFF)[-1:]
        assert "public_url" in answer.text and "/export" in answer.text and "http" not in answer.text

    scenario(tmp_path, body)
