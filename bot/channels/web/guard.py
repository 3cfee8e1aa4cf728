"""Who may see a console page and send a console form: sessions, CSRF tokens, the Origin check.

Every route of bot/channels/web/routes.py is wrapped here, visibly: `guard.page` (a live session,
else the login page), `guard.action` (that, plus a POST from our own origin carrying the
session's CSRF token), `guard.admin` (that, by an admin). Every answer gets the security headers.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.staff.sessions import Session, Sessions

COOKIE = "madoguchi_staff"
PREFIX = "/staff"
# htmx and our stylesheet are files of ours; nothing inline, nothing from elsewhere
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


@dataclass(frozen=True)
class Visit:
    """What a console handler gets besides the request: the session and its cookie's token."""

    session: Session
    token: str


VisitHandler = Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def secure_headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if response.content_type == "text/html":
        response.headers["Cache-Control"] = "no-store"  # a shared office PC keeps no page of it
    return response


def is_https(request: web.Request, public_url: str) -> bool:
    return public_url.startswith("https://") or request.secure or request.headers.get("X-Forwarded-Proto") == "https"


def safe_next(target: str) -> str:
    """Where to go after logging in: only a page of the console, never another site."""
    if target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX + "/"


class Guard:
    def __init__(self, sessions: Sessions, public_url: str, refuse: Callable[[web.Request, str], web.Response]):
        self.sessions = sessions
        self.public_url = public_url
        self.refuse = refuse  # the console's own 403 page, in the visitor's language

    def set_cookie(self, request: web.Request, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(self.sessions.seconds),
            path=PREFIX,
            httponly=True,  # no script can read it
            samesite="Strict",  # no other site's link or form carries it
            secure=is_https(request, self.public_url),
        )

    async def visit(self, request: web.Request) -> Visit | None:
        token = request.cookies.get(COOKIE, "")
        session = await self.sessions.lookup(token)
        return Visit(session, token) if session else None

    def page(self, handler: VisitHandler, *, allow_must_change: bool = False) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            visit = await self.visit(request)
            if visit is None:
                return secure_headers(_to_login(request))
            if visit.session.account.must_change and not allow_must_change:
                return secure_headers(_redirect(request, f"{PREFIX}/password"))
            return secure_headers(await handler(request, visit))

        return guarded

    def action(self, handler: VisitHandler, *, admin: bool = False, allow_must_change: bool = False) -> Handler:
        async def checked(request: web.Request, visit: Visit) -> web.StreamResponse:
            if not same_origin(request):
                return self.refuse(request, visit.session.account.lang)
            form = await request.post()
            sent = str(form.get("csrf", "")) or request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), visit.session.csrf.encode()):
                return self.refuse(request, visit.session.account.lang)
            if admin and not visit.session.account.is_admin:
                return self.refuse(request, visit.session.account.lang)
            return await handler(request, visit)

        return self.page(checked, allow_must_change=allow_must_change)

    def admin(self, handler: VisitHandler) -> Handler:
        async def checked(request: web.Request, visit: Visit) -> web.StreamResponse:
            if not visit.session.account.is_admin:
                return self.refuse(request, visit.session.account.lang)
            return await handler(request, visit)

        return self.page(checked)


def same_origin(request: web.Request) -> bool:
    """The form was sent by a page of this very server (Origin, else Referer); neither: refused."""
    sent = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not sent or sent == "null":
        return False
    return urlsplit(sent).netloc.lower() == request.host.lower()


def _redirect(request: web.Request, location: str) -> web.Response:
    if request.headers.get("HX-Request"):
        # htmx follows this header instead of swapping a login page into part of a page
        return web.Response(status=200, headers={"HX-Redirect": location})
    return web.Response(status=303, headers={"Location": location})


def _to_login(request: web.Request) -> web.Response:
    target = safe_next(request.path_qs)
    return _redirect(request, f"{PREFIX}/login?next={quote(target, safe='/')}")
