"""Staff work the queue through the real core, and the requester sees each step in Korean."""
from __future__ import annotations

import asyncio
import csv
import io
import logging
import sqlite3

from bot.app import open_app
from bot.messages import Address
from queue_helpers import press, say, submit, to
from shared import answering_for

STAFF = "1"          # console:1 is the staff id in the queue_config fixture
REQUESTER = "7"
QUEUE = ("staff", "queue")


def test_round_trip_claim_reply_answer_back_close_reopen(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang ko")
            await say(core, STAFF, "/lang ja")
            ref = await submit(core, REQUESTER, lang="ko")
            steps = {
                "queue": await say(core, STAFF, "/queue"),
                "show": await press(core, STAFF, f"show:{ref}"),
                "claim": await press(core, STAFF, f"claim:{ref}"),
                "reply": await say(core, STAFF, f"/reply {ref.lower()}\n5월 12일 10시에 가능합니다. {{{{ 7*7 }}}}"),
                "button": await press(core, REQUESTER, f"re:{ref}"),
                "answer": await say(core, REQUESTER, "네, 그날로 부탁드립니다"),
                "after": await say(core, REQUESTER, "서울사무소 주소가 어디예요?"),
                "close": await say(core, STAFF, f"/close {ref}"),
                "reopen": await say(core, STAFF, f"/reopen {ref}"),
                "status": await say(core, REQUESTER, "/status"),
            }
            return ref, steps, await core.deps.requests.get(ref)

    ref, steps, request = asyncio.run(scenario())
    staff_chat, requester_chat = ("console", STAFF), ("console", REQUESTER)

    listed = to(steps["queue"], *staff_chat)[0]
    assert ref in listed.text and "한국대학교" in listed.text
    assert f"show:{ref}" in [b.payload for b in listed.buttons]
    detail = to(steps["show"], *staff_chat)[0]
    assert "大学: 한국대학교" in detail.text and "形式: 対面（教室に出張）" in detail.text
    assert [b.payload for b in detail.buttons] == [f"claim:{ref}", f"close:{ref}"]

    # each step: a confirmation to staff in Japanese, a notice to the requester in Korean
    assert "担当" in to(steps["claim"], *staff_chat)[0].text
    claimed = to(steps["claim"], *requester_chat)
    assert len(claimed) == 1 and claimed[0].notification and ref in claimed[0].text
    assert "처리를 시작했습니다" in claimed[0].text

    answered = to(steps["reply"], *requester_chat)[0]
    assert "5월 12일 10시에 가능합니다. {{ 7*7 }}" in answered.text  # staff text stays literal
    assert "답변입니다" in answered.text
    assert [b.payload for b in answered.buttons] == [f"re:{ref}", f"nore:{ref}"]

    # after the "Answer" button, the requester's text goes into the request and to the staff queue
    assert ref in to(steps["button"], *requester_chat)[0].text
    ack = to(steps["answer"], *requester_chat)[0]
    assert ref in ack.text and "직원에게 전달했습니다" in ack.text
    posted = to(steps["answer"], *QUEUE)[0]
    assert posted.notification and ref in posted.text and "네, 그날로 부탁드립니다" in posted.text
    # ... but only the next one: after that, questions are answered again
    assert not to(steps["after"], *QUEUE)
    assert "직원에게 전달했습니다" not in to(steps["after"], *requester_chat)[0].text

    closed = to(steps["close"], *requester_chat)[0]
    assert "완료되었습니다" in closed.text and closed.to == Address("console", REQUESTER)
    assert not to(steps["reopen"], *requester_chat)  # reopening is staff business
    assert request.status == "claimed" and request.assignee == f"console:{STAFF}"
    assert ref in steps["status"][0].text and "처리 중" in steps["status"][0].text

    with sqlite3.connect(queue_config.database) as db:
        actions = db.execute("SELECT actor, action, text FROM request_events ORDER BY id").fetchall()
    assert actions == [
        ("console:7", "submitted", None),
        ("console:1", "claimed", None),
        ("console:1", "reply", "5월 12일 10시에 가능합니다. {{ 7*7 }}"),
        ("console:7", "requester_reply", "네, 그날로 부탁드립니다"),
        ("console:1", "closed", None),
        ("console:1", "reopened", None),
    ]


def test_answer_button_and_no_answer_needed(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang en")
            ref = await submit(core, REQUESTER, lang="en")
            await say(core, STAFF, f"/claim {ref}")
            await say(core, STAFF, f"/reply {ref} Which room?")
            declined = await press(core, REQUESTER, f"nore:{ref}")
            question = await say(core, REQUESTER, "Where is the office?")
            prompt = await press(core, REQUESTER, f"re:{ref}")
            answer = await say(core, REQUESTER, "Room 301, and thank you")
            stranger = await press(core, "8", f"re:{ref}")
            return ref, declined, question, prompt, answer, stranger, await core.deps.requests.get(ref, True)

    ref, declined, question, prompt, answer, stranger, request = asyncio.run(scenario())
    assert "All right" in declined[0].text
    assert not to(question, *QUEUE)                      # after "no answer needed", a question is a question
    assert f"answer to {ref}" in prompt[0].text
    assert "Room 301, and thank you" in to(answer, *QUEUE)[0].text
    assert "見つかりません" in stranger[0].text           # someone else's request (user 8 speaks ja, the default)
    assert [e.action for e in request.events] == ["submitted", "claimed", "reply", "no_answer", "requester_reply"]
    assert request.status == "claimed"


def test_non_staff_is_refused_politely_logged_and_audited(queue_config, caplog):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang ko")
            ref = await submit(core, REQUESTER)
            with caplog.at_level(logging.WARNING, logger="handlers.staff"):
                replies = {
                    "queue": await say(core, REQUESTER, "/queue"),
                    "claim": await say(core, REQUESTER, f"/claim {ref}"),
                    "button": await press(core, REQUESTER, f"close:{ref}"),
                    "export": await say(core, "9", "/export"),
                    "telegram_1": await say(core, STAFF, f"/close {ref}", channel="telegram"),
                }
            return ref, replies, await core.deps.requests.get(ref, with_events=True)

    ref, replies, request = asyncio.run(scenario())
    assert "직원만 사용할 수 있습니다" in replies["claim"][0].text
    for name, got in replies.items():
        assert len(got) == 1 and got[0].document is None, name
        assert got[0].to.chat_id in (REQUESTER, "9", STAFF), name
    assert "staff" in replies["export"][0].text.lower() or "職員" in replies["export"][0].text
    assert request.status == "new"  # nothing changed
    refused = [(e.actor, e.action, e.text) for e in request.events if e.action == "refused"]
    assert refused == [
        ("console:7", "refused", f"not staff: /claim {ref}"),
        ("console:7", "refused", f"not staff: close:{ref}"),
        ("telegram:1", "refused", f"not staff: /close {ref}"),  # console staff is not Telegram staff
    ]
    logged = [r.getMessage() for r in caplog.records if r.name == "handlers.staff"]
    assert len(logged) == 5 and all("non-staff" in line for line in logged)


def test_staff_bad_input_gets_clear_answers(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, STAFF, "/lang en")
            ref = await submit(core, REQUESTER)
            return ref, {
                "unknown": await say(core, STAFF, "/claim L-2020-0999"),
                "no_ref": await say(core, STAFF, "/claim"),
                "no_text": await say(core, STAFF, f"/reply {ref}"),
                "early": await say(core, STAFF, f"/reply {ref} hello"),
                "filter": await say(core, STAFF, "/queue bogus"),
                "reopen": await say(core, STAFF, f"/reopen {ref}"),
                "empty": await say(core, STAFF, "/queue closed question"),
                "claim": await say(core, STAFF, f"/claim {ref}"),
                "twice": await say(core, STAFF, f"/claim {ref}"),
            }

    ref, r = asyncio.run(scenario())
    assert "no request L-2020-0999" in r["unknown"][0].text
    assert r["no_ref"][0].text.startswith("Usage: /claim REF")
    assert r["no_text"][0].text.startswith("Usage: /reply REF text")
    assert f"Claim it first with /claim {ref}" in r["early"][0].text and len(r["early"]) == 1  # nothing sent to requester
    assert '"bogus"' in r["filter"][0].text and "lecture" in r["filter"][0].text
    assert "not closed" in r["reopen"][0].text
    assert r["empty"][0].text.startswith("No requests")
    assert len(r["claim"]) == 2 and "already yours" in r["twice"][0].text and len(r["twice"]) == 1


def test_queue_filters_and_export_document(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, STAFF, "/lang en")
            a = await submit(core, REQUESTER)
            b = await submit(core, "8", "question", {"question": "비자, 그리고\n체류?", "email": "x@y.kr"})
            await say(core, STAFF, f"/claim {a}")
            await say(core, STAFF, f"/close {a}")
            return a, b, {
                "open": await say(core, STAFF, "/queue"),
                "closed": await say(core, STAFF, "/queue closed"),
                "questions": await say(core, STAFF, "/queue all question"),
                "export": await say(core, STAFF, "/export"),
            }

    a, b, r = asyncio.run(scenario())
    assert b in r["open"][0].text and a not in r["open"][0].text
    assert a in r["closed"][0].text and b not in r["closed"][0].text
    assert b in r["questions"][0].text and a not in r["questions"][0].text
    document = r["export"][0].document
    assert document and document.filename.endswith(".csv") and "2" in r["export"][0].text
    rows = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"), newline="")))
    assert [row["ref"] for row in rows] == [a, b]
    assert rows[1]["question"] == "비자, 그리고\n체류?"


def test_a_wish_to_apply_after_a_staff_reply_starts_the_form_and_an_open_form_keeps_its_text(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang ko")
            ref = await submit(core, REQUESTER)
            await say(core, STAFF, f"/claim {ref}")
            await say(core, STAFF, f"/reply {ref} 온라인도 괜찮으신가요?")
            wish = await say(core, REQUESTER, "네, 온라인 강좌로 신청하고 싶습니다")
            forwarded = await press(core, REQUESTER, f"fwd:{ref}")  # "send it to the staff under REF"
            await say(core, REQUESTER, "/cancel")
            await say(core, STAFF, f"/reply {ref} 학생 수를 알려 주세요")
            started = await say(core, REQUESTER, "/ask")            # a form is open now
            in_form = await say(core, REQUESTER, "학생 수는 서른 명 정도입니다")
            pressed = await press(core, REQUESTER, f"re:{ref}")
            answered = await say(core, REQUESTER, "30명입니다")
            return ref, wish, forwarded, in_form, answered, await core.deps.requests.get(ref, True)

    ref, wish, forwarded, in_form, answered, request = asyncio.run(scenario())
    # a plain wish to apply is one, even while a staff reply awaits an answer: the form starts, and
    # a button offers to send the message to the staff under the reference instead
    assert not to(wish, *QUEUE) and "출장 강좌 신청" in wish[0].text
    assert f"fwd:{ref}" in [b.payload for r in wish for b in r.buttons]
    assert "네, 온라인 강좌로 신청하고 싶습니다" in to(forwarded, *QUEUE)[0].text
    assert not to(in_form, *QUEUE)            # without the button, the open form gets the text
    assert "30명입니다" in to(answered, *QUEUE)[0].text
    texts = [e.text for e in request.events if e.action == "requester_reply"]
    assert texts == ["네, 온라인 강좌로 신청하고 싶습니다", "30명입니다"]


def test_queue_shows_the_oldest_page_and_how_many_more(queue_config):
    """/queue reads one page (bot/requests/queue.py list with a limit) and counts the rest."""
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, STAFF, "/lang en")
            refs = [await submit(core, str(100 + i), "question", {"question": f"q{i}", "email": "x@y.kr"})
                    for i in range(33)]
            return refs, await say(core, STAFF, "/queue"), await say(core, STAFF, "/queue question")

    refs, everything, questions = asyncio.run(scenario())
    for replies in (everything, questions):
        text = "\n".join(r.text for r in replies)
        assert refs[0] in text and refs[29] in text and refs[30] not in text
        assert "…and 3 more" in text
