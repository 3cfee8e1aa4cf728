"""Replies that tell someone other than the sender: the requester, or the staff queue.

A requester is always told in the language stored with their request, whatever language the
staff member works in, on the channel they wrote from, whichever channel the staff member used;
the staff places are told in [staff] language.
"""

from __future__ import annotations

from bot.core.context import Deps
from bot.messages import STAFF_QUEUE, Button, Reply
from bot.requests.records import Request, format_value


def _local(texts: dict[str, str], lang: str, default: str) -> str:
    return texts.get(lang) or texts.get("en") or default


def local_time(deps: Deps, at: float) -> str:
    """A time as the office reads it, with its zone: "2026-06-01 12:00 KST"."""
    zone = deps.config.zone
    return f"{zone.format(at)} {zone.abbreviation(at)}"


def kind_label(deps: Deps, lang: str, kind: str) -> str:
    """The request kind in words: the form's title, else labels_queue.toml, else its id."""
    form = deps.forms.get(kind)
    if form is not None:
        return _local(form.title, lang, kind)
    return deps.renderer.labels.find(lang, f"kind_{kind}") or kind


def answer_lines(deps: Deps, lang: str, request: Request) -> list[tuple[str, str]]:
    """(field label, value) in the form's words; a field the form no longer has keeps its name."""
    form = deps.forms.get(request.kind)
    lines = []
    for name, value in request.answers.items():
        field = form.field(name) if form is not None else None
        if field is None:
            lines.append((name, format_value(value) or "—"))
            continue
        if field.options:
            chosen = value if isinstance(value, list) else [value]
            value = [_local(o.label, lang, o.value) if (o := field.option(str(v))) else v for v in chosen]
        lines.append((_local(field.label, lang, name), format_value(value) or "—"))
    return lines


def requester_notice(deps: Deps, request: Request, event: str, text: str = "") -> list[Reply]:
    """Claimed, answered (with the staff text) or closed, in the requester's language.

    Nothing is sent once the requester's personal fields are erased: there is nobody to tell.
    """
    if request.address is None:
        return []
    lang = request.lang
    body = deps.renderer.render(
        lang,
        "request_notice",
        event=event,
        ref=request.ref,
        text=text,
        kind=kind_label(deps, lang, request.kind),
        at=local_time(deps, request.updated_at),
    )
    buttons: tuple[Button, ...] = ()
    if event == "answered":
        buttons = (
            Button(deps.renderer.label(lang, "answer_staff"), f"re:{request.ref}"),
            Button(deps.renderer.label(lang, "no_answer_needed"), "nore:" + request.ref),
        )
    return [Reply(request.address, body, buttons, notification=True, ref=request.ref, lang=lang)]


def staff_notice(deps: Deps, request: Request, text: str) -> list[Reply]:
    """The requester answered back: post it to the staff queue under the reference."""
    lang = deps.config.staff_language
    body = deps.renderer.render(
        lang,
        "requester_answer",
        ref=request.ref,
        text=text,
        kind=kind_label(deps, lang, request.kind),
        assignee=request.assignee or "",
        at=local_time(deps, request.updated_at),
    )
    buttons = (
        Button(deps.renderer.label(lang, "btn_show"), f"show:{request.ref}"),
        Button(deps.renderer.label(lang, "btn_close"), f"close:{request.ref}"),
    )
    return [Reply(STAFF_QUEUE, body, buttons, notification=True, ref=request.ref, lang=lang)]
