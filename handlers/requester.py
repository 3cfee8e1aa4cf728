"""The requester's side of the queue: /status, /mydata, /forget, and answering a staff reply.

Answering back: a staff reply marks the request as awaiting the requester's answer (a column of
the request, since staff and requester are different conversations). A message goes into that
request only when the requester says it is their answer: they pressed the "Answer" button under
the staff reply ("re:<ref>", which sets state.replying_to), or used their app's reply on the
bot's message about that request (Incoming.reply_to_ref, Telegram). The hook is called first by
the text route (handlers/text.py), before a form's answer or a wish to apply is looked for.

Anything else typed while an answer is awaited is answered as a new question ("도란도란이
뭐예요?" is one), with a button under it to send that very message to the staff under the
reference instead ("fwd:<ref>", offer_to_file): nothing is filed into a request by guesswork.
"""

from __future__ import annotations

import json
from typing import Any

from bot.conversation import Conversation
from bot.core.context import Context
from bot.messages import Button, Reply
from bot.requests.records import NotFound, Refused, Request, normalize_ref
from handlers.notices import answer_lines, kind_label, staff_notice

MAX_ANSWER_CHARS = 4000  # a message kept for the "send it to the staff" button


def _rows(ctx: Context, requests: list[Request]) -> list[dict[str, Any]]:
    zone = ctx.deps.config.zone
    return [
        {
            "ref": r.ref,
            "kind": kind_label(ctx.deps, ctx.lang, r.kind),
            "status": r.status,
            "status_label": ctx.label(f"status_{r.status}"),
            "created": zone.format(r.created_at),
            "updated": zone.format(r.updated_at),
            "awaiting": r.awaiting_answer and r.status != "closed",
            "answers": answer_lines(ctx.deps, ctx.lang, r),
        }
        for r in requests
    ]


async def status(ctx: Context) -> list[Reply]:
    mine = await ctx.deps.requests.for_requester(ctx.msg.channel, ctx.msg.user_id)
    return [ctx.say("my_status", rows=_rows(ctx, mine), zone=_zone(ctx))]


async def mydata(ctx: Context) -> list[Reply]:
    """Everything we keep about this person: this conversation's settings and their requests."""
    mine = await ctx.deps.requests.for_requester(ctx.msg.channel, ctx.msg.user_id)
    settings = [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(ctx.state.as_dict().items())
    ]
    who = f"{ctx.msg.channel}:{ctx.msg.user_id}"
    return [ctx.say("my_data", settings=settings, rows=_rows(ctx, mine), who=who, zone=_zone(ctx))]


def _zone(ctx: Context) -> str:
    return ctx.deps.config.zone.abbreviation(ctx.deps.clock())


async def forget(ctx: Context) -> list[Reply]:
    buttons = [Button(ctx.label("forget_yes"), "forget:yes"), Button(ctx.label("forget_no"), "forget:no")]
    return [ctx.say("forget", buttons, transient=True, step="confirm")]


async def on_forget_button(ctx: Context) -> list[Reply]:
    if ctx.payload_arg != "yes":
        return [ctx.say("forget", step="cancelled", count=0)]
    if ctx.deps.unanswered is not None:  # what they asked that the bot could not answer
        await ctx.deps.unanswered.erase_person(ctx.msg.channel, ctx.msg.user_id)
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


async def answer_back(ctx: Context) -> list[Reply] | None:
    """The hook at the top of free text: None when this message is not an answer to staff.

    The button's reference wins over an app reply's; both work in the middle of a form too (the
    requester asked for it), and the form is asked again afterwards.
    """
    text = ctx.msg.text.strip()
    if not text or ctx.msg.is_group or ctx.msg.payload is not None:
        return None
    replied = normalize_ref(ctx.msg.reply_to_ref) if ctx.msg.reply_to_ref else None
    ref, ctx.state.replying_to = ctx.state.replying_to or replied, None
    if ref is None:
        return None
    return await _file(ctx, ref, text)


async def _file(ctx: Context, ref: str, text: str) -> list[Reply]:
    try:
        request = await ctx.deps.requests.requester_reply(ref, ctx.msg.key, text)
    except NotFound:
        return [ctx.say("answer_back", step="unknown", ref=ref)]
    except Refused as exc:
        return [ctx.say("answer_back", step="closed" if exc.reason == "closed" else "unknown", ref=ref)]
    ctx.state.offer_ref = ctx.state.offer_text = None
    return [ctx.say("answer_back", step="sent", ref=request.ref)] + staff_notice(ctx.deps, request, text)


async def offer_to_file(ctx: Context, started_form: bool = False) -> list[Reply]:
    """After a message answered as a question: if a staff reply awaits an answer, a button to send
    this message to the staff under that reference instead. The message is kept for the button."""
    text = ctx.msg.text.strip()
    if not text or ctx.msg.is_group or ctx.msg.payload is not None:
        return []
    waiting = await ctx.deps.requests.awaiting_answer(ctx.msg.key)
    if waiting is None:
        ctx.state.offer_ref = ctx.state.offer_text = None
        return []
    ctx.state.offer_ref, ctx.state.offer_text = waiting.ref, text[:MAX_ANSWER_CHARS]
    button = Button(ctx.label("send_to_staff", ref=waiting.ref), f"fwd:{waiting.ref}")
    return [ctx.say("answer_back", [button], transient=True, step="offer", ref=waiting.ref, started=started_form)]


async def on_forward_button(ctx: Context) -> list[Reply]:
    """ "fwd:<ref>": the message kept by offer_to_file goes into that request after all."""
    ref = normalize_ref(ctx.payload_arg)
    text = ctx.state.offer_text if ctx.state.offer_ref == ref else None
    if not text:  # already sent, or an older button: ask for the answer instead
        return await on_answer_button(ctx)
    return await _file(ctx, ref, text)


def _mine(ctx: Context, request: Request) -> bool:
    return (request.channel, request.user_id) == (ctx.msg.channel, ctx.msg.user_id) and not request.erased_at
