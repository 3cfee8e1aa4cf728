"""What the pages share: rendering a whole page with its navigation, redirects, the 403 page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Visit, secure_headers
from bot.config import LANGUAGES


def html(
    desk: Desk, template: str, lang: str, visit: Visit | None, status_code: int = 200, **values: Any
) -> web.Response:
    values.setdefault("nav", "")
    values.setdefault("here", f"{PREFIX}/")
    text = desk.pages.render(
        template,
        lang,
        me=visit.session.account if visit else None,
        csrf=visit.session.csrf if visit else "",
        languages=LANGUAGES,
        prefix=PREFIX,
        **values,
    )
    return web.Response(text=text, content_type="text/html", status=status_code)


def redirect(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def refusal_page(desk: Desk) -> Any:
    def refuse(request: web.Request, lang: str) -> web.Response:
        page = html(desk, "error.html", lang, None, status_code=403, message_key="forbidden")
        secure_headers(page)
        return page

    return refuse


def browser_lang(request: web.Request, default: str) -> str:
    """Before login there is no account to ask: the browser's first language we speak."""
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default
