"""The staff console, built from the app that `madoguchi run` opened (bot/runner.py)."""

from __future__ import annotations

from bot.app import App
from bot.channels.web.channel import WebConsole
from bot.channels.web.desk import Desk
from bot.channels.web.templating import Pages
from bot.forms.replies import load_replies
from bot.staff.accounts import StaffAccounts
from bot.staff.sessions import Sessions


def build_console(app: App) -> WebConsole:
    config, deps = app.config, app.core.deps
    accounts = StaffAccounts(app.store)
    desk = Desk(
        config=config,
        app=app,
        accounts=accounts,
        sessions=Sessions(app.store, accounts, config.web.session_hours),
        directory=deps.staff,
        pages=Pages(config.zone, deps.renderer.labels),
        forms=deps.forms,
        knowledge=deps.knowledge,
        replies=load_replies(config.knowledge_dir / "replies.toml", set(deps.forms)),
    )
    return WebConsole(desk)
