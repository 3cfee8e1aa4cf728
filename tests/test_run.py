"""`madoguchi run`: tokens and secrets, optional start-up calls, clean stops, the one web server."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.channels.telegram.settings import read_telegram_secrets
from bot.settings import StartError
from fake_telegram import TOKEN, FakeTelegram, user
from telegram_harness import ENV, REPO, RunningBot, make_config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(tmp_path: Path, sections: dict[str, dict[str, str]] | None = None, **telegram: str) -> Path:
    """The shipped config.toml, with data in tmp_path, LINE off, and some keys replaced
    (`telegram` keys as keyword arguments, any section's through `sections`)."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "data/madoguchi.sqlite3"', f'url = "{tmp_path / "db.sqlite3"}"')
    text = text.replace('attachments = "data/attachments"', f'attachments = "{tmp_path / "attachments"}"')
    text = text.replace('path = "knowledge"', f'path = "{REPO / "knowledge"}"')
    changes = {"line": {"enabled": "false"}, "server": {"port": "0"}, **(sections or {})}
    changes["telegram"] = {**changes.get("telegram", {}), **telegram}
    lines, section = [], ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[] ")
        key = line.split(" = ", 1)[0]
        if " = " in line and key in changes.get(section, {}):
            line = f"{key} = {changes[section][key]}"
        lines.append(line)
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def bot_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MADOGUCHI_", "LINE_"))}
    return {**env, **extra}


async def run_cli(config: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli.main", "run", "--config", str(config), cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


def test_without_a_token_it_exits_2_naming_the_variable(tmp_path: Path) -> None:
    async def main() -> tuple[int, str]:
        proc = await run_cli(write_config(tmp_path), bot_env())
        _, err = await proc.communicate()
        return proc.returncode, err.decode()

    code, err = asyncio.run(main())
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN" in err and "make shell" in err


@pytest.mark.parametrize("key, value", [("connection_pool_size", "0"), ("pool_timeout", '"long"')])
def test_a_bad_sending_pool_setting_is_named_at_start_up(tmp_path: Path, key: str, value: str) -> None:
    from bot.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=rf"'telegram\.{key}'.*Fix: "):
        load_config(write_config(tmp_path, **{key: value}))


def test_webhook_mode_without_a_secret_exits_2_naming_its_variable(tmp_path: Path) -> None:
    config = write_config(tmp_path, mode='"webhook"', webhook_url='"https://bot.example.org/hook"')

    async def main() -> tuple[int, str]:
        proc = await run_cli(config, bot_env(TELEGRAM_BOT_TOKEN=TOKEN))
        _, err = await proc.communicate()
        return proc.returncode, err.decode()

    code, err = asyncio.run(main())
    assert code == 2 and "TELEGRAM_WEBHOOK_SECRET" in err
    webhook = dataclasses.replace(make_config(tmp_path, "").telegram, mode="webhook")
    with pytest.raises(StartError):
        read_telegram_secrets(webhook, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has spaces"})
    assert read_telegram_secrets(webhook, {"TELEGRAM_BOT_TOKEN": TOKEN,
                                           "TELEGRAM_WEBHOOK_SECRET": "ok_1-2"}).webhook_secret


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_bot_cleanly_and_closes_the_store(tmp_path: Path, sig: signal.Signals) -> None:
    async def main() -> tuple[int, str]:
        fake = FakeTelegram()
        url = await fake.start()
        config = write_config(tmp_path, base_url=json.dumps(url))
        proc = await run_cli(config, bot_env(TELEGRAM_BOT_TOKEN=TOKEN))
        try:
            await fake.send_text(user(7500, "U", "ja"), "/start")
            await fake.next_to(7500)  # it runs
            proc.send_signal(sig)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
            await fake.stop()
        return proc.returncode, err.decode()

    code, err = asyncio.run(main())
    assert code == 0, err
    assert "stopping" in err and "Traceback" not in err
    # SQLite removes the WAL file when the last connection closes cleanly
    assert (tmp_path / "db.sqlite3").exists() and not (tmp_path / "db.sqlite3-wal").exists()


def test_a_failing_command_menu_is_a_warning_and_the_bot_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def refuse_menu(method: str, params: dict) -> tuple[int, dict] | None:
        if method == "setMyCommands":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: BOT_COMMAND_INVALID"}
        return None

    async def main() -> None:
        fake = FakeTelegram()
        fake.failures.append(refuse_menu)
        url = await fake.start()
        async with RunningBot(make_config(tmp_path, url)):
            await fake.send_text(user(7510, "U", "en"), "/start")
            await fake.next_to(7510)
        await fake.stop()

    with caplog.at_level(logging.WARNING):
        asyncio.run(main())
    assert any("command menu" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_a_forged_webhook_request_is_refused_and_nothing_is_processed(tmp_path: Path) -> None:
    secret = "s3cret_webhook-token_0123456789"
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "/start",
                                          "chat": {"id": 7600, "type": "private", "first_name": "M"},
                                          "from": {"id": 7600, "is_bot": False, "first_name": "M"}}}

    async def main() -> None:
        fake = FakeTelegram()
        url = await fake.start()
        config = make_config(tmp_path, url, mode="webhook", webhook_url="https://bot.example.org/tg/hook")
        async with RunningBot(config, {**ENV, "TELEGRAM_WEBHOOK_SECRET": secret}) as bot:
            [hook] = fake.methods("setWebhook")
            assert hook.params["url"] == "https://bot.example.org/tg/hook" and hook.params["secret_token"] == secret
            endpoint = f"http://127.0.0.1:{bot.port}/tg/hook"
            async with aiohttp.ClientSession() as http:
                for headers in [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                {"X-Telegram-Bot-Api-Secret-Token": secret[:-1]},
                                {"X-Telegram-Bot-Api-Secret-Token": secret + "x"}]:
                    async with http.post(endpoint, json=update, headers=headers) as resp:
                        assert resp.status == 403
                state = await bot.core.deps.store.load_conversation(("telegram", "7600", "7600"))
                assert state.as_dict() == {} and fake.sent == []
                # the real Telegram, with the secret: processed
                async with http.post(endpoint, json=dict(update, update_id=2),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as resp:
                    assert resp.status == 200
                [greeting] = await fake.next_to(7600)
                assert greeting.text == bot.core.deps.renderer.render(config.default_language, "start")
        await fake.stop()
        assert len(fake.to_chat(7600)) == 1

    asyncio.run(main())


def test_with_line_enabled_a_missing_secret_exits_2_naming_the_key_and_the_fix(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"line": {"enabled": "true"}})

    async def main(env: dict[str, str]) -> tuple[int, str]:
        proc = await run_cli(config, env)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        return proc.returncode, err.decode()

    code, err = asyncio.run(main(bot_env(TELEGRAM_BOT_TOKEN=TOKEN)))
    assert code == 2 and "LINE_CHANNEL_SECRET" in err and "[line] channel_secret_env" in err
    assert "enabled = false" in err and "Traceback" not in err
    code, err = asyncio.run(main(bot_env(TELEGRAM_BOT_TOKEN=TOKEN, LINE_CHANNEL_SECRET="s")))
    assert code == 2 and "LINE_CHANNEL_ACCESS_TOKEN" in err and "[line] access_token_env" in err


def test_with_no_channel_enabled_it_exits_2_and_says_what_to_set(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"web": {"enabled": "false"}}, enabled="false")

    async def main() -> tuple[int, str]:
        proc = await run_cli(config, bot_env())
        _, err = await asyncio.wait_for(proc.communicate(), 30)
        return proc.returncode, err.decode()

    code, err = asyncio.run(main())
    assert code == 2 and "[telegram] enabled = true" in err and "[line] enabled = true" in err


def test_one_process_serves_line_and_telegram_and_stops_on_sigterm(tmp_path: Path) -> None:
    from fake_line import ACCESS_TOKEN, CHANNEL_SECRET, FakeLine, user_id

    port = free_port()

    async def main() -> tuple[int, str, dict]:
        tg, line = FakeTelegram(), FakeLine()
        tg_url, line_url = await tg.start(), await line.start()
        config = write_config(tmp_path, {"line": {"enabled": "true", "api_base_url": json.dumps(line_url)},
                                         "server": {"port": str(port)}}, base_url=json.dumps(tg_url))
        env = bot_env(TELEGRAM_BOT_TOKEN=TOKEN, LINE_CHANNEL_SECRET=CHANNEL_SECRET,
                      LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN)
        proc = await run_cli(config, env)
        try:
            async with aiohttp.ClientSession() as http:
                health: dict = {}
                for _ in range(300):  # until the server listens
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                            health = await resp.json()
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.05)
            await tg.send_text(user(7520, "U", "ja"), "/start")
            [greeting] = await tg.next_to(7520)
            status, _ = await line.post_events(f"http://127.0.0.1:{port}/line/webhook",
                                               [line.text_event(user_id(7521), "JETプログラムとは？")])
            assert status == 200 and line.to_chat(user_id(7521))[0].via == "reply"
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
            await tg.stop()
            await line.stop()
        return proc.returncode, err.decode(), health

    code, err, health = asyncio.run(main())
    assert code == 0, err
    assert sorted(health["channels"]) == ["line", "telegram", "web"]  # the staff console is on by default
    assert "stopping" in err and "Traceback" not in err
    assert not (tmp_path / "db.sqlite3-wal").exists()  # the store was closed cleanly


def test_a_refused_line_token_exits_2_naming_its_variable(tmp_path: Path) -> None:
    from fake_line import CHANNEL_SECRET, FakeLine

    async def main() -> tuple[int, str]:
        line = FakeLine()
        url = await line.start()
        config = write_config(tmp_path, {"line": {"enabled": "true", "api_base_url": json.dumps(url)},
                                         "telegram": {"enabled": "false"}})
        proc = await run_cli(config, bot_env(LINE_CHANNEL_SECRET=CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN="wrong"))
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 30)
        finally:
            await line.stop()
        return proc.returncode, err.decode()

    code, err = asyncio.run(main())
    assert code == 2 and "LINE_CHANNEL_ACCESS_TOKEN" in err and "401" in err


def test_the_shell_and_the_core_import_no_platform_sdk() -> None:
    code = ("import sys; import bot.cli.main, bot.app, bot.runner; "
            "from bot.config import load_config; load_config(__import__('pathlib').Path('config.toml')); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('telegram', 'linebot')]; print(bad); "
            "sys.exit(1 if bad else 0)")
    result = __import__("subprocess").run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
