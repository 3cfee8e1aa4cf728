"""Answers through the real core: languages, buttons, bad input, nothing interpreted as markup."""
from __future__ import annotations

import asyncio

import pytest

from bot.app import open_app
from bot.messages import Incoming
from shared import answering_for


def chat(config, *steps: Incoming | str, user: str = "u1"):
    """Run messages through a fresh app; return the replies to the last one."""

    async def go():
        async with open_app(config, answering=answering_for(config)) as app:
            core = app.core
            replies = []
            for step in steps:
                msg = step if isinstance(step, Incoming) else Incoming("test", user, user, text=step)
                replies = await core.handle(msg)
            return replies

    return asyncio.run(go())


def press(payload: str, user: str = "u1") -> Incoming:
    return Incoming("test", user, user, payload=payload)


def test_lecture_question_in_korean_gets_korean_answer_with_source_and_buttons(answer_config):
    [reply] = chat(answer_config, "크레아 출강 강의는 어떤 내용이에요?")
    assert "info@clair.or.kr" in reply.text
    assert "출처: 크레아 서울 2022, I-⑤" in reply.text
    payloads = [b.payload for b in reply.buttons]
    assert payloads[0] == "f:lecture"
    assert all(p.startswith("t:") for p in payloads[1:]) and len(payloads) > 1


def test_same_question_in_japanese_and_english(answer_config):
    [ja] = chat(answer_config, "大学で出前講座をしてもらえますか")
    [en] = chat(answer_config, "Can CLAIR send a lecturer to our university?")
    assert "出典: クレアソウル 2022, I-⑤" in ja.text
    assert "Source: CLAIR Seoul 2022, I-⑤" in en.text


def test_lang_choice_wins_over_the_script_of_the_message(answer_config):
    replies = chat(answer_config, "/lang en", "出前講座について教えて")
    assert "Source: CLAIR Seoul 2022" in replies[0].text


def test_related_topic_button_shows_that_topic(answer_config):
    [reply] = chat(answer_config, "/lang ja", press("t:seoul.contact"))
    assert "733-5681" in reply.text and "出典" in reply.text


def test_unknown_question_offers_staff_and_remembers_the_question(answer_config, tmp_path):
    async def go():
        async with open_app(answer_config, answering=answering_for(answer_config)) as app:
            core = app.core
            [reply] = await core.handle(Incoming("test", "u", "u", text="JETの面接対策を教えてください"))
            await core.drain()  # the hints are saved beside the answer
            state = (await core.deps.store.load_conversation(Incoming("test", "u", "u").key)).as_dict()
            return reply, state

    reply, state = asyncio.run(go())
    assert "情報がありません" in reply.text
    assert [b.payload for b in reply.buttons] == ["ask"]
    assert state["pending_question"] == "JETの面接対策を教えてください"


@pytest.mark.parametrize("text", ["", "   ", "🎉🍣🎉", "\x00\x07\x1b\u200b", "!!!???"])
def test_messages_without_words_get_a_prompt_not_an_error(answer_config, text):
    [reply] = chat(answer_config, "/lang ko", text)
    assert "질문을 글자로 입력해 주세요" in reply.text
    assert reply.buttons  # popular topics to pick from


def test_emoji_only_uses_the_language_seen_before(answer_config):
    [reply] = chat(answer_config, "도란도란이 뭐예요?", "🍣")
    assert "질문을 글자로" in reply.text


@pytest.mark.parametrize("text, words", [("🙂", "도와드릴 일이"), ("🙏🙏", "천만에요"), ("👋", "크레아")])
def test_emoji_that_say_something_get_small_talk_in_the_language_seen_before(answer_config, text, words):
    [reply] = chat(answer_config, "도란도란이 뭐예요?", text)
    assert words in reply.text


def test_ten_thousand_characters_get_an_answer(answer_config):
    [reply] = chat(answer_config, ("日韓交流おまつりについて教えてください。" * 600)[:10000])
    assert "おまつり" in reply.text and "出典" in reply.text


@pytest.mark.parametrize("text", ["https://www.example.com/page", "someone@example.com"])
def test_a_bare_url_or_email_is_not_an_error(answer_config, text):
    [reply] = chat(answer_config, "/lang en", text)
    assert reply.text  # an answer, a suggestion or "I don't know", in English
    assert any(w in reply.text for w in ("Source", "Did you mean", "don't have"))


def test_template_and_markup_in_user_text_stay_literal(answer_config):
    async def go():
        async with open_app(answer_config, answering=answering_for(answer_config)) as app:
            core = app.core
            await core.handle(Incoming("test", "x", "x", text="{{ 7*7 }} <b>bold</b> {% raw %}"))
            await core.drain()
            return (await core.deps.store.load_conversation(Incoming("test", "x", "x").key)).as_dict()

    state = asyncio.run(go())
    assert state["pending_question"] == "{{ 7*7 }} <b>bold</b> {% raw %}"
    rendered = chat(answer_config, "/lang en", "{{ 7*7 }}")[0].text
    assert "49" not in rendered


def test_mixed_scripts_and_unknown_command(answer_config):
    [reply] = chat(answer_config, "CLAIR ソウル 사무소 address?")
    assert reply.text
    [reply] = chat(answer_config, "/lang ja", "/frobnicate")
    assert "/frobnicate" in reply.text and "/help" in reply.text


def test_start_offers_languages_and_popular_topics(answer_config):
    [reply] = chat(answer_config, Incoming("test", "n", "n", text="/start", client_language="ko-KR"))
    assert "안녕하세요" in reply.text
    payloads = [b.payload for b in reply.buttons]
    assert {"lang:ja", "lang:ko", "lang:en", "t:seoul.lecture"} <= set(payloads)
    [reply] = chat(answer_config, Incoming("test", "m", "m", text="/start", client_language="de"))
    assert reply.text.startswith("Hello")


def test_state_survives_a_restart(answer_config):
    chat(answer_config, "/lang en", user="r")
    [reply] = chat(answer_config, "出前講座", user="r")  # a new app on the same SQLite file
    assert "Source:" in reply.text
