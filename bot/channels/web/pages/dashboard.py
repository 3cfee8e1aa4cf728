"""The dashboard: what people would rather look at than read. Requests per week by kind, how long
first replies and closing take, how old the open requests are, and which languages the bot
fails in (answered vs unanswered knowledge questions)."""

from __future__ import annotations

from aiohttp import web

from bot.channels.web.charts import Series, bar_chart
from bot.channels.web.desk import Desk
from bot.channels.web.guard import Visit
from bot.channels.web.pages.common import html
from bot.channels.web.templating import LABELS
from bot.config import LANGUAGES
from bot.requests.stats import DAY, open_ages, weekly

PERIODS = (4, 12, 26, 52)  # weeks a dashboard may show
LANGUAGE_NAMES = {"ja": "日本語", "ko": "한국어", "en": "English"}
CARD_WIDTH = 360  # about a card's width in the three-column grid, so the charts' text shows at its size


async def dashboard_page(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    lang = visit.session.account.lang

    def t(key: str, **values: object) -> str:
        return LABELS.get(lang, key, **values)

    asked = request.query.get("weeks", "12")
    weeks = int(asked) if asked in {str(p) for p in PERIODS} else 12
    now = desk.app.core.deps.clock()
    zone = desk.config.zone
    figures = await weekly(desk.app.store, zone, now, weeks)
    labels = [f.monday.strftime("%m/%d") for f in figures]
    kinds = [(kind, form.title[lang]) for kind, form in desk.forms.items()]
    known = {kind for kind, _ in kinds}
    others = [sum(n for k, n in f.by_kind.items() if k not in known) for f in figures]
    per_kind = [
        Series(title, [f.by_kind.get(kind, 0) for f in figures], f"s{i % 6 + 1}")
        for i, (kind, title) in enumerate(kinds)
    ]
    if any(others):
        per_kind.append(Series(t("dash_other_kind"), others, "s6"))
    requests_chart = bar_chart(labels, per_kind, title=t("dash_requests"), stacked=True, width=CARD_WIDTH)

    hours = t("dash_hours")
    times = [
        Series(t("dash_first_reply"), [f.first_reply_hours for f in figures], "s1"),
        Series(t("dash_close"), [f.close_hours for f in figures], "s2"),
    ]
    times_chart = bar_chart(labels, times, title=t("dash_times"), unit=hours, width=CARD_WIDTH)

    ages = await open_ages(desk.app.store, now)
    age_labels = [
        t("dash_age_range", low=b.low_days, high=b.high_days) if b.high_days else t("dash_age_over", low=b.low_days)
        for b in ages
    ]
    age_series = [
        Series(t("dash_unreplied"), [b.unreplied for b in ages], "s5"),
        Series(t("dash_replied"), [b.count - b.unreplied for b in ages], "s3"),
    ]
    ages_chart = bar_chart(age_labels, age_series, title=t("dash_ages"), stacked=True, width=CARD_WIDTH)

    since = now - weeks * 7 * DAY
    counted = await desk.app.unanswered.weeks(since)
    answered = {code: sum(w.answered for w in counted if w.lang == code) for code in LANGUAGES}
    unanswered = {code: sum(w.unanswered for w in counted if w.lang == code) for code in LANGUAGES}
    questions = [
        Series(t("dash_answered"), [answered[c] for c in LANGUAGES], "s3"),
        Series(t("dash_unanswered"), [unanswered[c] for c in LANGUAGES], "s5"),
    ]
    questions_chart = bar_chart(
        [LANGUAGE_NAMES[c] for c in LANGUAGES], questions, title=t("dash_questions"), width=CARD_WIDTH
    )
    shares = {
        c: round(100 * unanswered[c] / (answered[c] + unanswered[c])) if answered[c] + unanswered[c] else None
        for c in LANGUAGES
    }
    return html(
        desk,
        "dashboard.html",
        lang,
        visit,
        here=f"/staff/dashboard?weeks={weeks}",
        weeks=weeks,
        periods=PERIODS,
        figures=figures,
        labels=labels,
        charts={"requests": requests_chart, "times": times_chart, "ages": ages_chart, "questions": questions_chart},
        series={"requests": per_kind, "times": times, "ages": age_series, "questions": questions},
        ages=list(zip(age_labels, ages, strict=True)),
        answered=answered,
        unanswered=unanswered,
        shares=shares,
        language_names=LANGUAGE_NAMES,
        target_hours=int(desk.config.web.first_response_hours),
    )
