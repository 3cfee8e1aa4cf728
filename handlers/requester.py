"""The requester's side of the queue: /status, /mydata, /forget, and answering a staff reply.

Answering back: a staff reply marks the request as awaiting the requester's answer (a column of
the request, since staff and requester are different conversations). The requester's next free
text in that chat is then taken as the answer; so is the text after the "re:<ref>" button, which
sets state.replying_to in the requester's own conversation. Either way it goes into the same
request and is posted to the staff queue under the reference. The hook is called first by the text
route (handlers/forms.on_text), before a form's answer or a wish to apply is looked for.
"""

from __future__ import annotations

import json
from typing import Any

from bot.conversation import Conversation
from bot.core.context import Context
from bot.messages import Button, Reply
from bot.requests.records import NotFound, Refused, Request, format_time, normalize_ref
from handlers.notices import answer_lines, kind_label, staff_notice


def _rows(ctx: Context, requests: list[Request]) -> list[dict[str, Any]]:
    return [
        {
            "ref": r.ref,
            "kind": kind_label(ctx.deps, ctx.lang, r.kind),
            "status": r.status,
            "status_label": ctx.label(f"status_{r.status}"),
            "created": format_time(r.created_at),
            "updated": format_time(r.updated_at),
            "awaiting": r.awaiting_answer and r.status != "closed",
            "answers": answer_lines(ctx.deps, ctx.lang, r),
        }
        for r in requests
    ]


async def status(ctx: Context) -> list[Reply]:
    mine = await ctx.deps.requests.for_requester(ctx.msg.channel, ctx.msg.user_id)
    return [ctx.say("my_status", rows=_rows(ctx, mine))]


async def mydata(ctx: Context) -> list[Reply]:
    """Everything we keep about this person: this conversation's settings and their requests."""
    mine = await ctx.deps.requests.for_requester(ctx.msg.channel, ctx.msg.user_id)
    settings = [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(ctx.state.as_dict().items())
    ]
    return [ctx.say("my_data", settings=settings, rows=_rows(ctx, mine), who=f"{ctx.msg.channel}:{ctx.msg.user_id}")]


async def forget(ctx: Context) -> list[Reply]:
    buttons = [Button(ctx.label("forget_yes"), "forget:yes"), Button(ctx.label("forget_no"), "forget:no")]
    return [ctx.say("forget", buttons, transient=True, step="confirm")]


async def on_forget_button(ctx: Context) -> list[Reply]:
    if ctx.payload_arg != "yes":
        return [ctx.say("forget", step="cancelled", count=0)]
    count = await ctx.deps.requests.forget(ctx.msg.channel, ctx.msg.user_id)
    ctx.state = Conversation()  # the conversation row is deleted too: keep it so
    ctx.forgotten = True
    return [ctx.say("forget", step="done", count=count)]


async def on_answer_button(ctx: Context) -> list[Reply]:
    """ "re:<ref>": the requester's next message is their answer to that request."""
    ref = normalize_ref(ctx.payload_arg)
    request = await ctx.deps.requests.get(ref)
    if request is None or not _mine(ctx, request):
        return [ctx.say("answer_back", step="unknown", ref=ref)]
    if request.status == "closed":
        return [ctx.say("answer_back", step="closed", ref=ref)]
    ctx.state.replying_to = ref
    return [ctx.say("answer_back", step="prompt", ref=ref)]


async def on_no_answer_button(ctx: Context) -> list[Reply]:
    ref = normalize_ref(ctx.payload_arg)
    ctx.state.replying_to = None
    try:
        await ctx.deps.requests.decline_answer(ref, ctx.msg.key)
    except (Refused, NotFound):
        return [ctx.say("answer_back", step="unknown", ref=ref)]
    return [ctx.say("answer_back", step="declined", ref=ref)]


async def answer_back(ctx: Context, in_form: bool = False) -> list[Reply] | None:
    """The hook at the top of free text: None when this message is not an answer to staff.

    After the "re:<ref>" button the next text is the answer even in the middle of a form (the
    requester asked for it); a merely awaited answer does not interrupt a form being filled.
    """
    text = ctx.msg.text.strip()
    if not text or ctx.msg.is_group or ctx.msg.payload is not None:
        return None
    ref, ctx.state.replying_to = ctx.state.replying_to, None
    if ref is None:
        if in_form:
            return None
        waiting = await ctx.deps.requests.awaiting_answer(ctx.msg.key)
        if waiting is None:
            return None
        ref = waiting.ref
    try:
        request = await ctx.deps.requests.requester_reply(ref, ctx.msg.key, text)
    except NotFound:
        return [ctx.say("answer_back", step="unknown", ref=ref)]
    except Refused as exc:
        return [ctx.say("answer_back", step="closed" if exc.reason == "closed" else "unknown", ref=ref)]
    return [ctx.say("answer_back", step="sent", ref=request.ref)] + staff_notice(ctx.deps, request, text)


def _mine(ctx: Context, request: Request) -> bool:
    return (request.channel, request.user_id) == (ctx.msg.channel, ctx.msg.user_id) and not request.erased_at
