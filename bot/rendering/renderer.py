"""Replies are rendered from jinja2 templates per language, falling back to English.

User text only ever reaches a template as a variable value: it is never compiled as a template,
and channels send plain text (no parse mode), so `{{ 7*7 }}` or `<b>` in a message stay literal.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from bot.rendering import korean

TEMPLATE_DIR = Path(__file__).parent / "templates"
FALLBACK_LANGUAGE = "en"


class Labels:
    """Short texts (button labels, one-liners) per language from TOML files, English if missing."""

    def __init__(self, paths: list[Path]) -> None:
        # several files are merged, so each feature keeps its short texts in its own file
        self.table: dict[str, dict[str, str]] = {}
        for path in paths:
            for lang, entries in tomllib.loads(path.read_text(encoding="utf-8")).items():
                self.table.setdefault(lang, {}).update(entries)

    def get(self, lang: str, key: str, **values: Any) -> str:
        text = self.table.get(lang, {}).get(key) or self.table[FALLBACK_LANGUAGE][key]
        return text.format(**values) if values else text

    def find(self, lang: str, key: str) -> str | None:
        """The label, or None where neither the language nor English has it."""
        return self.table.get(lang, {}).get(key) or self.table.get(FALLBACK_LANGUAGE, {}).get(key)


class Renderer:
    def __init__(self, template_dir: Path = TEMPLATE_DIR) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(template_dir)),
            autoescape=False,  # output is plain text, never HTML
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # shipped with the code: a restart picks up edits, no stat() per reply
        )
        self.env.filters["josa"] = korean.josa
        self.env.filters["particle"] = korean.particle
        self.labels = Labels(sorted(template_dir.glob("labels*.toml")))
        self._templates: dict[tuple[str, str], jinja2.Template] = {}
        # keyed by knowledge only (topic ids): bounded by the topics, and holds nothing personal
        self._once: dict[tuple[str, str, str], str] = {}

    def render(self, lang: str, name: str, **values: Any) -> str:
        template = self._templates.get((lang, name))
        if template is None:
            template = self.env.select_template([f"{lang}/{name}.j2", f"{FALLBACK_LANGUAGE}/{name}.j2"])
            self._templates[lang, name] = template
        return template.render(lang=lang, **values).strip()

    def render_once(self, lang: str, name: str, key: str, values: Callable[[], dict[str, Any]]) -> str:
        """A render that is the same every time for `key` (a topic's answer: the knowledge base's
        text only, never a person's), made once; a tenth of answering a question went to it."""
        done = self._once.get((lang, name, key))
        if done is None:
            done = self._once[lang, name, key] = self.render(lang, name, **values())
        return done

    def label(self, lang: str, key: str, **values: Any) -> str:
        return self.labels.get(lang, key, **values)
