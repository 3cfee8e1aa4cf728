"""Staff accounts: one-time passwords, login limits, disabling, linked chat identities, /assign."""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import open_app
from bot.config import Config
from bot.messages import Incoming
from bot.staff.accounts import MAX_FAILURES_PER_LOGIN, AccountError, StaffAccounts
from bot.staff.directory import SNAPSHOT_SECONDS
from bot.staff.passwords import hash_password, verify_password
from conftest import REPO
from shared import answering_for


def test_passwords_are_salted_scrypt_and_verify_only_the_right_one() -> None:
    a, b = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse battery", a)
    assert not verify_password("correct horse batterz", a)
    assert not verify_password("x" * 5000, a) and not verify_password("anything", "garbage")


def test_login_limits_disabling_and_linked_identities(forms_config: Config) -> None:
    now = [1_780_000_000.0]

    async def scenario() -> dict[str, object]:
        async with open_app(forms_config, answering=answering_for(forms_config)) as app:
            accounts = StaffAccounts(app.store, clock=lambda: now[0])
            kim, password = await accounts.add("kim", identities=("console:55",))
            with pytest.raises(AccountError, match="login_taken"):
                await accounts.add("kim")
            with pytest.raises(AccountError, match="identity_invalid"):
                await accounts.add("lee", identities=("telegram:abc",))
            out: dict[str, object] = {"must_change": kim.must_change}
            out["right"] = (await accounts.check_login("kim", password, "10.0.0.1")).account is not None
            for _ in range(MAX_FAILURES_PER_LOGIN):
                await accounts.check_login("kim", "wrong password", "10.0.0.1")
            locked = await accounts.check_login("kim", password, "10.0.0.2")  # even the right one, now
            out["locked"] = (locked.account, round(locked.locked_seconds))
            now[0] += 15 * 60 + 1
            out["after_window"] = (await accounts.check_login("kim", password, "10.0.0.2")).account is not None

            # the linked identity works the queue from the console shell while the account is enabled
            core = app.core

            async def say(user: str, text: str) -> str:
                return "\n".join(r.text for r in await core.handle(Incoming("console", user, user, text=text)))

            await say("7", "/lang en")
            for text in ["/ask Is the office open on Saturdays?", "Aoi Tanaka", "aoi@example.jp"]:
                await say("7", text)
            receipt = "\n".join(
                r.text for r in await core.handle(Incoming("console", "7", "7", payload="fm:submit")))
            found = re.search(r"Q-\d{4}-0001", receipt)
            assert found, receipt
            ref = out["ref"] = found.group(0)
            await say("55", "/lang en")
            out["queue_enabled"] = await say("55", "/queue")
            out["assign"] = await say("55", f"/assign {ref} kim")
            out["assign_unknown"] = await say("55", f"/assign {ref} nobody")
            request = await app.requests.get(ref, with_events=True)
            assert request is not None
            out["assignee"] = request.assignee
            await accounts.set_disabled("kim", True)
            await asyncio.sleep(SNAPSHOT_SECONDS + 0.1)
            out["queue_disabled"] = await say("55", "/queue")
            out["login_disabled"] = (await accounts.check_login("kim", password, "10.0.0.3")).account
            return out

    out = asyncio.run(scenario())
    assert out["must_change"] is True and out["right"] is True
    assert out["locked"][0] is None and 800 < out["locked"][1] <= 900
    assert out["after_window"] is True
    assert out["ref"] in out["queue_enabled"]
    assert "assigned to kim" in out["assign"] and out["assignee"].startswith("web:")
    assert 'no enabled console account "nobody"' in out["assign_unknown"]
    assert "staff" in out["queue_disabled"].lower() and out["ref"] not in out["queue_disabled"]
    assert out["login_disabled"] is None


def test_staff_add_prints_a_one_time_password_and_refuses_a_duplicate(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('url = "data/madoguchi.sqlite3"', f'url = "{tmp_path / "db.sqlite3"}"')
                      .replace('path = "knowledge"', f'path = "{REPO / "knowledge"}"'), encoding="utf-8")

    def staff(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli.main", "staff", *args, "--config", str(config)],
                              cwd=REPO, capture_output=True, text=True, timeout=60)

    added = staff("add", "kim", "--admin", "--link", "telegram:123456")
    assert added.returncode == 0, added.stderr
    assert "one-time password for kim: " in added.stdout and "admin" in added.stdout
    again = staff("add", "kim")
    assert again.returncode == 1 and "exists already" in again.stderr
    listed = staff("list")
    assert "kim\tja\tadmin\ttelegram:123456" in listed.stdout
