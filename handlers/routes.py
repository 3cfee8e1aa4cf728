"""The one list that wires commands, buttons and free text to handlers."""

from __future__ import annotations

from bot.core.context import Route
from handlers import answers, basic, forms, requester, staff, text


def build_routes() -> list[Route]:
    routes = [
        Route.command("start", basic.start, menu="requester"),
        Route.command("help", basic.help_, menu="requester"),
        Route.command("lang", basic.lang, menu="requester"),
        # a form's own command (/lecture, /omatsuri, /dorandoran, /ask: `command` in knowledge/forms)
        Route.command("*", forms.form_command_or(basic.unknown_command)),
        Route.button("lang", basic.on_lang_button),
        Route.button("t", answers.on_topic_button),
        # the request queue: staff side (each handler checks [staff] user_ids) ...
        Route.command("queue", staff.queue, menu="staff"),
        Route.command("show", staff.show, menu="staff"),
        Route.command("claim", staff.claim, menu="staff"),
        Route.command("assign", staff.assign, menu="staff"),
        Route.command("reply", staff.reply, menu="staff"),
        Route.command("note", staff.note, menu="staff"),
        Route.command("close", staff.close, menu="staff"),
        Route.command("reopen", staff.reopen, menu="staff"),
        Route.command("export", staff.export, menu="staff"),
        Route.button("show", staff.show),
        Route.button("claim", staff.claim),
        Route.button("close", staff.close),
        # ... and the requester's side (answering a staff reply is a hook in text.on_text)
        Route.command("status", requester.status, menu="requester"),
        Route.command("mydata", requester.mydata, menu="requester"),
        Route.command("forget", requester.forget, menu="requester"),
        Route.button("forget", requester.on_forget_button),
        Route.button("re", requester.on_answer_button),
        Route.button("nore", requester.on_no_answer_button),
        Route.button("fwd", requester.on_forward_button),
        # request forms: started from a topic's button, "ask", a command, or a plain wish to apply
        Route.button("f", forms.on_start_button),
        Route.button("ask", forms.on_ask_button),
        Route.button("fm", forms.on_form_button),
        Route.command("skip", forms.skip),
        Route.command("back", forms.back),
        Route.command("done", forms.done),
        Route.command("cancel", forms.cancel, menu="requester"),
        # free text: an answer to staff, to the open form, a wish to apply, or a question (handlers/text.py)
        Route.text(text.on_text),
    ]
    # menu= lists a command in a channel's command menu; each form's own command is listed too.
    # While a form is open, any other command or button is answered, then the question is repeated
    return forms.keep_form_in_view(routes)
