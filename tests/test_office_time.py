"""Times in the office's zone ([time] zone): /status, /mydata, /queue, /show, notices and the CSV (issue 6)."""
from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from bot import office_time
from bot.app import open_app
from bot.config import load_config
from bot.office_time import OfficeZone, load_zone
from bot.settings import ConfigError
from form_chat import Chat, Clock
from queue_helpers import press, say, submit, to
from shared import answering_for

REPO = Path(__file__).resolve().parent.parent
STAFF, REQUESTER = "1", "7"


def test_every_time_people_read_is_seoul_time(queue_config):
    clock = Clock(2026, 6, 1, 12, 0)  # noon in Seoul is 03:00 UTC

    async def scenario():
        async with open_app(queue_config, clock, answering_for(queue_config)) as app:
            core = app.core
            await say(core, REQUESTER, "/lang en")
            await say(core, STAFF, "/lang en")
            ref = await submit(core, REQUESTER, lang="en")
            clock.advance(90)
            return ref, {
                "claim": await say(core, STAFF, f"/claim {ref}"),
                "status": await say(core, REQUESTER, "/status"),
                "mydata": await say(core, REQUESTER, "/mydata"),
                "queue": await say(core, STAFF, "/queue"),
                "show": await press(core, STAFF, f"show:{ref}"),
                "export": await say(core, STAFF, "/export"),
            }

    ref, r = asyncio.run(scenario())
    notice = to(r["claim"], "console", REQUESTER)[0].text
    assert "(2026-06-01 13:30 KST)" in notice  # the claim, 90 minutes after noon
    status = r["status"][0].text
    assert "Sent 2026-06-01 12:00 · last change 2026-06-01 13:30 (KST)" in status and "03:00" not in status
    assert "2026-06-01 12:00 (KST)" in r["mydata"][0].text
    listed = r["queue"][0].text
    assert f"{ref} · lecture · claimed · 2026-06-01 12:00" in listed and "times in KST" in listed
    assert "Created 2026-06-01 12:00 · updated 2026-06-01 13:30 (KST)" in r["show"][0].text
    assert "History (KST):\n2026-06-01 12:00 console:7 submitted" in r["show"][0].text
    document = r["export"][0].document
    assert document is not None and document.filename == "madoguchi-requests-20260601-1330.csv"
    [row] = list(csv.DictReader(io.StringIO(document.content.decode("utf-8-sig"), newline="")))
    assert (row["created"], row["updated"]) == ("2026-06-01 12:00", "2026-06-01 13:30")


def test_a_form_receipt_and_the_staff_notice_carry_the_time(forms_config):
    clock = Clock(2026, 6, 1, 9, 5)

    async def scenario():
        async with open_app(forms_config, clock, answering_for(forms_config)) as app:
            chat = Chat(app.core)
            await chat.say("/lang en")
            await chat.say("/ask Is there parking?")
            for text in ["Kim Minji", "kim@example.com"]:
                await chat.say(text)
            await chat.press("fm:submit")
            return chat.text, chat.to_staff()[0].text

    receipt, staff = asyncio.run(scenario())
    assert "Reference: Q-2026-0001 (received 2026-06-01 09:05 KST)" in receipt
    assert "受付: 2026-06-01 09:05 KST" in staff  # the staff read Japanese ([staff] language)


def test_a_request_made_just_after_midnight_on_new_year_counts_in_the_offices_year(queue_config):
    clock = Clock(2027, 1, 1, 0, 30)  # 2026-12-31 15:30 in UTC

    async def scenario():
        async with open_app(queue_config, clock, answering_for(queue_config)) as app:
            await say(app.core, REQUESTER, "/lang en")
            ref = await submit(app.core, REQUESTER, lang="en")
            return ref, await say(app.core, REQUESTER, "/status")

    ref, status = asyncio.run(scenario())
    assert ref == "L-2027-0001" and "Sent 2027-01-01 00:30" in status[0].text


def test_another_zone_in_the_config_is_used_everywhere(queue_config):
    london = OfficeZone("Europe/London", ZoneInfo("Europe/London"))
    config = dataclasses.replace(queue_config, zone=london)
    clock = Clock(2026, 6, 1, 12, 0)

    async def scenario():
        async with open_app(config, clock, answering_for(config)) as app:
            await say(app.core, REQUESTER, "/lang en")
            await submit(app.core, REQUESTER, lang="en")
            return await say(app.core, REQUESTER, "/status")

    status = asyncio.run(scenario())
    assert "Sent 2026-06-01 04:00" in status[0].text and "(BST)" in status[0].text


def test_a_wrong_zone_fails_at_start_up_naming_the_key_and_the_fix(tmp_path):
    text = (REPO / "config.toml").read_text(encoding="utf-8").replace('zone = "Asia/Seoul"', 'zone = "Asia/Soul"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as failed:
        load_config(path)
    message = str(failed.value)
    assert "'time.zone'" in message and "Asia/Soul" in message and "Fix:" in message and "tzdata" in message
    assert load_config(REPO / "config.toml").zone.name == "Asia/Seoul"


def test_without_time_zone_data_seoul_still_works_and_other_zones_say_so(monkeypatch):
    def no_data(name: str) -> ZoneInfo:
        raise ZoneInfoNotFoundError(name)

    monkeypatch.setattr(office_time, "ZoneInfo", no_data)  # a system without tzdata
    seoul = OfficeZone("Asia/Seoul", load_zone("Asia/Seoul"))
    noon = datetime(2026, 6, 1, 3, 0, tzinfo=ZoneInfo("UTC")).timestamp()
    assert seoul.format(noon) == "2026-06-01 12:00" and seoul.abbreviation(noon) == "KST"
    assert seoul.local(noon).utcoffset() == timedelta(hours=9)
    with pytest.raises(ZoneInfoNotFoundError):
        load_zone("Asia/Tokyo")
