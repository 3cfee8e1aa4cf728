"""One process, two channels: a staff member on either answers a requester on the other.

The fake LINE and fake Telegram servers both run; `madoguchi run`'s Service serves both on one web
server. Replies travel through the one outbox to the channel that owns the requester's address.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Awaitable, Callable

import pytest

from fake_line import user_id
from fake_telegram import user
from line_harness import LINE_STAFF, LINE_STAFF_GROUP, Both
from telegram_harness import STAFF_CHAT, STAFF_USER

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

LINE_OFFICER = user_id(7401)
TG_OFFICER = user(7402, "박서연", "ko")
TG_STAFF = user(STAFF_USER, "佐藤", "ja")
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")


def scenario(tmp_path: Path, body: Callable[[Both], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Both(tmp_path, telegram=True) as world:
            await body(world)

    asyncio.run(main())


async def line_files_a_question(world: Both) -> str:
    mark = world.line.mark()
    await world.say(LINE_OFFICER, "/ask 御社のオフィスは土曜日も開いていますか")
    for text in ["山田太郎", "yamada@town.example.jp"]:
        await world.say(LINE_OFFICER, text)
    [summary] = [s for s in world.line.sent[mark:] if s.to == LINE_OFFICER][-1:]
    await world.press(LINE_OFFICER, summary.button(world.label("ja", "form_submit")))
    receipt = world.line.to_chat(LINE_OFFICER)[-1]
    found = REF.search(receipt.text)
    assert found, receipt.text
    return found.group(0)


def test_a_line_requester_is_answered_by_staff_on_telegram_and_answers_back(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        assert world.telegram is not None
        ref = await line_files_a_question(world)
        # the new request reaches every staff place: the Telegram staff group and the LINE staff group
        [tg_notice] = await world.telegram.wait_for(lambda s: s.chat_id == STAFF_CHAT and ref in s.text)
        assert [b["callback_data"] for b in tg_notice.buttons] == [f"claim:{ref}", f"close:{ref}"]
        assert any(ref in s.text for s in world.line.to_chat(LINE_STAFF_GROUP))

        mark = world.line.mark()
        await world.telegram.press(TG_STAFF, tg_notice, tg_notice.button(world.label("ja", "form_claim")))
        [claimed] = await world.line.next_to(LINE_OFFICER, mark)
        assert claimed.via == "push" and ref in claimed.text and "対応を始めました" in claimed.text

        mark = world.line.mark()
        await world.telegram.send_text(TG_STAFF, f"/reply {ref} はい、土曜日は休館です。", chat_id=STAFF_CHAT)
        [answered] = await world.line.next_to(LINE_OFFICER, mark)
        assert "土曜日は休館です" in answered.text and answered.via == "push"
        assert [a["data"] for a in answered.quick_reply_items] == [f"re:{ref}", f"nore:{ref}"]

        await world.press(LINE_OFFICER, answered.button(world.label("ja", "answer_staff")))
        tg_mark = world.telegram.mark()
        await world.say(LINE_OFFICER, "承知しました。平日に伺います。")
        [back] = await world.telegram.next_to(STAFF_CHAT, tg_mark)
        assert ref in back.text and "平日に伺います" in back.text
        request = await world.bot.core.deps.requests.get(ref, with_events=True)
        assert request is not None and request.channel == "line" and request.assignee == f"telegram:{STAFF_USER}"
        assert [e.action for e in request.events] == ["submitted", "claimed", "reply", "requester_reply"]

    scenario(tmp_path, body)


def test_a_telegram_requester_is_answered_by_staff_on_line_and_answers_back(tmp_path: Path) -> None:
    async def body(world: Both) -> None:
        tg = world.telegram
        assert tg is not None
        mark = tg.mark()
        await tg.send_text(TG_OFFICER, "/ask 서울사무소는 토요일에도 문을 여나요")
        await tg.next_to(TG_OFFICER["id"], mark)
        for text in ["박서연", "park@univ.example.kr"]:
            mark = tg.mark()
            await tg.send_text(TG_OFFICER, text)
            [summary] = await tg.next_to(TG_OFFICER["id"], mark)
        mark = tg.mark()
        await tg.press(TG_OFFICER, summary, summary.button(world.label("ko", "form_submit")))
        [receipt] = await tg.next_to(TG_OFFICER["id"], mark)
        ref = REF.search(receipt.text)
        assert ref
        ref_ = ref.group(0)
        await tg.wait_for(lambda s: s.chat_id == STAFF_CHAT and ref_ in s.text)

        # a staff member in the LINE staff group claims and replies
        mark = tg.mark()
        await world.say(LINE_STAFF, f"/claim {ref_}", group=LINE_STAFF_GROUP)
        [claimed] = await tg.next_to(TG_OFFICER["id"], mark)
        assert ref_ in claimed.text and "처리를 시작" in claimed.text
        mark = tg.mark()
        await world.say(LINE_STAFF, f"/reply {ref_} 토요일은 휴무입니다.", group=LINE_STAFF_GROUP)
        [answered] = await tg.next_to(TG_OFFICER["id"], mark)
        assert "토요일은 휴무입니다" in answered.text
        assert [b["callback_data"] for b in answered.buttons] == [f"re:{ref_}", f"nore:{ref_}"]

        mark = tg.mark()
        await tg.press(TG_OFFICER, answered, answered.button(world.label("ko", "answer_staff")))
        await tg.next_to(TG_OFFICER["id"], mark)
        line_mark = world.line.mark()
        await tg.send_text(TG_OFFICER, "알겠습니다. 평일에 방문하겠습니다.")
        [back] = await world.line.next_to(LINE_STAFF_GROUP, line_mark)
        assert ref_ in back.text and "평일에 방문하겠습니다" in back.text and back.via == "push"
        request = await world.bot.core.deps.requests.get(ref_)
        assert request is not None and request.channel == "telegram" and request.assignee == f"line:{LINE_STAFF}"

    scenario(tmp_path, body)
