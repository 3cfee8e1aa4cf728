"""Forms that follow the person: the form's language, questions typed mid-form, names, natural choices,
the source's own route when a form starts, and example dates computed from the clock (issue 4, 6)."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from bot.app import open_app
from bot.config import Config
from bot.core.language import sentence_language
from bot.forms.examples import example_values
from bot.forms.registry import load_forms
from bot.forms.validators import Invalid, Valid, validate
from form_chat import Chat, Clock
from shared import answering_for

REPO = Path(__file__).resolve().parent.parent
FORMS = load_forms(REPO / "knowledge" / "forms")
LECTURE = FORMS["lecture"]


def stored(db: Path) -> list[tuple[str, str, dict]]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT ref, lang, answers FROM requests ORDER BY id").fetchall()
    return [(ref, lang, json.loads(answers)) for ref, lang, answers in rows]


def run(config: Config, body, clock: Clock | None = None) -> None:
    async def scenario() -> None:
        async with open_app(config, clock or Clock(), answering_for(config)) as app:
            await body(Chat(app.core))

    asyncio.run(scenario())


# -- the form's language ---------------------------------------------------------------------


@pytest.mark.parametrize("text, lang", [
    ("온라인으로 해주세요", "ko"), ("한국대학교입니다", "ko"), ("강의는 일본어인가요?", "ko"),
    ("オンラインでお願いします", "ja"), ("田中です", "ja"),
    ("Online please", "en"), ("wait, is the lecture in Korean or Japanese?", "en"),
    # names, addresses and numbers are no sign of the writer's language
    ("서울대학교", None), ("일어일문학과", None), ("김민지", None), ("東京都", None), ("ソウル大学", None),
    ("Seoul National University", None), ("The Catholic University of Korea", None), ("Kim Minji", None),
    ("minji@example.ac.kr", None), ("30명", None), ("2026-12-03", None),
])
def test_what_counts_as_a_sentence_in_a_language(text: str, lang: str | None) -> None:
    assert sentence_language(text) == lang


def test_korean_names_do_not_flip_a_japanese_form_but_a_korean_sentence_does(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("/lecture")  # no language seen yet: the default, Japanese
        for name in ["서울대학교", "일어일문학과", "김민지", "minji@example.ac.kr", "12월 10일"]:
            await chat.say(name)
            assert (await chat.form())["lang"] == "ja", name
        assert "（6/9）対面（教室への出張）とオンラインのどちらをご希望ですか。" in chat.text
        await chat.say("온라인으로 해주세요")  # a sentence in Korean: the form follows at once
        form = await chat.form()
        assert form["lang"] == "ko" and form["answers"]["format"] == "online"
        assert "(7/9) 희망하시는 강좌 내용·주제를 알려 주세요." in chat.text
        for answer in ["일본의 축제", "30명", "/skip"]:
            await chat.say(answer)
        assert "답변을 확인해 주세요" in chat.text
        await chat.press("fm:submit")
        assert "접수 번호: L-2026-0001" in chat.text

    run(forms_config, body)
    [(ref, lang, answers)] = stored(forms_config.database)
    assert lang == "ko"  # the request, and every later notice, in the language the user ended in
    assert answers["university"] == "서울대학교" and answers["contact_person"] == "김민지"


def test_english_and_japanese_sentences_switch_a_form_each_way(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("I would like to request an outreach lecture")
        assert (await chat.form())["lang"] == "en" and "(1/9) Which university is the lecture for?" in chat.text
        await chat.say("ソウル大学です")  # Japanese, written as a sentence: the prompts follow
        assert (await chat.form())["lang"] == "ja" and "（2/9）学科・専攻名を教えてください。" in chat.text
        await chat.say("It's the Department of Japanese Studies")
        assert (await chat.form())["lang"] == "en" and "(3/9) Who is the contact person?" in chat.text

    run(forms_config, body)


def test_two_answers_in_a_row_in_another_language_switch_the_form(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("도란도란에 게재 신청하고 싶어요")
        assert (await chat.form())["lang"] == "ko"
        for answer in ["Aomori", "Tourism Division", "Sato Hanako", "sato@example.lg.jp"]:
            await chat.say(answer)
        await chat.press("fm:c:plan:undecided")
        await chat.say("Spring festival in Aomori")  # one phrase in English: not yet
        assert (await chat.form())["lang"] == "ko"
        await chat.say("/skip")
        await chat.say("mid-April")  # the next answer in English too: the form follows
        form = await chat.form()
        assert form["lang"] == "en" and form["at"] == "notes"
        assert "Anything else our staff should know?" in chat.text

    run(forms_config, body)


def test_a_language_chosen_with_lang_is_never_changed_by_what_is_typed(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("/lang ja")
        await chat.say("/lecture")
        await chat.say("서울대학교입니다")
        assert (await chat.form())["lang"] == "ja" and "（2/9）" in chat.text

    run(forms_config, body)


# -- a question in the middle of a form --------------------------------------------------------


@pytest.mark.parametrize("lang, question", [("ja", "講義は日本語ですか？"), ("ko", "강의는 한국어로 하나요?"),
                                            ("en", "Wait, is the lecture in Korean or Japanese?")])
def test_a_question_typed_for_a_name_is_answered_and_the_question_asked_again(
        forms_config: Config, lang: str, question: str) -> None:
    lecture_title = {"ja": "韓国内の大学等への出前講座", "ko": "한국 대학 등을 찾아가는 출장 강좌",
                     "en": "Outreach lectures at Korean universities"}[lang]

    async def body(chat: Chat) -> None:
        await chat.say(f"/lang {lang}")
        await chat.say("/lecture")
        for answer in ["Hanguk University", "Japanese"]:
            await chat.say(answer)
        await chat.say(question)
        assert lecture_title in chat.text  # the answer from the knowledge base
        assert chat.text.rstrip().endswith(("取り消し）", "/cancel 취소)", "/cancel to stop)"))
        assert LECTURE.field("contact_person").prompt[lang] in chat.mine[-1].text  # then the question again
        form = await chat.form()
        assert form["at"] == "contact_person" and "contact_person" not in form["answers"]

    run(forms_config, body)


def test_a_question_is_the_answer_where_a_long_text_is_asked_and_in_the_question_form(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("/lang en")
        await chat.say("/ask")
        await chat.say("Is the lecture in Japanese?")
        assert (await chat.form())["answers"]["question"] == "Is the lecture in Japanese?"
        await chat.say("/cancel")
        await chat.say("/lecture")
        for answer in ["Hanguk University", "Japanese", "Kim Minji", "kim@example.ac.kr", "2026-12-03", "2"]:
            await chat.say(answer)
        await chat.say("Can you talk about Japanese festivals?")  # what the lecture should be about
        assert (await chat.form())["answers"]["topics"] == "Can you talk about Japanese festivals?"

    run(forms_config, body)


def test_in_a_checked_field_only_a_refused_answer_can_be_a_question(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("/lang en")
        await chat.say("/lecture")
        for answer in ["Hanguk University", "Japanese", "Kim Minji"]:
            await chat.say(answer)
        await chat.say("How do I get to the office from Incheon Airport?")  # no e-mail address: a question
        assert "about 70 minutes" in chat.text and (await chat.form())["at"] == "email"
        await chat.say("kim@example.ac.kr")
        assert (await chat.form())["answers"]["email"] == "kim@example.ac.kr"

    run(forms_config, body)


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, reason", [("😀😀", "name_no_letters"), ("...!?", "name_no_letters"),
                                           ("12345", "name_no_letters"), ("김", "name_too_short"),
                                           ("A", "name_too_short"), ("who should I write?", "name_question")])
def test_names_refuse_emoji_punctuation_one_character_and_questions(typed: str, reason: str) -> None:
    result = validate(LECTURE.field("contact_person"), typed, None, Clock().today())
    assert isinstance(result, Invalid) and result.reason == reason


@pytest.mark.parametrize("typed", ["김민지", "田中", "Kim Minji", "山田 花子", "O'Brien", "イ・ミンジ"])
def test_names_in_any_script_are_accepted(typed: str) -> None:
    assert validate(LECTURE.field("contact_person"), typed, None, Clock().today()) == Valid(typed)


@pytest.mark.parametrize("lang, reason", [("ja", "1文字だけでは足りません"), ("ko", "한 글자로는 부족합니다"),
                                          ("en", "One character is not enough")])
def test_a_refused_name_says_why_in_the_users_language(forms_config: Config, lang: str, reason: str) -> None:
    async def body(chat: Chat) -> None:
        await chat.say(f"/lang {lang}")
        await chat.say("/ask")
        await chat.say("Is there parking?")
        await chat.say("김")
        assert "⚠️ " + FORMS["question"].field("contact_person").error[lang] in chat.text
        assert reason in chat.text and (await chat.form())["at"] == "contact_person"
        await chat.say("😀")
        assert ("絵文字" if lang == "ja" else "이모티콘" if lang == "ko" else "emoji") in chat.text

    run(forms_config, body)


# -- choices in natural words ------------------------------------------------------------------


@pytest.mark.parametrize("typed, value", [
    ("オンラインでお願いします", "online"), ("対面でお願いします", "onsite"), ("どちらでもいいです", "either"),
    ("온라인으로 해주세요", "online"), ("비대면으로 부탁드려요", "online"), ("대면으로 해 주세요", "onsite"),
    ("상관없어요", "either"), ("online please", "online"), ("In person, please", "onsite"),
    ("either is fine", "either"), ("Zoom would be great", "online"),
])
def test_a_choice_accepts_natural_phrasings(typed: str, value: str) -> None:
    assert validate(LECTURE.field("format"), typed, None, Clock().today()) == Valid(value)


@pytest.mark.parametrize("typed", ["not online", "オンラインじゃなくて", "온라인 말고", "online or in person"])
def test_a_phrase_that_refuses_or_names_two_options_picks_none(typed: str) -> None:
    result = validate(LECTURE.field("format"), typed, None, Clock().today())
    assert isinstance(result, Invalid) and result.reason == "not_offered"


def test_a_natural_choice_in_the_chat(forms_config: Config) -> None:
    async def body(chat: Chat) -> None:
        await chat.say("/lang ko")
        await chat.say("/lecture")
        for answer in ["한국대학교", "일본어학과", "김민지", "minji@example.ac.kr", "2026-12-03"]:
            await chat.say(answer)
        await chat.say("온라인으로 해주세요")
        assert (await chat.form())["answers"]["format"] == "online"

    run(forms_config, body)


# -- a wish to apply, and the source's own route -------------------------------------------------


@pytest.mark.parametrize("wish, line", [
    ("출강 신청하고 싶어요",
     "크레아 서울사무소(info@clair.or.kr)로 메일을 보내 신청하실 수도 있습니다. "
     "진행 가능한 강좌 메뉴를 보내 드립니다."),
    ("出前講座を申し込みたいです",
     "メール（info@clair.or.kr）でもクレアソウルに申し込めます。実施可能な講座のメニューをお送りします。"),
    ("I'd like to request a lecture",
     "You can also apply by e-mail to CLAIR Seoul (info@clair.or.kr); the office then sends you its menu of lectures."),
])
def test_a_wish_to_apply_starts_the_form_with_the_sources_route(forms_config: Config, wish: str, line: str) -> None:
    async def body(chat: Chat) -> None:
        await chat.say(wish)
        assert (await chat.form())["kind"] == "lecture"
        first, second = chat.text.split("\n")[:2]
        assert first.startswith("📝 ") and second == line

    run(forms_config, body)


# -- example dates from the clock ----------------------------------------------------------------


@pytest.mark.parametrize("day, ja, en", [
    ((2026, 6, 1), "例: 2026-07-01、7月8日", "For example: 2026-07-01, 8 July"),
    ((2027, 11, 20), "例: 2027-12-20、12月27日", "For example: 2027-12-20, 27 December"),
])
def test_example_dates_in_hints_are_computed_from_today(forms_config: Config, day, ja: str, en: str) -> None:
    clock = Clock(*day)

    async def body(chat: Chat) -> None:
        for lang, hint in (("ja", ja), ("en", en)):
            await chat.say(f"/lang {lang}")
            await chat.say("/lecture")
            for answer in ["Hanguk University", "Japanese", "Kim Minji", "kim@example.ac.kr"]:
                await chat.say(answer)
            assert hint in chat.text
            await chat.say("2020-01-01")  # in the past: the error's examples are from today as well
            assert hint.split(": ", 1)[1].split("、")[0].split(",")[0] in chat.text
            await chat.say("/cancel")

    run(forms_config, body, clock)


def test_the_period_hint_names_months_after_this_one() -> None:
    today = Clock(2026, 11, 15).today()
    assert example_values("ja", today)["month"] == "2027年1月" and example_values("ja", today)["later_month"] == "2月"
    assert example_values("ko", today)["month"] == "2027년 1월"
    assert example_values("en", today) == {"date": "2026-12-15", "day": "22 December", "month": "January 2027",
                                           "later_month": "February"}
    for form in FORMS.values():
        for f in form.fields:
            for lang in ("ja", "ko", "en"):
                for text in (f.prompt[lang], f.hint[lang], f.error[lang]):
                    assert "2026" not in text and "2027" not in text, (form.kind, f.name, text)


# -- the form file keys these need (knowledge/README.md) ----------------------------------------


def test_the_new_form_keys_are_checked_like_the_others(tmp_path: Path) -> None:
    from bot.answering.knowledge import KnowledgeError

    text = (REPO / "knowledge" / "forms" / "lecture.toml").read_text(encoding="utf-8")
    text = text.replace('hint.en = "For example: {date}, {day}', 'hint.en = "For example: {tomorrow}, {day}')
    text = text.replace('also.ko = ["온라인", "비대면"', 'also.xx = ["?"]\nalso.ko = ["온라인", "비대면"')
    text = text.replace('route.en = "You can also apply', 'route.fr = "x"\nroute.en = "You can also apply')
    (tmp_path / "lecture.toml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_forms(tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "field #5 (preferred_dates) hint.en: unknown placeholder {tomorrow}; use {date}, {day}" in problems
    assert "option #2 also: a list of words per language" in problems
    assert "route: unknown languages ['fr']" in problems
    shipped = {f.name: f.type for f in LECTURE.fields}
    assert shipped["contact_person"] == shipped["university"] == "name"
    assert LECTURE.route["en"].startswith("You can also apply by e-mail") and not FORMS["question"].route
