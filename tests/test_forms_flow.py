"""Filling request forms in chat, through the real core, on a real SQLite file."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from bot.app import open_app
from bot.config import Config
from bot.conversation import Conversation
from bot.messages import Address
from form_chat import Chat, Clock
from shared import answering_for

LECTURE_KO = [
    ("university", "한국대학교"),
    ("department", "일본어학과"),
    ("contact_person", "김민지"),
    ("email", "minji@example.ac.kr"),
    ("preferred_dates", "2026-12-03, 12월 10일"),
    ("format", "2"),
    ("topics", "일본의 축제와 차 문화"),
    ("students", "30명"),
]


def stored_requests(db: Path) -> list[dict]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT ref, kind, answers, channel, chat_id, user_id, lang, status FROM requests "
                           "ORDER BY id").fetchall()
    finally:
        con.close()
    return [{"ref": r[0], "kind": r[1], "answers": json.loads(r[2]), "requester": r[3:6], "lang": r[6],
             "status": r[7]} for r in rows]


def test_korean_lecture_request_with_one_wrong_email(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("출강 강의 신청하고 싶어요")
            assert "출장 강좌 신청" in chat.text
            assert "(1/9) 대학교 이름을 알려 주세요." in chat.text
            for name, answer in LECTURE_KO[:3]:
                await chat.say(answer)
            await chat.say("minji@example")  # no domain suffix
            assert "이메일 주소 형식이 아닙니다" in chat.text
            assert "(4/9)" in chat.text  # asked again
            form = await chat.form()
            assert form["at"] == "email" and form["answers"]["contact_person"] == "김민지"
            for name, answer in LECTURE_KO[3:]:
                await chat.say(answer)
            assert "(9/9)" in chat.text and "/skip" in chat.text
            await chat.say("/skip")
            assert "답변을 확인해 주세요" in chat.text
            assert "fm:submit" in chat.payloads() and "fm:edit" in chat.payloads() and "fm:cancel" in chat.payloads()
            assert "2026-12-03, 2026-12-10" in chat.text and "온라인" in chat.text
            await chat.press("fm:submit")
            assert chat.ref() == "L-2026-0001"
            assert "접수 번호: L-2026-0001" in chat.text
            staff = chat.to_staff()
            assert len(staff) == 1 and staff[0].notification
            assert "L-2026-0001" in staff[0].text and "한국대학교" in staff[0].text
            assert [b.payload for b in staff[0].buttons] == ["claim:L-2026-0001", "close:L-2026-0001"]
            assert await chat.form() is None

    asyncio.run(scenario())
    [request] = stored_requests(forms_config.database)
    assert request["ref"] == "L-2026-0001" and request["kind"] == "lecture" and request["lang"] == "ko"
    assert request["requester"] == ("console", "7", "7") and request["status"] == "new"
    assert request["answers"] == {
        "university": "한국대학교", "department": "일본어학과", "contact_person": "김민지",
        "email": "minji@example.ac.kr", "preferred_dates": ["2026-12-03", "2026-12-10"], "format": "online",
        "topics": "일본의 축제와 차 문화", "students": 30, "notes": None,
    }


def test_topic_button_and_command_start_forms(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core, "8")
            await chat.press("t:seoul.omatsuri")
            assert "f:omatsuri" in chat.payloads()
            await chat.press("f:omatsuri")
            assert (await chat.form())["kind"] == "omatsuri" and "1/7）" in chat.text
            await chat.say("/cancel")
            assert await chat.form() is None
            for command, kind in [("/lecture", "lecture"), ("/dorandoran", "dorandoran"), ("/ask", "question")]:
                await chat.say(command)
                assert (await chat.form())["kind"] == kind
                await chat.say("/cancel")

    asyncio.run(scenario())


def test_plain_wish_to_apply_starts_the_form_in_each_language(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            for user, text, expected in [("1", "出前講座を申し込みたい", "大学名を教えてください。"),
                                         ("2", "출강 강의 신청하고 싶어요", "대학교 이름을 알려 주세요."),
                                         ("3", "I'd like to request a lecture", "Which university is the lecture for?")]:
                chat = Chat(core, user)
                await chat.say(text)
                assert (await chat.form())["kind"] == "lecture", text
                assert expected in chat.text
            # asking how to apply is a question: the answer comes, with the apply button under it
            chat = Chat(core, "4")
            await chat.say("How do we request an outreach lecture?")
            assert await chat.form() is None
            assert "f:lecture" in chat.payloads()

    asyncio.run(scenario())


def test_back_on_first_question_skip_and_back(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang en")
            await chat.say("/lecture")
            await chat.say("/back")
            assert "This is the first question" in chat.text
            assert "(1/9) Which university" in chat.text
            assert (await chat.form())["at"] == "university"
            await chat.say("/skip")
            assert "cannot be skipped" in chat.text and (await chat.form())["at"] == "university"
            await chat.say("Hanguk University")
            await chat.say("/back")
            assert "(1/9)" in chat.text and "Current answer: Hanguk University" in chat.text
            assert "fm:keep" in chat.payloads()
            await chat.press("fm:keep")
            assert "(2/9)" in chat.text
            assert (await chat.form())["answers"] == {"university": "Hanguk University"}

    asyncio.run(scenario())


async def _fill_lecture(chat: Chat, answers: list[tuple[str, str]] = LECTURE_KO) -> None:
    await chat.say("/lecture")
    for _, answer in answers:
        await chat.say(answer)
    await chat.press("fm:skip")


def test_edit_a_field_from_the_summary(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang ko")
            await _fill_lecture(chat)
            assert (await chat.form())["at"] == "@summary"
            await chat.press("fm:edit")
            assert "fm:e:students" in chat.payloads()
            await chat.press("fm:e:students")
            assert "현재 답변: 30" in chat.text
            await chat.say("abc")  # a wrong answer while editing is asked again, as anywhere
            assert "'abc'에서 숫자를 읽을 수 없습니다." in chat.text
            await chat.say("45")
            assert "답변을 확인해 주세요" in chat.text and "학생 수: 45" in chat.text
            await chat.press("fm:edit")
            await chat.press("fm:e:format")
            await chat.press("fm:c:format:onsite")
            assert "형식: 대면 (강의실 방문)" in chat.text
            await chat.press("fm:submit")
            assert chat.ref() == "L-2026-0001"

    asyncio.run(scenario())
    [request] = stored_requests(forms_config.database)
    assert request["answers"]["students"] == 45 and request["answers"]["format"] == "onsite"
    assert request["answers"]["email"] == "minji@example.ac.kr"  # untouched fields kept


def test_restart_mid_form_resumes_at_the_same_question(forms_config: Config) -> None:
    async def first_run() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang ko")
            await chat.say("/lecture")
            for _, answer in LECTURE_KO[:4]:
                await chat.say(answer)
            assert "(5/9)" in chat.text

    async def second_run() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:  # a new process, the same file
            core = app.core
            chat = Chat(core)
            await chat.say("/help")  # shows where we are, after the help
            assert chat.mine[-1].text.count("(5/9)") == 1
            await chat.say(LECTURE_KO[4][1])
            form = await chat.form()
            assert form["at"] == "format"
            assert form["answers"]["preferred_dates"] == ["2026-12-03", "2026-12-10"]
            assert form["answers"]["email"] == "minji@example.ac.kr"

    asyncio.run(first_run())
    asyncio.run(second_run())


def test_abandoned_form_expires_and_the_user_is_told(forms_config: Config) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with open_app(forms_config, clock, answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang en")
            await chat.say("/lecture")
            await chat.say("Hanguk University")
            clock.advance(forms_config.forms.expire_minutes - 1)
            await chat.say("Japanese")  # still in time
            assert (await chat.form())["at"] == "contact_person"
            clock.advance(forms_config.forms.expire_minutes + 1)
            await chat.say("Where is the Seoul office?")
            assert "expired" in chat.mine[0].text and "Outreach lecture request" in chat.mine[0].text
            assert "/lecture" in chat.mine[0].text
            # then the message itself is handled as from anyone without a form
            fresh = Chat(core, "someone else")
            await fresh.say("/lang en")
            await fresh.say("Where is the Seoul office?")
            assert [r.text for r in chat.mine[1:]] == [r.text for r in fresh.mine]
            assert await chat.form() is None

    asyncio.run(scenario())


def test_question_form_carries_the_pending_question(forms_config: Config) -> None:
    question = "Can I bring my cat to the {{ office }} <b>tomorrow</b>?"

    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say(question)
            assert "ask" in chat.payloads()
            await chat.press("ask")
            assert question in chat.text  # shown, not asked again
            assert "(2/3) Who is the contact person?" in chat.text
            await chat.say("Kim")
            await chat.say("kim@example.com")
            assert question in chat.text  # on the summary, where it can still be edited
            await chat.press("fm:edit")
            await chat.press("fm:e:question")
            assert question in chat.text
            await chat.press("fm:keep")
            await chat.press("fm:submit")
            assert chat.ref() == "Q-2026-0001"
            assert "pending_question" not in await chat.state()
            # /ask with the question typed after it
            other = Chat(core, "9")
            await other.say("/ask 도란도란 사진은 몇 장까지 보낼 수 있나요?")
            assert (await other.form())["answers"]["question"] == "도란도란 사진은 몇 장까지 보낼 수 있나요?"

    asyncio.run(scenario())
    [request] = stored_requests(forms_config.database)
    assert request["answers"] == {"question": question, "contact_person": "Kim", "email": "kim@example.com"}


def test_template_and_markup_in_answers_stay_literal(forms_config: Config) -> None:
    tricky = ["{{ 7*7 }} Town", "<b>bold</b>", "{% for x in y %}", "{0} {name}", "*stars* _under_ `code`"]

    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang en")
            await chat.say("/omatsuri")
            for answer in tricky[:3] + ["x@example.org"] + tricky[3:]:
                await chat.say(answer)
            await chat.say("{{ config }}")  # the optional note
            for text in tricky + ["{{ config }}"]:
                assert text in chat.text, text
            assert "49" not in chat.text
            await chat.press("fm:submit")
            staff = chat.to_staff()[0].text
            for text in tricky:
                assert text in staff

    asyncio.run(scenario())
    [request] = stored_requests(forms_config.database)
    assert request["answers"]["municipality"] == "{{ 7*7 }} Town"
    assert request["answers"]["notes"] == "{{ config }}"


def test_replies_go_to_staff_queue_address(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await _fill_lecture(chat)
            await chat.press("fm:submit")
            assert chat.to_staff()[0].to == Address("staff", "queue")
            assert chat.to_staff()[0].text.startswith("🆕 新しい申し込み L-2026-0001")  # staff read ja

    asyncio.run(scenario())


def test_submit_after_a_crash_before_the_state_was_saved_is_not_a_duplicate(forms_config: Config) -> None:
    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:
            core = app.core
            chat = Chat(core)
            await _fill_lecture(chat)
            at_summary = await chat.state()
            await chat.press("fm:submit")
            first = chat.ref()
            # the commit happened; put back the conversation as it was, as if we died before saving it
            key = ("console", "7", "7")
            await core.deps.store.save_conversation(key, Conversation.from_json(json.dumps(at_summary)))
            await chat.press("fm:submit")
            assert chat.ref() == first
            assert chat.to_staff()  # announced again: the first announcement may have been lost

    asyncio.run(scenario())
    assert len(stored_requests(forms_config.database)) == 1
