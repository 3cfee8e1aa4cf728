"""Replies that tell someone other than the sender: the requester, or the staff queue.

A requester is always told in the language stored with their request, whatever language the
staff member works in; the staff queue is told in the office's default language.
"""
from __future__ import annotations

from bot.core import Deps
from bot.messages import Address, Button, Reply
from bot.request_records import Request

STAFF_QUEUE = Address("staff", "queue")


def kind_label(deps: Deps, lang: str, kind: str) -> str:
    """The request kind in words ("出前講座の申し込み"); its id for a kind without a label."""
    key = f"kind_{kind}"
    labels = deps.renderer.labels
    return labels.get(lang, {}).get(key) or labels.get("en", {}).get(key) or kind


def requester_notice(deps: Deps, request: Request, event: str, text: str = "") -> list[Reply]:
    """Claimed, answered (with the staff text) or closed, in the requester's language.

    Nothing is sent once the requester's personal fields are erased: there is nobody to tell.
    """
    if request.address is None:
        return []
    lang = request.lang
    body = deps.renderer.render(lang, "request_notice", event=event, ref=request.ref, text=text,
                                kind=kind_label(deps, lang, request.kind))
    buttons: tuple[Button, ...] = ()
    if event == "answered":
        buttons = (Button(deps.renderer.label(lang, "answer_staff"), f"re:{request.ref}"),
                   Button(deps.renderer.label(lang, "no_answer_needed"), "nore:" + request.ref))
    return [Reply(request.address, body, buttons, notification=True)]


def staff_notice(deps: Deps, request: Request, text: str) -> list[Reply]:
    """The requester answered back: post it to the staff queue under the reference."""
    lang = deps.config.default_language
    body = deps.renderer.render(lang, "requester_answer", ref=request.ref, text=text,
                                kind=kind_label(deps, lang, request.kind), assignee=request.assignee or "")
    buttons = (Button(deps.renderer.label(lang, "btn_show"), f"show:{request.ref}"),
               Button(deps.renderer.label(lang, "btn_close"), f"close:{request.ref}"))
    return [Reply(STAFF_QUEUE, body, buttons, notification=True)]
