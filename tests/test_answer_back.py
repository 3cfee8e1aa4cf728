"""After a staff reply, only the "Answer" button or a reply on the bot's message files the next message
into the request; anything else is answered as a new question, with a button to send it under the
reference instead (issue 4). The Telegram reply itself is driven end to end in test_telegram_staff.py."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from bot.app import open_app
from bot.channels.telegram.inbound import replied_ref
from bot.messages import Incoming
from bot.requests.records import find_ref
from queue_helpers import press, say, submit, to
from shared import answering_for

STAFF, REQUESTER = "1", "7"
QUEUE = ("staff", "queue")


def payloads(replies) -> list[str]:
    return [b.payload for r in replies for b in r.buttons]


def test_a_question_after_a_staff_reply_is_answered_with_a_button_to_file_it_instead(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang ko")
            ref = await submit(core, REQUESTER)
            await say(core, STAFF, f"/claim {ref}")
            await say(core, STAFF, f"/reply {ref} 5월 12일에 방문 가능합니다.")
            asked = await say(core, REQUESTER, "도란도란이 뭐예요?")
            again = await say(core, REQUESTER, "서울사무소 주소가 어디예요?")
            sent = await press(core, REQUESTER, f"fwd:{ref}")  # the button under the newest: that message goes
            request = await core.deps.requests.get(ref, with_events=True)
            return ref, asked, again, sent, request

    ref, asked, again, sent, request = asyncio.run(scenario())
    mine = to(asked, "console", REQUESTER)
    assert "도란도란" in mine[0].text and not to(asked, *QUEUE)  # answered as the question it is
    assert f"fwd:{ref}" in payloads(mine) and ref in mine[-1].text
    assert "새 질문으로 보고 답변해 드렸습니다" in mine[-1].text
    assert "종로" in to(again, "console", REQUESTER)[0].text and not to(again, *QUEUE)
    # the button sends the message it was offered under, into the request, to the staff queue
    assert "직원에게 전달했습니다" in sent[0].text
    assert "서울사무소 주소가 어디예요?" in to(sent, *QUEUE)[0].text and ref in to(sent, *QUEUE)[0].text
    assert [(e.action, e.text) for e in request.events][-1] == ("requester_reply", "서울사무소 주소가 어디예요?")


def test_the_answer_button_files_the_next_message_and_an_old_send_button_asks_for_it(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang en")
            ref = await submit(core, REQUESTER, lang="en")
            await say(core, STAFF, f"/claim {ref}")
            await say(core, STAFF, f"/reply {ref} Which room?")
            pressed = await press(core, REQUESTER, f"re:{ref}")
            answered = await say(core, REQUESTER, "Room 301")
            after = await say(core, REQUESTER, "What is CLAIR?")  # no longer awaited: no button either
            old = await press(core, REQUESTER, f"fwd:{ref}")       # its message is gone: asks for one
            return ref, pressed, answered, after, old

    ref, pressed, answered, after, old = asyncio.run(scenario())
    assert f"answer to {ref}" in pressed[0].text
    assert "Room 301" in to(answered, *QUEUE)[0].text
    assert not to(after, *QUEUE) and not [p for p in payloads(after) if p.startswith("fwd:")]
    assert f"answer to {ref}" in old[0].text and not to(old, *QUEUE)


def test_a_reply_on_the_bots_message_files_the_message_even_in_a_form(queue_config):
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang en")
            ref = await submit(core, REQUESTER, lang="en")
            await say(core, STAFF, f"/claim {ref}")
            await say(core, STAFF, f"/reply {ref} Which room?")
            await say(core, REQUESTER, "/ask")
            replied = await core.handle(Incoming("console", REQUESTER, REQUESTER, text="Room 301", reply_to_ref=ref))
            return ref, replied, await core.deps.requests.get(ref, with_events=True)

    ref, replied, request = asyncio.run(scenario())
    assert "Room 301" in to(replied, *QUEUE)[0].text
    assert "What would you like to ask our staff?" in to(replied, "console", REQUESTER)[-1].text  # the form again
    assert request.events[-1].action == "requester_reply"


def test_which_reference_a_replied_message_names():
    assert find_ref("Reply from the CLAIR Seoul office about your lecture (L-2026-0001), 2026-06-01 12:00 KST") \
        == "L-2026-0001"
    assert find_ref("L-2026-0001 and L-2026-0002") == ""  # which one? then none
    assert find_ref("no reference here") == ""
    bot = SimpleNamespace(id=999)
    ours = SimpleNamespace(from_user=bot, text="… (Q-2026-0003) …", caption=None)
    theirs = SimpleNamespace(from_user=SimpleNamespace(id=5), text="Q-2026-0003", caption=None)
    assert replied_ref(SimpleNamespace(reply_to_message=ours), 999) == "Q-2026-0003"
    assert replied_ref(SimpleNamespace(reply_to_message=theirs), 999) == ""
    assert replied_ref(SimpleNamespace(reply_to_message=None), 999) == ""
