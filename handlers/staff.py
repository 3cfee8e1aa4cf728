"""Staff work the request queue: /queue, /show, /claim, /assign, /reply, /note, /close, /reopen, /export.

Channel-neutral and allowed only to the ids in config [staff] user_ids. Anyone else gets a polite
refusal in their language; the attempt is logged, and audited on the request when one is named.
"""

from __future__ import annotations

import logging
from functools import wraps

from bot.core.context import Context, Handler
from bot.messages import Button, Document, Reply
from bot.requests.records import STATUSES, NotFound, Refused, Request, normalize_ref
from handlers.notices import answer_lines, kind_label, requester_notice

log = logging.getLogger(__name__)

LIST_ROWS = 30  # rows in one /queue reply; more are counted, and /export has them all
LIST_BUTTONS = 10  # "show" buttons under a /queue reply
OPEN = ("new", "claimed", "answered")


def actor(ctx: Context) -> str:
    return f"{ctx.msg.channel}:{ctx.msg.user_id}"


def _attempt(ctx: Context) -> tuple[str, str]:
    """What was tried (the command or button, and the reference), and that reference ("" if none).
    Only these: whatever else was typed stays out of the audit and the log."""
    if ctx.msg.payload is not None:
        verb, _, arg = ctx.msg.payload.partition(":")
        ref = normalize_ref(arg)
        return f"{verb[:20]}:{ref}", ref
    words = ctx.args.split(maxsplit=1)
    ref = normalize_ref(words[0]) if words else ""
    return f"/{ctx.command} {ref}".strip(), ref


def staff_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def guarded(ctx: Context) -> list[Reply]:
        if ctx.is_staff:
            return await handler(ctx)
        attempt, ref = _attempt(ctx)
        log.warning("refused staff operation %r from non-staff %s", attempt, actor(ctx))
        if ref:
            await ctx.deps.requests.refuse(ref, actor(ctx), f"not staff: {attempt}")
        # a button pressed in a group: a pop-up for the presser alone, where the channel has one
        return [ctx.reply(ctx.render("staff_only"), alert=ctx.msg.payload is not None and ctx.msg.is_group)]

    return guarded


def _ref_and_text(ctx: Context) -> tuple[str, str]:
    if ctx.msg.payload is not None:
        return normalize_ref(ctx.payload_arg), ""
    parts = ctx.args.split(maxsplit=1)  # the text may start on the next line
    return (normalize_ref(parts[0]) if parts else ""), (parts[1].strip() if len(parts) > 1 else "")


def _refused(ctx: Context, exc: Refused | NotFound) -> list[Reply]:
    if isinstance(exc, NotFound):
        return [ctx.say("queue_refused", reason="not_found", ref=exc.ref, status="", by="")]
    r = exc.request
    return [
        ctx.say(
            "queue_refused",
            reason=exc.reason,
            ref=r.ref if r else "",
            status=r.status if r else "",
            by=exc.details.get("by", ""),
        )
    ]


def _usage(ctx: Context, command: str) -> list[Reply]:
    return [ctx.say("queue_usage", command=command, statuses=STATUSES, kinds=[], bad="")]


def _done(ctx: Context, action: str, request: Request, by: str = "") -> Reply:
    return ctx.say(
        "queue_done",
        action=action,
        ref=request.ref,
        status=request.status,
        erased=bool(request.erased_at),
        unreachable=request.unreachable,
        by=by,
    )


def _buttons(ctx: Context, request: Request) -> list[Button]:
    buttons = []
    if request.status == "new":
        buttons.append(Button(ctx.label("btn_claim"), f"claim:{request.ref}"))
    if request.status != "closed":
        buttons.append(Button(ctx.label("btn_close"), f"close:{request.ref}"))
    return buttons


@staff_only
async def queue(ctx: Context) -> list[Reply]:
    """/queue [status|all] [kind]: open requests by default, oldest first."""
    statuses: tuple[str, ...] = OPEN
    kind = None
    known_kinds = _known_kinds(ctx)  # the forms'; the stored ones only for a word that is not one
    for word in ctx.args.lower().split():
        if word in STATUSES:
            statuses = (word,)
        elif word == "all":
            statuses = STATUSES
        elif word in known_kinds:
            kind = word
        elif word in (stored := set(await ctx.deps.requests.kinds())):  # a kind no form has any more
            kind = word
        else:
            known_kinds |= stored
            return [
                ctx.say("queue_usage", command="queue", statuses=STATUSES, kinds=sorted(known_kinds), bad=word[:40])
            ]
    found = await ctx.deps.requests.list(statuses, kind, limit=LIST_ROWS)
    total = len(found) if len(found) < LIST_ROWS else await ctx.deps.requests.count(statuses, kind)
    zone = ctx.deps.config.zone
    rows = [
        {
            "ref": r.ref,
            "kind": r.kind,
            "status": r.status,
            "created": zone.format(r.created_at),
            "assignee": r.assignee or "",
            "first": r.summary(),
        }
        for r in found
    ]
    buttons = [Button(row["ref"], f"show:{row['ref']}") for row in rows[:LIST_BUTTONS]]
    return [
        ctx.say(
            "queue_list",
            buttons,
            rows=rows,
            more=max(0, total - LIST_ROWS),
            statuses=statuses,
            kind=kind or "",
            zone=zone.abbreviation(ctx.deps.clock()),
        )
    ]


@staff_only
async def show(ctx: Context) -> list[Reply]:
    ref, _ = _ref_and_text(ctx)
    if not ref:
        return _usage(ctx, "show")
    request = await ctx.deps.requests.get(ref, with_events=True)
    if request is None:
        return _refused(ctx, NotFound(ref))
    answers = answer_lines(ctx.deps, ctx.lang, request)
    zone = ctx.deps.config.zone
    events = [
        {"at": zone.format(e.at), "actor": e.actor, "action": e.action, "text": e.text or ""} for e in request.events
    ]
    text = ctx.render(
        "request_detail",
        r=request,
        kind=kind_label(ctx.deps, ctx.lang, request.kind),
        answers=answers,
        events=events,
        created=zone.format(request.created_at),
        updated=zone.format(request.updated_at),
        closed=zone.format(request.closed_at),
        zone=zone.abbreviation(request.created_at),
    )
    return [ctx.reply(text, _buttons(ctx, request))]


async def _transition(
    ctx: Context, command: str, done: str, needs_text: bool = False, notify: bool = True
) -> list[Reply]:
    """/claim, /reply, /note, /close, /reopen: one queue call, a confirmation, the requester told."""
    ref, text = _ref_and_text(ctx)
    if not ref or (needs_text and not text):
        return _usage(ctx, command)
    method = getattr(ctx.deps.requests, command)
    try:
        request = await (method(ref, actor(ctx), text) if needs_text else method(ref, actor(ctx)))
    except (Refused, NotFound) as exc:
        return _refused(ctx, exc)
    notices = requester_notice(ctx.deps, request, done, *([text] if needs_text else [])) if notify else []
    return [_done(ctx, done, request)] + notices


@staff_only
async def claim(ctx: Context) -> list[Reply]:
    return await _transition(ctx, "claim", "claimed")


@staff_only
async def assign(ctx: Context) -> list[Reply]:
    """/assign REF LOGIN: the request to a colleague's console account; the requester hears it is
    being handled if nobody had it yet."""
    ref, login = _ref_and_text(ctx)
    if not ref or not login:
        return _usage(ctx, "assign")
    assignee = await ctx.deps.staff.actor_for(login.split()[0][:40])
    if assignee is None:
        return [ctx.say("queue_refused", reason="no_such_account", ref=ref, status="", by=login.split()[0][:40])]
    try:
        before = await ctx.deps.requests.get(ref)
        request = await ctx.deps.requests.assign(ref, actor(ctx), assignee)
    except (Refused, NotFound) as exc:
        return _refused(ctx, exc)
    told = requester_notice(ctx.deps, request, "claimed") if before and before.status == "new" else []
    return [_done(ctx, "assigned", request, by=login.split()[0][:40])] + told


@staff_only
async def reply(ctx: Context) -> list[Reply]:
    return await _transition(ctx, "reply", "answered", needs_text=True)


@staff_only
async def note(ctx: Context) -> list[Reply]:
    return await _transition(ctx, "note", "noted", needs_text=True, notify=False)


@staff_only
async def close(ctx: Context) -> list[Reply]:
    return await _transition(ctx, "close", "closed")


@staff_only
async def reopen(ctx: Context) -> list[Reply]:
    return await _transition(ctx, "reopen", "reopened", notify=False)


@staff_only
async def export(ctx: Context) -> list[Reply]:
    zone = ctx.deps.config.zone
    count, body = await ctx.deps.requests.export_csv(zone)  # built off the event loop: others are answered meanwhile
    name = zone.local(ctx.deps.clock()).strftime("madoguchi-requests-%Y%m%d-%H%M.csv")
    document = Document(name, body)
    return [Reply(ctx.msg.address, ctx.label("export_done", count=count), document=document, lang=ctx.lang)]


def _known_kinds(ctx: Context) -> set[str]:
    return set(ctx.deps.forms)
