"""Fitting replies to channels' limits: message length, buttons, labels, payloads; Telegram's rows."""
from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.channel import Limits
from bot.channels.shaping import cut_label, fit, split_text, utf16_len
from bot.channels.telegram.keyboard import MAX_CALLBACK_BYTES, layout_rows
from bot.messages import Address, Button, Reply
from bot.storage.payloads import PayloadTable
from bot.storage.store import Store

MAX_MESSAGE = 4096  # Telegram's; LINE's is 5,000


def test_short_text_is_one_part() -> None:
    assert split_text("안녕하세요", MAX_MESSAGE) == ["안녕하세요"]


def test_long_text_splits_at_paragraphs_under_the_limit() -> None:
    paragraphs = [f"段落{i}: " + "出前講座のご案内。" * 60 for i in range(20)]  # ~545 chars each
    text = "\n\n".join(paragraphs)
    parts = split_text(text, MAX_MESSAGE)
    assert len(parts) > 1
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    # every cut falls between paragraphs: each part is whole paragraphs, in order, nothing lost
    assert [para for part in parts for para in part.split("\n\n")] == paragraphs


def test_one_huge_paragraph_splits_at_lines_then_anywhere() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(100)]
    parts = split_text("\n".join(lines), MAX_MESSAGE)
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert [line for part in parts for line in part.split("\n")] == lines

    one_line = "가" * 10_000
    parts = split_text(one_line, MAX_MESSAGE)
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert "".join(parts) == one_line


def test_emoji_count_as_two_units_and_are_never_cut() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_text(text, MAX_MESSAGE)
    assert len(parts) == 2
    assert all(utf16_len(p) <= MAX_MESSAGE for p in parts)
    assert "".join(parts) == text


def test_short_labels_share_rows_long_ones_stand_alone() -> None:
    labels = ["日本語", "한국어", "English", "한국 대학 등을 찾아가는 출장 강좌(出前講座)", "Claim", "Close"]
    assert layout_rows(labels) == [[0, 1, 2], [3], [4, 5]]


def test_long_payloads_get_short_tokens_that_survive_a_restart(tmp_path: Path) -> None:
    long_payloads = ["t:" + "seoul.very_long_topic_identifier." * 4,
                     "f:도란도란_홍보_게시_요청_양식_" * 3,
                     "~looks-like-a-token"]

    async def scenario() -> None:
        store = await Store.open(tmp_path / "db.sqlite3")
        table = PayloadTable(store)
        assert await table.encode("t:seoul.lecture", MAX_CALLBACK_BYTES) == "t:seoul.lecture"
        tokens = [await table.encode(p, MAX_CALLBACK_BYTES) for p in long_payloads]
        assert all(len(t.encode("utf-8")) <= MAX_CALLBACK_BYTES for t in tokens)
        assert len(set(tokens)) == len(tokens)
        assert tokens[0] == await table.encode(long_payloads[0], MAX_CALLBACK_BYTES)  # stable, no duplicate rows
        await store.close()

        store = await Store.open(tmp_path / "db.sqlite3")  # a restart: a fresh table, no cache
        table = PayloadTable(store)
        assert [await table.decode(t) for t in tokens] == long_payloads
        assert await table.decode("t:seoul.lecture") == "t:seoul.lecture"
        assert await table.decode("~never-issued") is None
        await store.close()

    asyncio.run(scenario())


LINE = Limits(max_text=5000, max_buttons=13, max_label=20, max_payload_bytes=300, max_messages_per_call=5)


def test_a_5001_character_answer_is_two_messages_with_the_buttons_on_the_last() -> None:
    text = "\n\n".join(["가" * 2000, "나" * 2000, "다" * 997])  # 5,001 characters with the breaks
    assert len(text) == 5001
    parts, buttons = fit(Reply(Address("line", "U1"), text, (Button("한국어", "lang:ko"),)), LINE)
    assert len(parts) == 2 and all(utf16_len(p) <= 5000 for p in parts)
    assert "\n\n".join(parts) == text and buttons == (Button("한국어", "lang:ko"),)


def test_buttons_beyond_the_limit_are_listed_in_the_text_and_labels_are_cut() -> None:
    many = tuple(Button(f"출강 신청 안내를 위한 아주 긴 버튼 이름 {i}", f"t:{i}") for i in range(15))
    parts, buttons = fit(Reply(Address("line", "U1"), "고르세요", many), LINE)
    assert len(buttons) == 13 and all(utf16_len(b.label) <= 20 for b in buttons)
    assert buttons[0].payload == "t:0" and buttons[0].label.endswith("…")
    assert "긴 버튼 이름 13" in parts[-1] and "긴 버튼 이름 14" in parts[-1] and "긴 버튼 이름 12" not in parts[-1]
    assert cut_label("短い", 20) == "短い" and utf16_len(cut_label("😀" * 30, 20)) <= 20
