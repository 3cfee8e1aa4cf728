"""The one list that wires commands, buttons and free text to handlers."""
from __future__ import annotations

from bot.core import Route
from handlers import answers, basic


def build_routes() -> list[Route]:
    return [
        Route.command("start", basic.start),
        Route.command("help", basic.help_),
        Route.command("lang", basic.lang),
        Route.command("*", basic.unknown_command),
        Route.button("lang", basic.on_lang_button),
        Route.button("t", answers.on_topic_button),
        Route.text(answers.free_text),
    ]
