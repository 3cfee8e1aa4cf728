"""Request forms in chat: starting one, its commands and buttons, and submitting it to the queue.

A form starts from the "f:<kind>" button under a topic's answer, from its command (each form's
`command` in knowledge/forms, so a new form needs no code), from the "ask" button, or when the
user plainly asks to apply (handlers/text.py). While a form is open, free text answers it, and
any other command or button is answered and then the open question is asked again
(keep_form_in_view).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from bot.conversation import FormProgress
from bot.core.context import Context, Handler, Route
from bot.forms.model import Form
from bot.messages import STAFF_QUEUE, Button, Reply
from handlers import answers
from handlers import form_flow as flow
from handlers.form_flow import SUMMARY
from handlers.notices import local_time


def form_route(handler: Handler) -> Handler:
    """Marks a handler that deals with an open form itself (keep_form_in_view leaves it alone)."""
    handler.form_route = True  # type: ignore[attr-defined]
    return handler


def active(ctx: Context) -> tuple[Form | None, FormProgress | None, list[Reply]]:
    """The open form, if any. An expired one is dropped, with a notice to show first."""
    fs = ctx.state.form
    if fs is None:
        return None, None, []
    form = ctx.deps.forms.get(fs.kind)
    if form is None:  # its file was removed since
        ctx.state.form = None
        return None, None, [ctx.say("form_gone")]
    if flow.now(ctx) - fs.touched > ctx.deps.config.forms.expire_minutes * 60:
        ctx.state.form = None
        return (
            None,
            None,
            [
                ctx.say(
                    "form_expired",
                    title=form.title[ctx.lang],
                    command=form.command or "",
                    minutes=ctx.deps.config.forms.expire_minutes,
                )
            ],
        )
    # The form keeps its language from step to step; only /lang, or an answer that plainly is in
    # another language (handlers/form_language.py, on typed answers), moves it.
    lang = ctx.state.lang or fs.lang or ctx.lang
    ctx.lang = fs.lang = lang
    if not ctx.state.lang:
        ctx.state.seen_lang = lang
    return form, fs, []


def touch(ctx: Context, fs: FormProgress) -> None:
    if ctx.state.form is fs:
        fs.touched = flow.now(ctx)


def _prefill(ctx: Context, form: Form, typed: str = "") -> dict[str, str]:
    """What fields may start from: the question the bot could not answer, or /ask's own text."""
    values = {}
    for name in {f.prefill for f in form.fields if f.prefill}:
        values[name] = typed.strip()[: answers.MAX_PENDING_CHARS] or ctx.state.prefill(name)
    return values


def start(ctx: Context, new: Form, typed: str = "") -> list[Reply]:
    form, fs, notices = active(ctx)
    if fs is not None and form is not None:
        touch(ctx, fs)
        if form.kind == new.kind:
            return notices + [flow.ask(ctx, form, fs, note=ctx.label("form_already"))]
        # Never drop answers silently: the user chooses.
        fs.switch_to, fs.switch_typed = new.kind, typed
        answered = sum(1 for f in form.fields if f.name in fs.answers)
        buttons = [
            Button(ctx.label("form_stay", title=form.title[ctx.lang]), "fm:stay"),
            Button(ctx.label("form_switch", title=new.title[ctx.lang]), f"fm:switch:{new.kind}"),
        ]
        return notices + [
            ctx.say(
                "form_switch",
                buttons,
                transient=True,
                current=form.title[ctx.lang],
                new=new.title[ctx.lang],
                answered=answered,
                total=len(form.fields),
            )
        ]
    fs = flow.new_state(ctx, new, _prefill(ctx, new, typed))
    ctx.state.form = fs
    return notices + [flow.ask(ctx, new, fs, intro=True)]


# -- routes ----------------------------------------------------------------------------------


@form_route
async def on_start_button(ctx: Context) -> list[Reply]:
    """ "f:<kind>" under a topic's answer."""
    form = ctx.deps.forms.get(ctx.payload_arg)
    if form is None:
        return [ctx.say("form_gone")]
    return start(ctx, form)


@form_route
async def on_ask_button(ctx: Context) -> list[Reply]:
    """ "ask": pass the question the bot could not answer to the staff, through the question form."""
    form = next((f for f in ctx.deps.forms.values() if any(x.prefill for x in f.fields)), None)
    if form is None:
        return [ctx.say("form_gone")]
    return start(ctx, form)


def form_command_or(fallback: Handler) -> Handler:
    """The "*" command route: a form's own command (/lecture, /ask ...) or else `fallback`."""

    @form_route
    @functools.wraps(fallback)
    async def handler(ctx: Context) -> list[Reply]:
        form = ctx.deps.forms.by_command(ctx.command)
        if form is not None:
            return start(ctx, form, ctx.args)
        return await _then_repeat(fallback)(ctx)

    return handler


def _with_form(step: Callable[[Context, Form, FormProgress], Reply]) -> Handler:
    @form_route
    async def handler(ctx: Context) -> list[Reply]:
        form, fs, notices = active(ctx)
        if fs is None or form is None:
            return notices + [ctx.say("form_none")]
        fs.switch_to = None
        reply = step(ctx, form, fs)
        touch(ctx, fs)
        return [reply]

    handler.__name__ = step.__name__
    return handler


skip = _with_form(flow.skip)
back = _with_form(flow.back)
done = _with_form(flow.done)


@form_route
async def cancel(ctx: Context) -> list[Reply]:
    form, fs, notices = active(ctx)
    if fs is None or form is None:
        return notices + [ctx.say("form_none")]
    ctx.state.form = None
    return [ctx.say("form_cancelled", title=form.title[ctx.lang])]


@form_route
async def on_form_button(ctx: Context) -> list[Reply]:
    """ "fm:<action>[:<arg>]", the buttons under questions, the summary and the switch question."""
    action, _, arg = ctx.payload_arg.partition(":")
    form, fs, notices = active(ctx)
    if (fs is None or form is None) and action == "submit" and ctx.state.last_ref:
        return notices + [ctx.say("form_already_sent", ref=ctx.state.last_ref)]  # a double tap
    if fs is None or form is None:
        return notices + [ctx.say("form_none")]
    if action == "cancel":
        return await cancel(ctx)
    if action == "submit":
        return await _submit(ctx, form, fs)
    if action == "switch":
        new = ctx.deps.forms.get(arg)
        if new is None or fs.switch_to != arg:
            reply = flow.ask(ctx, form, fs, note=ctx.label("form_stale"))
        else:
            typed = fs.switch_typed
            ctx.state.form = None
            return [ctx.say("form_cancelled", title=form.title[ctx.lang])] + start(ctx, new, typed)
    elif action == "stay":
        fs.switch_to = None
        reply = flow.ask(ctx, form, fs)
    else:
        fs.switch_to = None
        steps = {
            "c": lambda: flow.choose(ctx, form, fs, arg),
            "e": lambda: flow.edit(ctx, form, fs, arg),
            "edit": lambda: flow.edit(ctx, form, fs, ""),
            "keep": lambda: flow.keep(ctx, form, fs),
            "skip": lambda: flow.skip(ctx, form, fs),
            "back": lambda: flow.back(ctx, form, fs),
            "done": lambda: flow.done(ctx, form, fs),
            "summary": lambda: flow.to_summary(ctx, form, fs),
        }
        step = steps.get(action)
        reply = step() if step else flow.ask(ctx, form, fs, note=ctx.label("form_stale"))
    touch(ctx, fs)
    return [reply]


async def _submit(ctx: Context, form: Form, fs: FormProgress) -> list[Reply]:
    if fs.at != SUMMARY or any(f.name not in fs.answers for f in form.fields):
        touch(ctx, fs)
        return [
            flow.to_summary(ctx, form, fs)
            if fs.at == SUMMARY
            else flow.ask(ctx, form, fs, note=ctx.label("form_stale"))
        ]
    answers_ = {f.name: fs.answers[f.name] for f in form.fields}
    # The token was fixed when the form started: if we die after the commit but before the state
    # is saved, pressing "submit" again returns the same reference instead of a second request.
    submitted = await ctx.deps.requests.submit(
        token=fs.token, kind=form.kind, prefix=form.prefix, answers=answers_, requester=ctx.msg.key, lang=ctx.lang
    )
    ctx.state.form = None
    ctx.state.last_ref = submitted.ref
    for f in form.fields:
        if f.prefill:
            ctx.state.clear_prefill(f.prefill)
    # Announced again on a retried submit too: the first announcement may have died with us.
    at = local_time(ctx.deps, flow.now(ctx))
    return [
        ctx.say("form_received", ref=submitted.ref, title=form.title[ctx.lang], at=at),
        _staff_announcement(ctx, form, submitted.ref, answers_, at),
    ]


def _staff_announcement(ctx: Context, form: Form, ref: str, answers_: dict[str, Any], at: str) -> Reply:
    staff = dataclasses.replace(ctx, lang=ctx.deps.config.staff_language)
    msg = ctx.msg
    text = staff.render(
        "form_staff_new",
        ref=ref,
        title=form.title[staff.lang],
        rows=flow.rows(staff, form, answers_, flow.STAFF_SHOWN_CHARS),
        requester=msg.display_name or msg.user_id,
        channel=msg.channel,
        user=msg.user_id,
        requester_lang=ctx.lang,
        at=at,
    )
    buttons = (Button(staff.label("form_claim"), f"claim:{ref}"), Button(staff.label("btn_close"), f"close:{ref}"))
    return Reply(STAFF_QUEUE, text, buttons, notification=True, ref=ref, lang=staff.lang)


# -- every other route, while a form is open -------------------------------------------------


def _then_repeat(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(ctx: Context) -> list[Reply]:
        form, fs, notices = active(ctx)
        replies = await handler(ctx)
        if form is not None and fs is not None and ctx.state.form is fs:
            # /lang may have changed the language in the middle of the form
            ctx.lang = fs.lang = ctx.state.lang or fs.lang
            touch(ctx, fs)
            replies = list(replies) + [flow.ask(ctx, form, fs, note=ctx.label("form_continue"))]
        return notices + list(replies)

    return wrapped


def keep_form_in_view(routes: list[Route]) -> list[Route]:
    """Wrap every route that does not handle forms itself: answer it, then repeat the question."""
    return [
        route
        if route.kind == "text" or getattr(route.handler, "form_route", False)
        else Route(route.kind, route.name, _then_repeat(route.handler))
        for route in routes
    ]
