"""Request forms declared as data: knowledge/forms/<kind>.toml, one file per kind of request.

A form is a title, a reference prefix, an optional command and an ordered list of fields; the
validator of a field is chosen by its type (bot/validators.py), so a new kind of request needs a
new file and no code. Every file is checked at start-up and by `madoguchi kb check`, which lists
every problem of every file at once.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.answering.knowledge import KnowledgeError, read_toml
from bot.config import LANGUAGES
from bot.forms.examples import PLACEHOLDERS, unknown_placeholders
from bot.forms.model import PREFILLS, Field, Form, FormRegistry, Option
from bot.forms.validators import TYPES

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PREFIX = re.compile(r"^[A-Z]{1,3}$")
FORM_KEYS = {"kind", "prefix", "command", "title", "route", "fields"}
TEXT_TYPES = ("text", "name", "long_text")  # typed free text: max_length and prefill apply
OPTION_KEYS = {"value", "label", "also"}
FIELD_KEYS = {
    "name",
    "type",
    "optional",
    "label",
    "prompt",
    "hint",
    "error",
    "options",
    "min",
    "max",
    "max_length",
    "prefill",
    "multiple",
    "max_items",
}


def _texts(value: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(
            f'{where}: needs a text for each of {", ".join(LANGUAGES)} (e.g. {where.rsplit(" ", 1)[-1]}.ja = "...")'
        )
        return {lang: "" for lang in LANGUAGES}
    missing = [lang for lang in LANGUAGES if not (isinstance(value.get(lang), str) and value[lang].strip())]
    if missing:
        problems.append(f"{where}: missing or empty for {', '.join(missing)}")
    extra = set(value) - set(LANGUAGES)
    if extra:
        problems.append(f"{where}: unknown languages {sorted(extra)}")
    return {lang: str(value.get(lang, "")).strip() for lang in LANGUAGES}


def _int(raw: dict[str, Any], key: str, where: str, problems: list[str]) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(f"{where}: '{key}' must be a whole number")
        return None
    return value


def _load_field(raw: Any, where: str, problems: list[str]) -> Field | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a [[fields]] table")
        return None
    before = len(problems)
    name = raw.get("name")
    if not isinstance(name, str) or not NAME.match(name):
        problems.append(f"{where}: 'name' must be lower-case letters, digits and _ (got {name!r})")
        name = "?"
    where = f"{where} ({name})"
    ftype = raw.get("type")
    if not isinstance(ftype, str) or ftype not in TYPES:
        problems.append(f"{where}: 'type' is {ftype!r}; use one of {', '.join(TYPES)}")
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        problems.append(f"{where}: 'optional' must be true or false")
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)} (misspelt?)")
    texts = {key: _texts(raw.get(key), f"{where} {key}", problems) for key in ("label", "prompt", "hint", "error")}
    for key in ("prompt", "hint", "error"):
        for lang, text in texts[key].items():
            strays = unknown_placeholders(text)
            if strays:
                problems.append(
                    f"{where} {key}.{lang}: unknown placeholder {', '.join(strays)}; "
                    f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
                )
    options = _load_options(raw.get("options"), ftype, name, where, problems)
    low, high = _int(raw, "min", where, problems), _int(raw, "max", where, problems)
    if (low is not None or high is not None) and ftype != "integer":
        problems.append(f"{where}: 'min'/'max' only apply to type integer")
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: min ({low}) is above max ({high})")
    max_length = _int(raw, "max_length", where, problems)
    if max_length is not None and (ftype not in TEXT_TYPES or max_length < 1):
        problems.append(f"{where}: 'max_length' must be a positive number, on {', '.join(TEXT_TYPES)} only")
    prefill = raw.get("prefill")
    if prefill is not None and (prefill not in PREFILLS or ftype not in TEXT_TYPES):
        problems.append(f"{where}: 'prefill' must be one of {PREFILLS}, on {', '.join(TEXT_TYPES)} only")
    multiple = raw.get("multiple", False)
    if not isinstance(multiple, bool) or (multiple and ftype != "photo"):
        problems.append(f"{where}: 'multiple' is true or false, and only for type photo")
    max_items = _int(raw, "max_items", where, problems)
    if max_items is not None and max_items < 1:
        problems.append(f"{where}: 'max_items' must be at least 1")
    # a problem was recorded unless ftype is one of TYPES; the isinstance check narrows it for the type checker
    if len(problems) > before or not isinstance(ftype, str):
        return None
    return Field(
        name,
        ftype,
        optional,
        texts["label"],
        texts["prompt"],
        texts["hint"],
        texts["error"],
        options,
        low,
        high,
        max_length,
        prefill,
        multiple,
        max_items or 10,
    )


def _load_options(raw: Any, ftype: Any, name: str, where: str, problems: list[str]) -> tuple[Option, ...]:
    if ftype not in ("choice", "choices"):
        if raw is not None:
            problems.append(f"{where}: 'options' only apply to choice and choices")
        return ()
    if not isinstance(raw, list) or len(raw) < 2:
        problems.append(f"{where}: a {ftype} field needs at least two [[fields.options]]")
        return ()
    options, seen = [], set()
    for i, opt in enumerate(raw, 1):
        at = f"{where} option #{i}"
        if not isinstance(opt, dict) or not isinstance(opt.get("value"), str) or not NAME.match(opt["value"]):
            problems.append(f"{at}: 'value' must be lower-case letters, digits and _")
            continue
        value = opt["value"]
        if value in seen:
            problems.append(f"{at}: value '{value}' is used twice")
        seen.add(value)
        if set(opt) - OPTION_KEYS:
            problems.append(f"{at}: unknown keys {sorted(set(opt) - OPTION_KEYS)}")
        label = _texts(opt.get("label"), f"{at} label", problems)
        options.append(Option(value, label, _also(opt.get("also"), at, problems)))
    return tuple(options)


def _also(raw: Any, where: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """Other words people use for an option, per language (any of ja, ko, en): also.ko = ["비대면"]."""
    if raw is None:
        return {}
    fix = 'a list of words per language, e.g. also.ko = ["비대면", "화상"]'
    if not isinstance(raw, dict) or set(raw) - set(LANGUAGES):
        problems.append(f"{where} also: {fix}")
        return {}
    words: dict[str, tuple[str, ...]] = {}
    for lang, value in raw.items():
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            problems.append(f"{where} also.{lang}: {fix}")
            continue
        words[lang] = tuple(w.strip() for w in value)
    return words


def _load_form(path: Path, reserved: frozenset[str], problems: list[str]) -> Form | None:
    data = read_toml(path, problems)
    if data is None:
        return None
    before = len(problems)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind != path.stem:
        problems.append(f"{path}: 'kind' is {kind!r}; it must equal the file name '{path.stem}'")
    if not NAME.match(path.stem):
        problems.append(f"{path}: the file name must be lower-case letters, digits and _")
    prefix = data.get("prefix")
    if not isinstance(prefix, str) or not PREFIX.match(prefix):
        problems.append(f"{path}: 'prefix' must be 1 to 3 capital letters, e.g. \"L\" (got {prefix!r})")
    command = data.get("command")
    if command is not None and (not isinstance(command, str) or not NAME.match(command)):
        problems.append(f"{path}: 'command' must be lower-case letters, digits and _ (got {command!r})")
    elif command in reserved:
        problems.append(f"{path}: command '/{command}' is already used by the bot; choose another")
    unknown = set(data) - FORM_KEYS
    if unknown:
        problems.append(f"{path}: unknown keys {sorted(unknown)} (misspelt?)")
    title = _texts(data.get("title"), f"{path}: title", problems)
    route = _texts(data["route"], f"{path}: route", problems) if "route" in data else {}
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list) or not raw_fields:
        problems.append(f"{path}: needs at least one [[fields]]")
        raw_fields = []
    fields, names = [], set()
    for i, raw in enumerate(raw_fields, 1):
        f = _load_field(raw, f"{path}: field #{i}", problems)
        if f is None:
            continue
        if f.name in names:
            problems.append(f"{path}: field #{i}: name '{f.name}' is used twice")
        names.add(f.name)
        fields.append(f)
    # a problem was recorded unless kind and prefix are strings; the checks narrow them for the type checker
    if len(problems) > before or not isinstance(kind, str) or not isinstance(prefix, str):
        return None
    return Form(kind, prefix, command, title, tuple(fields), path, route)


def load_forms(directory: Path, reserved: frozenset[str] = frozenset()) -> FormRegistry:
    """Load and check every form; raise KnowledgeError listing all problems at once.

    reserved: the commands the bot's routes own (bot.core.context.command_names), which no form may take.
    """
    problems: list[str] = []
    files = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    if not files:
        problems.append(f"{directory}: no form files (*.toml) found")
    forms: dict[str, Form] = {}
    prefixes: dict[str, Path] = {}
    commands: dict[str, Path] = {}
    for path in files:
        form = _load_form(path, reserved, problems)
        if form is None:
            continue
        if form.prefix in prefixes:
            problems.append(f"{path}: prefix '{form.prefix}' is already used by {prefixes[form.prefix]}")
        prefixes[form.prefix] = path
        if form.command and form.command in commands:
            problems.append(f"{path}: command '/{form.command}' is already used by {commands[form.command]}")
        if form.command:
            commands[form.command] = path
        forms[form.kind] = form
    if problems:
        raise KnowledgeError(problems)
    return FormRegistry(forms)
