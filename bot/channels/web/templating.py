"""The console's HTML: jinja2 with autoescaping on, apart from the chat's plain-text templates.

Everything a person typed reaches a page only as an escaped value: `<script>` shows as text, and
`{{ 7*7 }}` stays those characters (a value is never itself compiled as a template).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jinja2

from bot.office_time import OfficeZone
from bot.rendering.renderer import Labels

HERE = Path(__file__).resolve().parent
LABELS = Labels([HERE / "labels.toml"])


class Pages:
    def __init__(self, zone: OfficeZone, chat_labels: Labels) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(HERE / "templates")),
            autoescape=True,  # every value is HTML-escaped unless marked safe here, in code
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.zone = zone
        self.chat_labels = chat_labels

    def render(self, name: str, lang: str, **values: Any) -> str:
        def t(key: str, **kw: Any) -> str:
            return LABELS.get(lang, key, **kw)

        def chat(key: str) -> str:  # statuses and kinds, worded as in the chat
            return self.chat_labels.find(lang, key) or key

        return self.env.get_template(name).render(
            t=t,
            chat=chat,
            lang=lang,
            at=self.at,
            age=lambda since: self.age(lang, since),
            **values,
        )

    def at(self, when: float | None) -> str:
        if not when:
            return ""
        return f"{self.zone.format(when)} {self.zone.abbreviation(when)}"

    @staticmethod
    def age(lang: str, since: float, now: float | None = None) -> str:
        seconds = max(0.0, (now or time.time()) - since)
        if seconds < 3600:
            return LABELS.get(lang, "age_minutes", n=int(seconds // 60))
        if seconds < 86400 * 2:
            return LABELS.get(lang, "age_hours", n=int(seconds // 3600))
        return LABELS.get(lang, "age_days", n=int(seconds // 86400))
