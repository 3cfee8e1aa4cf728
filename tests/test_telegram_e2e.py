"""The real bot (core + python-telegram-bot Application) over real HTTP against a fake Bot API.

Each test starts tests/fake_telegram.py on 127.0.0.1, runs `madoguchi run`'s serve() with
base_url pointing at it, plays Telegram users by queueing updates, and reads what the bot sent.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bot.storage.store import Store
from fake_telegram import Sent, BOT, FakeTelegram, chat_of, user
from telegram_harness import STAFF_CHAT, STAFF_USER, Body, RunningBot, make_config, run_bot

def run(body: Body, tmp_path: Path, **telegram: Any) -> FakeTelegram:
    return run_bot(tmp_path, body, **telegram)


def rendered(bot: RunningBot, lang: str, name: str, **values: Any) -> str:
    return bot.core.deps.renderer.render(lang, name, **values)


def label(bot: RunningBot, lang: str, key: str) -> str:
    return bot.core.deps.renderer.label(lang, key)


def test_start_greets_in_the_client_language_with_language_and_topic_buttons(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        for uid, code, lang in [(7001, "ko", "ko"), (7002, "ja", "ja"), (7003, "en-US", "en"), (7004, "de", "en")]:
            await fake.send_text(user(uid, "U", code), "/start")
            [greeting] = await fake.next_to(uid)
            assert greeting.text == rendered(bot, lang, "start")
            data = [b["callback_data"] for b in greeting.buttons]
            assert data[:3] == ["lang:ja", "lang:ko", "lang:en"]
            assert "t:seoul.lecture" in data
        # the three language buttons are short: they share one row
        assert len(greeting.params["reply_markup"]["inline_keyboard"][0]) == 3

    run(body, tmp_path)


def test_korean_officer_asks_about_lectures_and_follows_buttons(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        officer = user(7010, "김민준", "ko")
        await fake.send_text(officer, "대학 특강은 어떤 내용인가요?")
        [answer] = await fake.next_to(7010)
        lecture = bot.core.deps.knowledge.topics["seoul.lecture"].local("ko")
        assert lecture.title in answer.text and "info@clair.or.kr" in answer.text
        assert answer.button(label(bot, "ko", "apply"))["callback_data"] == "f:lecture"
        # replies travel as UTF-8 JSON (bot/channels/telegram_http.py), not percent-encoded form fields
        assert answer.content_type == "application/json"

        mark = fake.mark()
        await fake.press(officer, answer, answer.button("↪"))
        [related] = await fake.next_to(7010, mark)
        assert related.text.startswith("[") and any("\uac00" <= c <= "\ud7a3" for c in related.text)
        assert fake.methods("answerCallbackQuery"), "a pressed button's callback query is answered"

    run(body, tmp_path)


def test_a_button_with_a_long_payload_round_trips_through_the_token_table(tmp_path: Path) -> None:
    from bot.messages import Address, Button, Reply

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        long_topic = "t:" + "seoul.a_topic_whose_identifier_is_far_longer_than_telegram_allows" * 2
        await bot.telegram.deliver(Address("telegram", "7020"), [Reply(Address("telegram", "7020"), "choose",
                                                                      (Button("long", long_topic),))], None)
        [offer] = await fake.next_to(7020)
        data = offer.buttons[0]["callback_data"]
        assert data.startswith("~") and len(data.encode()) <= 64
        mark = fake.mark()
        await fake.press(user(7020, "U", "en"), offer, offer.buttons[0])
        [reply] = await fake.next_to(7020, mark)
        # the core got the original payload: an unknown topic, not an unknown button
        assert reply.text == rendered(bot, "en", "unknown_topic")

    run(body, tmp_path)


def test_built_keyboards_are_reused_and_their_cache_stays_bounded(tmp_path: Path) -> None:
    from bot.channels.telegram.keyboard import CACHE_SIZE
    from bot.messages import Button

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        keyboards = bot.telegram.keyboards
        long_payload = "t:" + "x" * 80
        first = (Button("long", long_payload), Button("short", "t:a"))
        markup = await keyboards.markup(first)
        assert await keyboards.markup(first) is markup
        for i in range(CACHE_SIZE + 10):
            await keyboards.markup((Button(f"b{i}", f"t:{i}"),))
        assert len(keyboards.built) == CACHE_SIZE and first not in keyboards.built
        rebuilt = await keyboards.markup(first)  # after eviction: the same token, still decodable
        token = rebuilt.inline_keyboard[0][0].callback_data
        assert token == markup.inline_keyboard[0][0].callback_data
        assert await keyboards.payloads.decode(token) == long_payload

    run(body, tmp_path)


def test_long_answer_is_split_at_paragraphs_with_buttons_on_the_last_part(tmp_path: Path) -> None:
    from bot.messages import Address, Button, Reply

    paragraphs = [f"{i}. " + "한일 교류 행사 안내입니다. " * 30 for i in range(20)]

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        reply = Reply(Address("telegram", "7030"), "\n\n".join(paragraphs),
                      (Button("한국어", "lang:ko"), Button("日本語", "lang:ja")))
        await bot.telegram.deliver(reply.to, [reply], None)

    fake = run(body, tmp_path)
    parts = fake.to_chat(7030)
    assert len(parts) >= 3
    assert [p for s in parts for p in s.text.split("\n\n")] == paragraphs
    assert [bool(s.buttons) for s in parts] == [False] * (len(parts) - 1) + [True]


def test_more_users_at_once_than_sending_connections_all_get_their_answers(tmp_path: Path) -> None:
    people = [user(7100 + i, f"U{i}", "ja") for i in range(40)]

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        fake.send_delay = 0.05  # 40 replies through one connection: 2 s, most of them waiting for it
        for person in people:  # all queued before the bot's next getUpdates: one batch of 40
            await fake.send_text(person, "日韓交流おまつりに参加したいです")
        for person in people:
            await fake.next_to(person["id"])

    # one connection for sending (getUpdates has its own): replies wait for it rather than fail
    fake = run(body, tmp_path, connection_pool_size=1)
    assert all(len(fake.to_chat(p["id"])) == 1 for p in people)


def test_flooding_user_is_told_once_to_slow_down_and_others_are_unaffected(tmp_path: Path) -> None:
    flooder, other = user(7040, "F", "ja"), user(7041, "O", "ko")

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        for _ in range(12):
            await fake.send_text(flooder, "/help")
        last = await fake.send_text(other, "/help")
        await fake.next_to(7041)
        await fake.next_to(7040, count=6)
        await fake.wait_consumed(last)

    fake = run(body, tmp_path, rate_limit_per_minute=5)
    to_flooder = [s.text for s in fake.to_chat(7040)]
    renderer_texts = _texts(tmp_path)
    assert to_flooder == [renderer_texts["help_ja"]] * 5 + [renderer_texts["slow_ja"]]
    assert [s.text for s in fake.to_chat(7041)] == [renderer_texts["help_ko"]]


def _texts(tmp_path: Path) -> dict[str, str]:
    from bot.rendering.renderer import Renderer

    r = Renderer()
    return {"help_ja": r.render("ja", "help", is_staff=False), "help_ko": r.render("ko", "help", is_staff=False),
            "slow_ja": r.label("ja", "slow_down"), "sorry_ko": r.label("ko", "retry")}


def test_one_users_updates_are_handled_in_order(tmp_path: Path) -> None:
    order = ["ja", "ko", "en", "ja", "en", "ko", "ko", "ja"]

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        for code in order:
            await fake.send_text(user(7050, "U"), f"/lang {code}")
            await fake.send_text(user(7051, "V"), "/help")
        got = await fake.next_to(7050, count=len(order))
        assert [s.text for s in got] == [rendered(bot, code, "lang_set") for code in order]
        await fake.next_to(7051, count=len(order))

    run(body, tmp_path)


def test_staff_group_hears_only_what_is_addressed_to_the_bot(tmp_path: Path) -> None:
    staff = user(STAFF_USER, "Staff", "ja")

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        await fake.send_text(staff, "みなさん、おはようございます", chat_id=STAFF_CHAT)
        await fake.send_text(staff, "/help@SomeOtherBot", chat_id=STAFF_CHAT)
        last = await fake.send_text(staff, "/help@MadoguchiTestBot", chat_id=STAFF_CHAT)
        [reply] = await fake.next_to(STAFF_CHAT)
        assert reply.text == rendered(bot, "ja", "help", is_staff=True)
        await fake.wait_consumed(last)

    fake = run(body, tmp_path)
    assert len(fake.to_chat(STAFF_CHAT)) == 1


def test_a_photo_is_saved_only_for_a_form_that_asks_for_one_and_within_the_size_limit(tmp_path: Path) -> None:
    small, big = b"\xff\xd8small-photo" + b"s" * 900, b"\xff\xd8big-photo" + b"b" * 3000
    sender = user(7060, "P", "ja")

    async def say(fake: FakeTelegram, text: str) -> Sent:
        mark = fake.mark()
        await fake.send_text(sender, text)
        return (await fake.next_to(7060, mark))[0]

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        mark = fake.mark()
        stray = await fake.push(fake.message_update(sender, photo_file=("photo_stray", small)))
        await fake.next_to(7060, mark)  # answered, but a photo outside a form is not kept
        await fake.wait_consumed(stray)
        await say(fake, "/dorandoran")
        for text in ["テスト町", "企画課", "山田花子", "pr@town.example.jp"]:
            q = await say(fake, text)
        mark = fake.mark()
        await fake.press(sender, q, q.buttons[0])  # the plan type
        await fake.next_to(7060, mark)
        q = await say(fake, "テスト町の春まつりを紹介します。")
        assert "7/9" in q.text  # the photo question
        for name, content in (("photo_small", small), ("photo_big", big)):
            mark = fake.mark()
            await fake.push(fake.message_update(sender, photo_file=(name, content)))
            await fake.next_to(7060, mark)

    fake = run(body, tmp_path, max_photo_bytes=2000)
    saved = sorted((tmp_path / "attachments").iterdir())
    assert [p.name for p in saved] == ["telegram-7060-uphoto_small.jpg"]  # named after its owner
    assert saved[0].read_bytes() == small
    assert [c.params["file_id"] for c in fake.methods("getFile")] == ["photo_small"]


def test_a_failing_update_gets_an_apology_in_the_users_language_and_others_carry_on(tmp_path: Path) -> None:
    async def prepare() -> None:  # a damaged database: a question looks for open requests and fails
        store = await Store.open(tmp_path / "madoguchi.sqlite3")
        await store.db.execute("ALTER TABLE requests RENAME TO requests_lost")
        await store.close()

    asyncio.run(prepare())

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        await fake.send_text(user(7070, "K", "ko"), "출강 신청 방법")
        [apology] = await fake.next_to(7070)
        assert apology.text == label(bot, "ko", "busy")
        await fake.send_text(user(7071, "J", "ja"), "/help")
        [fine] = await fake.next_to(7071)
        assert fine.text == rendered(bot, "ja", "help", is_staff=False)

    run(body, tmp_path)


def test_a_restart_keeps_the_conversation_and_old_buttons_still_work(tmp_path: Path) -> None:
    officer = user(7080, "이서연", "en")

    async def scenario() -> None:
        fake = FakeTelegram()
        url = await fake.start()
        config = make_config(tmp_path, url)
        async with RunningBot(config):
            await fake.send_text(officer, "/lang ko")
            [chosen] = await fake.next_to(7080)
        async with RunningBot(config) as bot:  # a new process, as far as the bot can tell
            mark = fake.mark()
            await fake.press(officer, chosen, chosen.button(
                bot.core.deps.knowledge.topics["seoul.lecture"].local("ko").title))
            [answer] = await fake.next_to(7080, mark)
            assert bot.core.deps.knowledge.topics["seoul.lecture"].local("ko").title in answer.text
        await fake.stop()

    asyncio.run(scenario())


def test_a_chat_that_refuses_messages_leaves_other_chats_and_the_queue_alone(tmp_path: Path) -> None:
    from fake_telegram import forbidden_for

    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        fake.failures.append(forbidden_for(7090))
        await fake.send_text(user(7090, "B", "ja"), "/help")
        await fake.send_text(user(7091, "C", "ja"), "/help")
        await fake.next_to(7091)

    fake = run(body, tmp_path)
    assert fake.to_chat(7090) == []
    assert any(c.method == "sendMessage" and c.chat_id == 7090 for c in fake.calls)


def test_messages_from_bots_and_channel_posts_are_ignored(tmp_path: Path) -> None:
    async def body(fake: FakeTelegram, bot: RunningBot) -> None:
        other_bot = dict(BOT, id=424242, username="SpamBot")
        await fake.push({"message": {"message_id": 1, "date": 0, "chat": chat_of(424242), "from": other_bot,
                                     "text": "/start"}})
        await fake.push({"channel_post": {"message_id": 2, "date": 0, "text": "/start",
                                          "chat": {"id": -1009, "type": "channel", "title": "News"}}})
        last = await fake.send_text(user(7095, "U", "en"), "/start")
        await fake.next_to(7095)
        await fake.wait_consumed(last)

    fake = run(body, tmp_path)
    assert {s.chat_id for s in fake.sent} == {7095}
