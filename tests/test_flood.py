"""The inbound flood limit holds on every channel: told once to slow down, the rest dropped, others served.

Telegram's own test is in test_telegram_e2e.py; here the console shell (scripted input, as
`printf ... | madoguchi shell` feeds it) and LINE.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
from pathlib import Path

from bot.app import open_app
from bot.channels.console.shell import ConsoleShell
from bot.config import Config
from bot.rendering.renderer import Renderer
from line_harness import Both
from fake_line import user_id
from shared import answering_for

LIMIT = 5


def test_a_script_piped_into_the_shell_is_held_to_the_flood_limit(forms_config: Config, tmp_path: Path) -> None:
    config = dataclasses.replace(forms_config, rate_limit_per_minute=LIMIT)
    out = io.StringIO()

    async def scenario() -> None:
        async with open_app(config, answering=answering_for(config)) as app:
            shell = ConsoleShell(app.inbox, "7", tmp_path / "exports", out)
            app.outbox.register(shell)
            await shell.run(io.StringIO("/lang en\n" + "/help\n" * 30))

    asyncio.run(scenario())
    printed = out.getvalue()
    renderer = Renderer()
    help_text = renderer.render("en", "help", is_staff=False).splitlines()[0]
    assert printed.count(help_text) == LIMIT - 2  # the greeting at start and /lang took two of the five
    assert printed.count(renderer.label("en", "slow_down")) == 1


def test_a_flooding_line_user_is_told_once_and_another_is_answered(tmp_path: Path) -> None:
    flooder, other = user_id(7401), user_id(7402)

    async def main() -> tuple[list[str], list[str], Renderer]:
        async with Both(tmp_path, rate_limit_per_minute=LIMIT) as world:
            for _ in range(12):
                await world.say(flooder, "/help")
            await world.say(other, "/help")
            return (
                [s.text for s in world.line.sent if s.to == flooder],
                [s.text for s in world.line.sent if s.to == other],
                Renderer(),
            )

    to_flooder, to_other, renderer = asyncio.run(main())
    slow = [renderer.label(lang, "slow_down") for lang in ("ja", "ko", "en")]
    assert len(to_flooder) == LIMIT + 1 and to_flooder[-1] in slow
    assert sum(text in slow for text in to_flooder) == 1
    assert len(to_other) == 1 and to_other[0] not in slow
