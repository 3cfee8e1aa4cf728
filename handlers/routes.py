"""The one list that wires commands, buttons and free text to handlers."""
from __future__ import annotations

from bot.core import Route
from handlers import answers, basic, forms, requester, staff


def build_routes() -> list[Route]:
    routes = [
        Route.command("start", basic.start),
        Route.command("help", basic.help_),
        Route.command("lang", basic.lang),
        # a form's own command (/lecture, /omatsuri, /dorandoran, /ask: `command` in knowledge/forms)
        Route.command("*", forms.form_command_or(basic.unknown_command)),
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
        # ... and the requester's side (answering a staff reply is a hook in forms.on_text)
        Route.command("status", requester.status),
        Route.command("mydata", requester.mydata),
        Route.command("forget", requester.forget),
        Route.button("forget", requester.on_forget_button),
        Route.button("re", requester.on_answer_button),
        Route.button("nore", requester.on_no_answer_button),
        # request forms: started from a topic's button, "ask", a command, or a plain wish to apply
        Route.button("f", forms.on_start_button),
        Route.button("ask", forms.on_ask_button),
        Route.button("fm", forms.on_form_button),
        Route.command("skip", forms.skip),
        Route.command("back", forms.back),
        Route.command("done", forms.done),
        Route.command("cancel", forms.cancel),
        # free text answers the open form, else is a question (or a wish to apply) for answers.free_text
        Route.text(forms.on_text),
    ]
    # while a form is open, any other command or button is answered, then the question is repeated
    return forms.keep_form_in_view(routes)
