"""Admins add and disable accounts (the first admin is made with `madoguchi staff add --admin`)."""

from __future__ import annotations

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Visit
from bot.channels.web.pages.common import html, redirect
from bot.cli.staff import WHY
from bot.config import LANGUAGES
from bot.staff.accounts import AccountError


async def accounts_page(
    desk: Desk, request: web.Request, visit: Visit, added: str = "", error: str = ""
) -> web.Response:
    lang = visit.session.account.lang
    return html(
        desk,
        "accounts.html",
        lang,
        visit,
        accounts=await desk.accounts.all(),
        added=added,
        error=error,
        status_code=400 if error else 200,
    )


async def add(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", ""))
    try:
        account, password = await desk.accounts.add(
            str(form.get("login", "")).strip()[:40],
            admin=form.get("admin") == "on",
            identities=tuple(str(form.get("links", "")).split()[:10]),
            lang=lang if lang in LANGUAGES else desk.config.staff_language,
        )
    except AccountError as exc:
        return await accounts_page(desk, request, visit, error=f"{exc.detail}: {WHY.get(exc.reason, exc.reason)}")
    await desk.directory.refresh()
    shown = desk.pages.render("_account_added.html", visit.session.account.lang, login=account.login, password=password)
    return await accounts_page(desk, request, visit, added=shown)


async def set_state(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    form = await request.post()
    login = request.match_info["login"]
    if login != visit.session.account.login:  # nobody locks themselves out
        try:
            await desk.accounts.set_disabled(login, form.get("state") == "disable")
        except AccountError:
            pass
        await desk.directory.refresh()
    return redirect(f"{PREFIX}/accounts")
