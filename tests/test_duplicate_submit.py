"""A request sent twice is stored once: a double tap on Submit, a webhook LINE retries or redelivers.

(A restart between the commit and the acknowledgement: test_forms_flow.py, and the SIGKILL test
in test_forms_kill.py kills during the commit too.)
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

from fake_telegram import FakeTelegram, user
from line_harness import Both
from fake_line import user_id
from telegram_harness import RunningBot, make_config

REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")


def stored(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "madoguchi.sqlite3") as conn:
        return conn.execute("SELECT ref, channel FROM requests").fetchall()


def test_a_double_tap_and_a_redelivered_line_submit_store_one_request(tmp_path: Path) -> None:
    officer = user_id(7601)

    async def main() -> list[str]:
        async with Both(tmp_path) as world:
            await world.say(officer, "/lang en")
            for text in ["/ask Is the office open on Saturdays?", "Aoi Tanaka", "aoi@example.jp"]:
                await world.say(officer, text)
            submit = world.line.postback_event(officer, "fm:submit")
            again = world.line.postback_event(officer, "fm:submit")  # a second tap: another event
            mark = world.line.mark()
            # both taps at once, then LINE's own retry of the first and a redelivery of the second
            results = await asyncio.gather(world.post(submit), world.post(again))
            assert [status for status, _ in results] == [200, 200]
            assert (await world.post(submit))[0] == 200
            assert (await world.post(again, redelivery=True))[0] == 200
            return [s.text for s in world.line.sent[mark:] if s.to == officer]

    said = asyncio.run(main())
    [(ref, channel)] = stored(tmp_path)
    assert channel == "line"
    assert said and all(REF.findall(text) in ([], [ref]) for text in said)  # no second reference, ever
    assert ref in said[0] and len(said) == 2  # LINE's retry and redelivery are not handled again
    assert "already received" in said[1] and ref in said[1]  # the second tap is told so


def test_a_double_tap_on_telegram_stores_one_request(tmp_path: Path) -> None:
    officer = user(7602, "Aoi", "en")

    async def main() -> list[str]:
        fake = FakeTelegram()
        config = make_config(tmp_path, await fake.start())
        try:
            async with RunningBot(config):
                for text in ["/ask Is the office open on Saturdays?", "Aoi Tanaka", "aoi@example.jp"]:
                    before = fake.mark()
                    await fake.send_text(officer, text)
                    await fake.next_to(7602, after=before)
                [summary] = await fake.wait_for(
                    lambda s: s.chat_id == 7602 and any(b["callback_data"] == "fm:submit" for b in s.buttons)
                )
                button = next(b for b in summary.buttons if b["callback_data"] == "fm:submit")
                mark = fake.mark()
                await fake.press(officer, summary, button)
                last = await fake.press(officer, summary, button)
                await fake.wait_consumed(last)
                await fake.wait_for(lambda s: s.chat_id == 7602 and REF.search(s.text) is not None)
                await asyncio.sleep(0.3)  # the second tap's answer, whatever it is
                return [s.text for s in fake.sent[mark:] if s.chat_id == 7602]
        finally:
            await fake.stop()

    said = asyncio.run(main())
    [(ref, _)] = stored(tmp_path)
    assert len(said) == 2 and ref in said[0] and "already received" in said[1] and ref in said[1]
    assert all(REF.findall(text) in ([], [ref]) for text in said)
