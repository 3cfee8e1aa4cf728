"""The knowledge base as users see it: every topic rendered exactly as the bot sends it, in each
language, with its source, sample questions and related topics. Read-only: edits go through the
TOML files and `madoguchi kb check`."""

from __future__ import annotations

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import Visit
from bot.channels.web.pages.common import html
from bot.config import LANGUAGES
from bot.conversation import Conversation
from bot.core.context import Context
from bot.messages import Incoming, Reply
from handlers.answers import answer_reply


def as_sent(desk: Desk, topic_id: str, lang: str) -> Reply:
    """The very reply the bot sends for this topic (handlers/answers.py), built without a chat."""
    topic = desk.knowledge.topics[topic_id]
    ctx = Context(desk.app.core.deps, Incoming("web", "preview", "preview"), Conversation(lang=lang), lang)
    return answer_reply(ctx, topic)


async def knowledge_page(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    lang = visit.session.account.lang
    topics = sorted(desk.knowledge.topics.values(), key=lambda t: t.id)
    return html(desk, "knowledge.html", lang, visit, topics=topics)


async def topic_page(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    lang = visit.session.account.lang
    topic_id = request.match_info["topic"]
    if topic_id not in desk.knowledge.topics:
        return html(desk, "error.html", lang, visit, status_code=404, message_key="no_results")
    topic = desk.knowledge.topics[topic_id]
    return html(
        desk,
        "topic.html",
        lang,
        visit,
        topic=topic,
        sent={code: as_sent(desk, topic_id, code) for code in LANGUAGES},
    )
