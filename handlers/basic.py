"""/start, /help, /lang and unknown commands."""

from __future__ import annotations

from bot.config import LANGUAGES
from bot.core.context import Context
from bot.messages import Button, Reply
from handlers.answers import popular_buttons


def language_buttons(ctx: Context) -> list[Button]:
    return [Button(ctx.deps.renderer.label("en", f"lang_{code}"), f"lang:{code}") for code in LANGUAGES]


async def start(ctx: Context) -> list[Reply]:
    return [ctx.say("start", language_buttons(ctx) + popular_buttons(ctx))]


async def help_(ctx: Context) -> list[Reply]:
    return [ctx.say("help", is_staff=ctx.is_staff)]


def _set_language(ctx: Context, code: str) -> list[Reply]:
    ctx.state.lang = code
    ctx.lang = code
    return [ctx.say("lang_set", popular_buttons(ctx))]


async def lang(ctx: Context) -> list[Reply]:
    code = ctx.args.strip().lower()[:2]
    if code in LANGUAGES:
        return _set_language(ctx, code)
    return [ctx.say("lang_choose", language_buttons(ctx))]


async def on_lang_button(ctx: Context) -> list[Reply]:
    if ctx.payload_arg in LANGUAGES:
        return _set_language(ctx, ctx.payload_arg)
    return [ctx.say("lang_choose", language_buttons(ctx))]


async def unknown_command(ctx: Context) -> list[Reply]:
    return [ctx.say("unknown_command", command=ctx.command[:40])]
