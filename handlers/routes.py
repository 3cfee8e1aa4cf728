"""The one list that wires commands, buttons and free text to handlers."""
from __future__ import annotations

from bot.core import Route
from handlers import answers, basic, requester, staff


def build_routes() -> list[Route]:
    return [
        Route.command("start", basic.start),
        Route.command("help", basic.help_),
        Route.command("lang", basic.lang),
        Route.command("*", basic.unknown_command),
        Route.button("lang", basic.on_lang_button),
        Route.button("t", answers.on_topic_button),
        # the request queue: staff side (each handler checks [staff] user_ids) ...
        Route.command("queue", staff.queue),
        Route.command("show", staff.show),
        Route.command("claim", staff.claim),
        Route.command("reply", staff.reply),
        Route.command("note", staff.note),
        Route.command("close", staff.close),
        Route.command("reopen", staff.reopen),
        Route.command("export", staff.export),
        Route.button("show", staff.show),
        Route.button("claim", staff.claim),
        Route.button("close", staff.close),
        # ... and the requester's side (answering a staff reply is a hook in answers.free_text)
        Route.command("status", requester.status),
        Route.command("mydata", requester.mydata),
        Route.command("forget", requester.forget),
        Route.button("forget", requester.on_forget_button),
        Route.button("re", requester.on_answer_button),
        Route.button("nore", requester.on_no_answer_button),
        Route.text(answers.free_text),
    ]
