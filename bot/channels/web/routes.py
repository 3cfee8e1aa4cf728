"""Every page and action of the staff console, in one list, each with its guard in plain sight."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Guard, Visit, secure_headers
from bot.channels.web.pages import accounts, auth, dashboard, knowledge, queue, request, unanswered
from bot.channels.web.pages.common import refusal_page
from bot.core.channel import Channel

STATIC = Path(__file__).resolve().parent / "static"
Page = Callable[[Desk, web.Request, Visit], Awaitable[web.StreamResponse]]


def build_routes(desk: Desk, channel: Channel) -> list[web.RouteDef]:
    guard = Guard(desk.sessions, desk.config.server.public_url, refusal_page(desk))

    def bound(handler: Page) -> Callable[[web.Request, Visit], Awaitable[web.StreamResponse]]:
        async def visit(r: web.Request, v: Visit) -> web.StreamResponse:
            return await handler(desk, r, v)

        return visit

    def page(handler: Page, **options: bool) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        return guard.page(bound(handler), **options)

    def action(handler: Page, **options: bool) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        return guard.action(bound(handler), **options)

    async def login_form(r: web.Request) -> web.StreamResponse:
        return await auth.login_form(desk, r)

    async def login(r: web.Request) -> web.StreamResponse:
        return await auth.login(desk, guard, r)

    async def staff_act(r: web.Request, v: Visit) -> web.StreamResponse:
        return await request.act(desk, channel, r, v)

    async def static(r: web.Request) -> web.StreamResponse:
        name = r.match_info["name"]
        if name not in ("htmx.min.js", "console.css"):
            raise web.HTTPNotFound()
        return secure_headers(web.FileResponse(STATIC / name, headers={"Cache-Control": "public, max-age=86400"}))

    async def to_queue(r: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(f"{PREFIX}/")

    return [
        web.get(PREFIX, to_queue),
        web.get(f"{PREFIX}/login", login_form),
        web.post(f"{PREFIX}/login", login),
        web.post(f"{PREFIX}/logout", action(auth.logout, allow_must_change=True)),
        web.get(f"{PREFIX}/password", page(auth.password_form, allow_must_change=True)),
        web.post(f"{PREFIX}/password", action(auth.password, allow_must_change=True)),
        web.post(f"{PREFIX}/lang", action(auth.set_lang)),
        web.get(f"{PREFIX}/", page(queue.queue_page)),
        web.get(f"{PREFIX}/queue/rows", page(queue.queue_rows)),
        web.get(f"{PREFIX}/export.csv", page(queue.export)),
        web.get(f"{PREFIX}/r/{{ref}}", page(request.request_page)),
        web.post(f"{PREFIX}/r/{{ref}}/act", guard.action(staff_act)),
        web.get(f"{PREFIX}/r/{{ref}}/canned", page(request.canned)),
        web.get(f"{PREFIX}/r/{{ref}}/photo/{{n}}", page(request.photo)),
        web.get(f"{PREFIX}/unanswered", page(unanswered.unanswered_page)),
        web.get(f"{PREFIX}/unanswered/{{key}}", page(unanswered.suggestion)),
        web.post(f"{PREFIX}/unanswered/{{entry}}/ask", action(unanswered.send_to_staff)),
        web.get(f"{PREFIX}/dashboard", page(dashboard.dashboard_page)),
        web.get(f"{PREFIX}/knowledge", page(knowledge.knowledge_page)),
        web.get(f"{PREFIX}/knowledge/{{topic}}", page(knowledge.topic_page)),
        web.get(f"{PREFIX}/accounts", guard.admin(bound(accounts.accounts_page))),
        web.post(f"{PREFIX}/accounts", action(accounts.add, admin=True)),
        web.post(f"{PREFIX}/accounts/{{login}}/state", action(accounts.set_state, admin=True)),
        web.get(f"{PREFIX}/static/{{name}}", static),
    ]
