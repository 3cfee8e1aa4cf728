"""What the bot could not answer: similar questions grouped, counts per week, and for each group
the TOML lines that would have made it a topic's question (pasted into knowledge/ by staff and
checked with `madoguchi kb check`), or the question sent to staff as a request for that person."""

from __future__ import annotations

from aiohttp import web

from bot.channels.web.charts import Series, bar_chart
from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Visit
from bot.channels.web.pages.common import html, redirect
from bot.channels.web.templating import LABELS
from bot.config import LANGUAGES
from bot.requests.stats import DAY
from bot.unanswered.records import EntryNotFound

PERIODS = (1, 4, 12, 52)  # weeks
LANGUAGE_NAMES = {"ja": "日本語", "ko": "한국어", "en": "English"}
SERIES_CSS = {"ja": "s1", "ko": "s2", "en": "s3"}
MAX_GROUPS = 200
QUESTION_FORM = "question"  # the bot's own "ask staff" form: what a sent question becomes


def _period(desk: Desk, asked: str) -> tuple[int, float]:
    weeks = int(asked) if asked in {str(p) for p in PERIODS} else 4
    return weeks, desk.app.core.deps.clock() - weeks * 7 * DAY


async def unanswered_page(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    lang = visit.session.account.lang
    weeks, since = _period(desk, request.query.get("weeks", ""))
    only = request.query.get("lang", "")
    only = only if only in LANGUAGES else ""
    groups = await desk.app.unanswered.groups(since=since, lang=only or None)
    counted = await desk.app.unanswered.weeks(since)
    mondays = sorted({w.week for w in counted})
    per_lang = [
        Series(
            LANGUAGE_NAMES[code],
            [sum(w.unanswered for w in counted if w.week == m and w.lang == code) for m in mondays],
            SERIES_CSS[code],
        )
        for code in LANGUAGES
        if not only or code == only
    ]
    chart = bar_chart(
        [m[5:].replace("-", "/") for m in mondays], per_lang, title=LABELS.get(lang, "un_weekly"), stacked=True
    )
    topic_ids = sorted(desk.knowledge.topics)
    return html(
        desk,
        "unanswered.html",
        lang,
        visit,
        nav="unanswered",
        here=f"{PREFIX}/unanswered?weeks={weeks}&lang={only}",
        groups=groups[:MAX_GROUPS],
        more=max(0, len(groups) - MAX_GROUPS),
        weeks=weeks,
        periods=PERIODS,
        only=only,
        language_names=LANGUAGE_NAMES,
        chart=chart,
        series=per_lang,
        topic_ids=topic_ids,
        titles={tid: desk.knowledge.topics[tid].local(lang).title for tid in topic_ids},
    )


async def suggestion(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    """The lines to paste for "this should have been topic X", and the file to paste them into."""
    lang = visit.session.account.lang
    group = await desk.app.unanswered.group(request.match_info["key"])
    topic = desk.knowledge.get(request.query.get("topic", ""))
    if group is None or topic is None:
        raise web.HTTPNotFound()
    lines = desk.app.unanswered.suggestion_toml(group, topic.id)
    try:
        where = str(topic.path.relative_to(desk.config.knowledge_dir.parent))
    except ValueError:
        where = topic.path.name
    return html(
        desk,
        "unanswered_topic.html",
        lang,
        visit,
        nav="unanswered",
        group=group,
        topic=topic,
        title=topic.local(lang).title,
        lines=lines,
        where=where,
        language_names=LANGUAGE_NAMES,
    )


async def send_to_staff(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    """Files the question as a staff question for the person who asked it: a staff reply reaches them."""
    entry = request.match_info["entry"]
    if not (entry.isascii() and entry.isdigit() and len(entry) < 13):
        raise web.HTTPNotFound()
    try:
        ref = await desk.app.unanswered.send_to_staff(
            int(entry), desk.app.requests, desk.forms[QUESTION_FORM], actor=visit.session.account.actor
        )
    except EntryNotFound:
        raise web.HTTPNotFound() from None
    return redirect(f"{PREFIX}/r/{ref}")
