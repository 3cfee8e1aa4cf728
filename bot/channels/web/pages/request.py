"""A request page: the form's answers, photos, the exchange with the requester in order, notes,
the audit; and the actions (claim, assign, reply, note, close, reopen), each sent to the core as
the staff command it is, so the console and the chat behave alike."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Visit
from bot.channels.web.pages.common import html, redirect
from bot.core.channel import Channel
from bot.requests.records import Event, Request, normalize_ref
from handlers.notices import answer_lines

MAX_REPLY_CHARS = 4000
# what the requester saw or wrote, in order; the rest is only in the audit
EXCHANGE = ("submitted", "claimed", "assigned", "reply", "requester_reply", "no_answer", "closed", "reopened")
ACTIONS = ("claim", "assign", "reply", "note", "close", "reopen")


@dataclass(frozen=True)
class Line:
    event: Event
    who: str  # a login, "the requester" or "system", in the page's language
    side: str  # "requester", "staff" or "system": where the line sits in the exchange
    told: bool  # the requester was sent a notice of it


def _photo_items(request: Request) -> list[dict[str, object]]:
    """The photos among the answers, in order (a photo answer is {"file_id", "saved_path", "size"})."""
    return [
        item
        for value in request.answers.values()
        for item in (value if isinstance(value, list) else [value])
        if isinstance(item, dict) and "file_id" in item
    ]


def _photos(request: Request) -> list[tuple[int, str, bool]]:
    """(index, file id, kept on disk) of each photo."""
    return [(i, str(p.get("file_id", "")), bool(p.get("saved_path"))) for i, p in enumerate(_photo_items(request))]


def _lines(desk: Desk, request: Request, lang: str) -> list[Line]:
    from bot.channels.web.templating import LABELS

    lines = []
    claimed_before = False
    for e in request.events:
        if e.actor == request.requester or e.actor == "erased":
            who, side = LABELS.get(lang, "the_requester"), "requester"
        elif e.actor == "system":
            who, side = LABELS.get(lang, "system"), "system"
        else:
            who, side = desk.directory.name_of(e.actor), "staff"
        first_claim = e.action in ("claimed", "assigned") and not claimed_before
        claimed_before = claimed_before or e.action in ("claimed", "assigned")
        told = e.action in ("reply", "closed") or first_claim
        lines.append(Line(e, who, side, told and not request.erased_at))
    return lines


async def _load(desk: Desk, ref: str) -> Request | None:
    return await desk.app.requests.get(normalize_ref(ref), with_events=True)


async def request_page(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    lang = visit.session.account.lang
    found = await _load(desk, request.match_info["ref"])
    if found is None:
        ref = normalize_ref(request.match_info["ref"])
        return html(desk, "error.html", lang, visit, status_code=404, message_key="not_found", ref=ref)
    lines = _lines(desk, found, lang)
    names = await desk.directory.names()
    colleagues = sorted(name for actor, name in names.items() if actor.startswith("web:"))
    return html(
        desk,
        "request.html",
        lang,
        visit,
        r=found,
        kind=desk.forms[found.kind].title.get(lang, found.kind) if found.kind in desk.forms else found.kind,
        answers=answer_lines(desk.app.core.deps, lang, found),
        photos=_photos(found),
        exchange=[line for line in lines if line.event.action in EXCHANGE],
        notes=[line for line in lines if line.event.action == "note"],
        audit=lines,
        assignee=desk.directory.name_of(found.assignee) if found.assignee else "",
        colleagues=colleagues,
        replies=[c for c in desk.replies if c.fits(found.kind)],
        said=desk.notice(request.query.get("said", "")),
        max_reply=MAX_REPLY_CHARS,
    )


async def act(desk: Desk, channel: Channel, request: web.Request, visit: Visit) -> web.StreamResponse:
    ref = normalize_ref(request.match_info["ref"])
    form = await request.post()
    action = str(form.get("do", ""))
    text = str(form.get("text", "")).strip()[:MAX_REPLY_CHARS]
    if action not in ACTIONS or not ref:
        return redirect(f"{PREFIX}/r/{ref}")
    if action in ("reply", "note"):
        if not text:
            return redirect(f"{PREFIX}/r/{ref}")
        command = f"/{action} {ref} {text}"
    elif action == "assign":
        command = f"/assign {ref} {str(form.get('who', ''))[:40]}"
    else:
        command = f"/{action} {ref}"
    key = await desk.act(channel, visit.session.account, command)
    return redirect(f"{PREFIX}/r/{ref}?said={key}")


async def canned(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    """The reply box filled with a prepared reply, in the requester's language (htmx swaps it in)."""
    found = await _load(desk, request.match_info["ref"])
    chosen = next((c for c in desk.replies if c.id == request.query.get("id")), None)
    text = chosen.for_request(found.lang, found.ref) if chosen and found else ""
    return html(desk, "_reply_box.html", visit.session.account.lang, visit, text=text, max_reply=MAX_REPLY_CHARS)


async def photo(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    found = await _load(desk, request.match_info["ref"])
    index = request.match_info["n"]
    if found is None or not index.isascii() or not index.isdigit():
        raise web.HTTPNotFound()
    saved = [str(p.get("saved_path") or "") for p in _photo_items(found)]
    folder = desk.config.attachments_dir.resolve()
    if int(index) >= len(saved) or not saved[int(index)]:
        raise web.HTTPNotFound()
    path = Path(saved[int(index)]).resolve()
    if folder not in path.parents or not path.is_file():  # only our own attachments folder is served
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=3600"})
