"""Request forms in chat: starting one, its commands and buttons, and submitting it to the queue.

A form starts from the "f:<kind>" button under a topic's answer, from its command (each form's
`command` in knowledge/forms, so a new form needs no code), from the "ask" button, or when the
user plainly asks to apply. While a form is open, free text answers it, and any other command or
button is answered and then the open question is asked again (keep_form_in_view).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Any

from bot.core import Context, Handler, Route
from bot.forms import Form, FormRegistry
from bot.intent import wants_to_apply
from bot.messages import Address, Button, Reply
from handlers import answers, requester
from handlers import form_flow as flow
from handlers.form_flow import FORM, SUMMARY

STAFF_QUEUE = Address("staff", "queue")


def form_route(handler: Handler) -> Handler:
    """Marks a handler that deals with an open form itself (keep_form_in_view leaves it alone)."""
    handler.form_route = True  # type: ignore[attr-defined]
    return handler


def _forms(ctx: Context) -> FormRegistry:
    return ctx.deps.forms or FormRegistry({})


def active(ctx: Context) -> tuple[Form | None, dict[str, Any] | None, list[Reply]]:
    """The open form, if any. An expired one is dropped, with a notice to show first."""
    fs = ctx.state.get(FORM)
    if not isinstance(fs, dict):
        return None, None, []
    form = _forms(ctx).get(fs.get("kind", ""))
    if form is None:  # its file was removed since
        del ctx.state[FORM]
        return None, None, [ctx.say("form_gone")]
    if flow.now(ctx) - fs.get("touched", 0) > ctx.deps.config.forms.expire_minutes * 60:
        del ctx.state[FORM]
        return None, None, [ctx.say("form_expired", title=form.title[ctx.lang], command=form.command or "",
                                    minutes=ctx.deps.config.forms.expire_minutes)]
    # The form keeps its language: an e-mail address or a Korean university's name typed into a
    # Japanese form must not switch it. Only /lang does.
    lang = ctx.state.get("lang") or fs.get("lang") or ctx.lang
    ctx.lang = fs["lang"] = lang
    if not ctx.state.get("lang"):
        ctx.state["seen_lang"] = lang
    return form, fs, []


def _touch(ctx: Context, fs: dict[str, Any]) -> None:
    if ctx.state.get(FORM) is fs:
        fs["touched"] = flow.now(ctx)


def _prefill(ctx: Context, form: Form, typed: str = "") -> dict[str, str]:
    """What fields may start from: the question the bot could not answer, or /ask's own text."""
    pending = typed.strip()[: answers.MAX_PENDING_CHARS] or ctx.state.get(answers.PENDING_QUESTION) or ""
    return {"pending_question": pending} if any(f.prefill for f in form.fields) else {}


def _start(ctx: Context, new: Form, typed: str = "") -> list[Reply]:
    form, fs, notices = active(ctx)
    if fs is not None and form is not None:
        _touch(ctx, fs)
        if form.kind == new.kind:
            return notices + [flow.ask(ctx, form, fs, note=ctx.label("form_already"))]
        # Never drop answers silently: the user chooses.
        fs["switch_to"], fs["switch_typed"] = new.kind, typed
        answered = sum(1 for f in form.fields if f.name in fs["answers"])
        buttons = [Button(ctx.label("form_stay", title=form.title[ctx.lang]), "fm:stay"),
                   Button(ctx.label("form_switch", title=new.title[ctx.lang]), f"fm:switch:{new.kind}")]
        return notices + [ctx.say("form_switch", buttons, current=form.title[ctx.lang], new=new.title[ctx.lang],
                                  answered=answered, total=len(form.fields))]
    fs = flow.new_state(ctx, new, _prefill(ctx, new, typed))
    ctx.state[FORM] = fs
    return notices + [flow.ask(ctx, new, fs, intro=True)]


def _kind_for_intent(ctx: Context, text: str) -> str | None:
    match = ctx.deps.matcher.match(text)
    candidates = [match.topic_id] if match.decision == "answer" else list(match.alternatives)
    for topic_id in candidates:
        topic = ctx.deps.knowledge.get(topic_id)
        if topic and topic.request in _forms(ctx):
            return topic.request
    return None


# -- routes ----------------------------------------------------------------------------------

@form_route
async def on_text(ctx: Context) -> list[Reply]:
    """Free text (or a photo): the open form's answer; else maybe a wish to apply; else a question."""
    form, fs, notices = active(ctx)
    # an answer to a staff reply goes into that request before anything else (handlers/requester.py)
    answered = await requester.answer_back(ctx, in_form=fs is not None and form is not None)
    if answered is not None:
        if fs is not None and form is not None:  # then back to the form being filled
            _touch(ctx, fs)
            answered = answered + [flow.ask(ctx, form, fs, note=ctx.label("form_continue"))]
        return notices + answered
    if fs is None or form is None:
        if ctx.msg.payload is None and wants_to_apply(ctx.msg.text):
            kind = _kind_for_intent(ctx, ctx.msg.text)
            if kind:
                return notices + _start(ctx, _forms(ctx)[kind])
        return notices + await answers.free_text(ctx)
    fs.pop("switch_to", None)  # typing an answer means carrying on with this form
    if ctx.msg.payload is not None:  # a button of a kind nobody routes
        reply = flow.ask(ctx, form, fs, note=ctx.label("form_stale"))
    else:
        reply = flow.answer(ctx, form, fs)
    _touch(ctx, fs)
    return notices + [reply]


@form_route
async def on_start_button(ctx: Context) -> list[Reply]:
    """"f:<kind>" under a topic's answer."""
    form = _forms(ctx).get(ctx.payload_arg)
    if form is None:
        return [ctx.say("form_gone")]
    return _start(ctx, form)


@form_route
async def on_ask_button(ctx: Context) -> list[Reply]:
    """"ask": pass the question the bot could not answer to the staff, through the question form."""
    form = next((f for f in _forms(ctx).values() if any(x.prefill for x in f.fields)), None)
    if form is None:
        return [ctx.say("form_gone")]
    return _start(ctx, form)


def form_command_or(fallback: Handler) -> Handler:
    """The "*" command route: a form's own command (/lecture, /ask ...) or else `fallback`."""

    @form_route
    @functools.wraps(fallback)
    async def handler(ctx: Context) -> list[Reply]:
        form = _forms(ctx).by_command(ctx.command)
        if form is not None:
            return _start(ctx, form, ctx.args)
        return await _then_repeat(fallback)(ctx)

    return handler


def _with_form(step: str) -> Handler:
    @form_route
    async def handler(ctx: Context) -> list[Reply]:
        form, fs, notices = active(ctx)
        if fs is None or form is None:
            return notices + [ctx.say("form_none")]
        fs.pop("switch_to", None)
        reply = getattr(flow, step)(ctx, form, fs)
        _touch(ctx, fs)
        return [reply]

    handler.__name__ = step
    return handler


skip = _with_form("skip")
back = _with_form("back")
done = _with_form("done")


@form_route
async def cancel(ctx: Context) -> list[Reply]:
    form, fs, notices = active(ctx)
    if fs is None or form is None:
        return notices + [ctx.say("form_none")]
    del ctx.state[FORM]
    return [ctx.say("form_cancelled", title=form.title[ctx.lang])]


@form_route
async def on_form_button(ctx: Context) -> list[Reply]:
    """"fm:<action>[:<arg>]", the buttons under questions, the summary and the switch question."""
    action, _, arg = ctx.payload_arg.partition(":")
    form, fs, notices = active(ctx)
    if fs is None or form is None:
        return notices + [ctx.say("form_none")]
    if action == "cancel":
        return await cancel(ctx)
    if action == "submit":
        return await _submit(ctx, form, fs)
    if action == "switch":
        new = _forms(ctx).get(arg)
        if new is None or fs.get("switch_to") != arg:
            reply = flow.ask(ctx, form, fs, note=ctx.label("form_stale"))
        else:
            typed = fs.get("switch_typed", "")
            del ctx.state[FORM]
            return [ctx.say("form_cancelled", title=form.title[ctx.lang])] + _start(ctx, new, typed)
    elif action == "stay":
        fs.pop("switch_to", None)
        reply = flow.ask(ctx, form, fs)
    else:
        fs.pop("switch_to", None)
        steps = {"c": lambda: flow.choose(ctx, form, fs, arg), "e": lambda: flow.edit(ctx, form, fs, arg),
                 "edit": lambda: flow.edit(ctx, form, fs, ""), "keep": lambda: flow.keep(ctx, form, fs),
                 "skip": lambda: flow.skip(ctx, form, fs), "back": lambda: flow.back(ctx, form, fs),
                 "done": lambda: flow.done(ctx, form, fs), "summary": lambda: flow.to_summary(ctx, form, fs)}
        step = steps.get(action)
        reply = step() if step else flow.ask(ctx, form, fs, note=ctx.label("form_stale"))
    _touch(ctx, fs)
    return [reply]


async def _submit(ctx: Context, form: Form, fs: dict[str, Any]) -> list[Reply]:
    if fs["at"] != SUMMARY or any(f.name not in fs["answers"] for f in form.fields):
        _touch(ctx, fs)
        return [flow.to_summary(ctx, form, fs) if fs["at"] == SUMMARY
                else flow.ask(ctx, form, fs, note=ctx.label("form_stale"))]
    answers_ = {f.name: fs["answers"][f.name] for f in form.fields}
    # The token was fixed when the form started: if we die after the commit but before the state
    # is saved, pressing "submit" again returns the same reference instead of a second request.
    submitted = await ctx.deps.requests.submit(token=fs["token"], kind=form.kind, prefix=form.prefix,
                                               answers=answers_, requester=ctx.msg.key, lang=ctx.lang)
    del ctx.state[FORM]
    for f in form.fields:
        if f.prefill:
            ctx.state.pop(f.prefill, None)
    # Announced again on a retried submit too: the first announcement may have died with us.
    return [ctx.say("form_received", ref=submitted.ref, title=form.title[ctx.lang]),
            _staff_announcement(ctx, form, submitted.ref, answers_)]


def _staff_announcement(ctx: Context, form: Form, ref: str, answers_: dict[str, Any]) -> Reply:
    staff = dataclasses.replace(ctx, lang=ctx.deps.config.default_language)
    msg = ctx.msg
    text = staff.render("form_staff_new", ref=ref, title=form.title[staff.lang],
                        rows=flow.rows(staff, form, answers_, flow.STAFF_SHOWN_CHARS),
                        requester=msg.display_name or msg.user_id, channel=msg.channel, user=msg.user_id,
                        requester_lang=ctx.lang)
    return Reply(STAFF_QUEUE, text, (Button(staff.label("form_claim"), f"claim:{ref}"),), notification=True)


# -- every other route, while a form is open -------------------------------------------------

def _then_repeat(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapped(ctx: Context) -> list[Reply]:
        form, fs, notices = active(ctx)
        replies = await handler(ctx)
        if form is not None and fs is not None and ctx.state.get(FORM) is fs:
            # /lang may have changed the language in the middle of the form
            ctx.lang = fs["lang"] = ctx.state.get("lang") or fs["lang"]
            _touch(ctx, fs)
            replies = list(replies) + [flow.ask(ctx, form, fs, note=ctx.label("form_continue"))]
        return notices + list(replies)

    return wrapped


def keep_form_in_view(routes: list[Route]) -> list[Route]:
    """Wrap every route that does not handle forms itself: answer it, then repeat the question."""
    return [route if route.kind == "text" or getattr(route.handler, "form_route", False)
            else Route(route.kind, route.name, _then_repeat(route.handler)) for route in routes]
