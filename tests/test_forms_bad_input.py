"""Every bad input of issue 3 gets a clear reply in the user's language, and nothing typed is lost."""
from __future__ import annotations

import asyncio

import pytest

from bot.app import open_app
from bot.config import Config
from bot.forms.examples import fill
from form_chat import Chat, Clock
from shared import answering_for

# the first answers of the lecture form, good ones; then each bad input is tried on its question
LECTURE_START = ["Hanguk University", "Japanese", "Kim Minji"]

# (field, bad input, a fragment of the reason, per language)
BAD = [
    ("email", "kim@@example.ac.kr", {"ja": "", "ko": "", "en": ""}),
    ("email", "kim at example", {"ja": "", "ko": "", "en": ""}),
    ("preferred_dates", "2025-12-03", {"ja": "すでに過ぎています", "ko": "이미 지난 날짜", "en": "already past"}),
    ("preferred_dates", "next Tuesday", {"ja": "日付として読み取れません", "ko": "날짜로 읽을 수 없습니다",
                                         "en": "not a date I can read"}),
    ("preferred_dates", "2026-02-30", {"ja": "日付として読み取れません", "ko": "날짜로 읽을 수 없습니다",
                                       "en": "not a date I can read"}),
    ("format", "maybe on Mars", {"ja": "選択肢にありません", "ko": "해당하는 선택지가 없습니다", "en": "not one of the options"}),
    ("format", "7", {"ja": "選択肢にありません", "ko": "해당하는 선택지가 없습니다", "en": "not one of the options"}),
    ("students", "abc", {"ja": "数字ではありません", "ko": "숫자를 읽을 수 없습니다", "en": "is not a number"}),
    ("students", "5000", {"ja": "範囲外です", "ko": "1000까지의 숫자만", "en": "outside 1–1000"}),
    ("students", "0", {"ja": "範囲外です", "ko": "1000까지의 숫자만", "en": "outside 1–1000"}),
]
GOOD = {"email": "kim@example.ac.kr", "preferred_dates": "2026-12-03", "format": "1", "topics": "Festivals",
        "students": "30"}


async def _form(chat: Chat) -> dict:
    form = await chat.form()
    assert form is not None
    return form


@pytest.mark.parametrize("lang", ["ja", "ko", "en"])
def test_each_bad_answer_is_refused_with_the_reason_and_nothing_is_lost(forms_config: Config, lang: str) -> None:
    async def scenario() -> None:
        clock = Clock()
        async with open_app(forms_config, clock, answering_for(forms_config)) as app:
            core = app.core
            forms = core.deps.forms
            lecture = forms["lecture"]
            chat = Chat(core)
            await chat.say(f"/lang {lang}")
            await chat.say("/lecture")
            for answer in LECTURE_START:
                await chat.say(answer)
            for field, bad, reason in BAD:
                while (await _form(chat))["at"] != field:
                    await chat.say(GOOD[(await _form(chat))["at"]])
                before = dict((await _form(chat))["answers"])
                await chat.say(bad)
                form = await _form(chat)
                assert form["at"] == field, (field, bad)
                assert form["answers"] == before, (field, bad)
                today = forms_config.zone.today(clock())
                error = fill(lecture.field(field).error[lang], lang, today)  # example dates from today
                assert "⚠️ " + error in chat.text, (field, bad, chat.text)
                assert reason[lang] in chat.text, (field, bad)
                assert lecture.field(field).prompt[lang] in chat.text  # asked again
            assert (await _form(chat))["answers"]["university"] == "Hanguk University"

    asyncio.run(scenario())


@pytest.mark.parametrize("lang", ["ja", "ko", "en"])
def test_photo_and_text_in_the_wrong_place_and_a_long_manuscript(forms_config: Config, lang: str) -> None:
    manuscript = ("青森の春祭りについての原稿です。" * 400)[:6000]
    expect = {"ja": ("写真では答えられません", "文字ではなく写真を"),
              "ko": ("사진으로 답할 수 없습니다", "글자가 아니라 사진을"),
              "en": ("A photo cannot answer", "send a photo here, not text")}[lang]

    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            dorandoran = core.deps.forms["dorandoran"]
            chat = Chat(core)
            await chat.say(f"/lang {lang}")
            await chat.say("/dorandoran")
            await chat.photo("photo-where-text-belongs")
            assert expect[0] in chat.text and dorandoran.fields[0].prompt[lang] in chat.text
            assert (await _form(chat))["answers"] == {}
            for answer in ["Aomori Prefecture", "Tourism Division", "Sato", "sato@example.lg.jp"]:
                await chat.say(answer)
            await chat.press("fm:c:plan:more_posts")
            await chat.say(manuscript)
            assert (await _form(chat))["answers"]["manuscript"] == manuscript  # accepted whole
            assert (await _form(chat))["at"] == "photos"
            await chat.say("here is the photo")
            assert expect[1] in chat.text and (await _form(chat))["at"] == "photos"
            await chat.photo("p1")
            await chat.photo("p2")
            assert "fm:done" in chat.payloads()
            await chat.press("fm:done")
            form = await _form(chat)
            assert [p["file_id"] for p in form["answers"]["photos"]] == ["p1", "p2"]
            assert form["at"] == "period"
            await chat.say("2027年3月ごろ")
            await chat.say("/skip")
            assert "6,000" in chat.text  # the summary cuts the manuscript and says how long it is
            await chat.press("fm:submit")
            assert chat.ref() == "D-2026-0001"

    asyncio.run(scenario())


def test_a_command_in_the_middle_is_answered_then_the_question_repeated(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang ja")
            await chat.say("/lecture")
            await chat.say("韓国大学")
            await chat.say("/help")
            assert "/lecture" in chat.mine[0].text  # the help itself
            assert "（2/9）学科・専攻名を教えてください。" in chat.mine[-1].text
            await chat.say("/lang ko")
            assert "(2/9) 학과·전공 이름을 알려 주세요." in chat.mine[-1].text  # now in Korean
            await chat.say("/nonsense")
            assert "(2/9)" in chat.mine[-1].text
            await chat.press("t:seoul.contact")  # an old topic button
            assert "(2/9)" in chat.mine[-1].text
            await chat.say("일본어학과")
            assert (await _form(chat))["answers"] == {"university": "韓国大学", "department": "일본어학과"}

    asyncio.run(scenario())


def test_starting_a_second_form_asks_before_abandoning_the_first(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang en")
            await chat.say("/lecture")
            await chat.say("Hanguk University")
            await chat.say("/omatsuri")
            assert "unfinished form" in chat.text and "1 of 9 answered" in chat.text
            assert chat.payloads() == ["fm:stay", "fm:switch:omatsuri"]
            assert (await _form(chat))["kind"] == "lecture"
            await chat.press("fm:stay")
            assert "(2/9)" in chat.text
            await chat.press("f:dorandoran")  # the same from a topic's button
            assert "fm:switch:dorandoran" in chat.payloads()
            await chat.say("Japanese")  # answering instead of choosing carries on with the form
            form = await _form(chat)
            assert form["kind"] == "lecture" and form["answers"]["department"] == "Japanese"
            await chat.press("fm:switch:dorandoran")  # the old button no longer switches
            assert (await _form(chat))["kind"] == "lecture"
            await chat.say("/lecture")  # the same form again just continues it
            assert "already filling in this form" in chat.text and (await _form(chat))["at"] == "contact_person"
            await chat.say("/ask")
            await chat.press("fm:switch:question")
            assert "was cancelled" in chat.text and (await _form(chat))["kind"] == "question"

    asyncio.run(scenario())


def test_form_commands_without_a_form(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang en")
            for command in ["/skip", "/back", "/cancel", "/done"]:
                await chat.say(command)
                assert "There is no form in progress" in chat.text
            await chat.press("fm:submit")
            assert "There is no form in progress" in chat.text
            await chat.photo("stray")  # a photo with no form open
            assert chat.mine

    asyncio.run(scenario())
