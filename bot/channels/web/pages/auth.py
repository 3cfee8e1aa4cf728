"""Logging in and out, choosing a password (at once after a one-time password), the language."""

from __future__ import annotations

import math

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Guard, Visit, safe_next, same_origin, secure_headers
from bot.channels.web.pages.common import browser_lang, html, redirect
from bot.config import LANGUAGES
from bot.staff.accounts import AccountError


async def login_form(desk: Desk, request: web.Request) -> web.StreamResponse:
    lang = request.query.get("lang", "") or browser_lang(request, desk.config.staff_language)
    lang = lang if lang in LANGUAGES else desk.config.staff_language
    target = safe_next(request.query.get("next", ""))
    page = html(desk, "login.html", lang, None, next=target, error="", minutes=0, login="")
    return secure_headers(page)


async def login(desk: Desk, guard: Guard, request: web.Request) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", "")) if form.get("lang") in LANGUAGES else desk.config.staff_language
    target = safe_next(str(form.get("next", "")))
    login_name = str(form.get("login", ""))[:64].strip()
    if not same_origin(request):
        return secure_headers(html(desk, "error.html", lang, None, status_code=403, message_key="forbidden"))
    address = request.remote or "-"
    result = await desk.accounts.check_login(login_name, str(form.get("password", "")), address)
    if result.account is None:
        error = "login_locked" if result.locked_seconds else "login_wrong"
        minutes = math.ceil(result.locked_seconds / 60)
        page = html(
            desk, "login.html", lang, None, status_code=401, next=target, error=error, minutes=minutes, login=login_name
        )
        return secure_headers(page)
    token = await desk.sessions.create(result.account)
    response = redirect(f"{PREFIX}/password" if result.account.must_change else target)
    guard.set_cookie(request, response, token)
    return secure_headers(response)


async def logout(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    await desk.sessions.revoke(visit.token)
    response = redirect(f"{PREFIX}/login")
    response.del_cookie("madoguchi_staff", path=PREFIX)
    return response


async def password_form(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    account = visit.session.account
    return html(desk, "password.html", account.lang, visit, error="", done=False)


async def password(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    account = visit.session.account
    form = await request.post()
    new, again = str(form.get("password", "")), str(form.get("again", ""))
    error = ""
    if new != again:
        error = "password_mismatch"
    else:
        try:
            await desk.accounts.set_password(account, new)
        except AccountError as exc:
            error = exc.reason
    if error:
        return html(desk, "password.html", account.lang, visit, status_code=400, error=error, done=False)
    await desk.sessions.revoke_others(account, visit.token)
    return redirect(f"{PREFIX}/?notice=password_changed")


async def set_lang(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", ""))
    if lang in LANGUAGES:
        await desk.accounts.set_lang(visit.session.account, lang)
    return redirect(safe_next(str(form.get("next", ""))))
