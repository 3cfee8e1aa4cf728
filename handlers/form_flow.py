"""One form in progress: asking, checking and storing answers, going back, the summary.

The whole position is a FormProgress in ctx.state.form (Core saves it after every step), so a
restart resumes at the same question. `at` is a field name, SUMMARY or PICK (the field picker).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from bot.conversation import FormProgress
from bot.core.context import Context
from bot.forms.examples import fill
from bot.forms.model import Field, Form
from bot.forms.validators import Invalid, Valid, validate
from bot.messages import Button, Reply

SUMMARY = "@summary"
PICK = "@pick"
SHOWN_CHARS = 300  # a long answer is cut in the summary; it is stored whole
STAFF_SHOWN_CHARS = 80


def now(ctx: Context) -> float:
    return ctx.deps.clock()


def today(ctx: Context) -> date:
    return ctx.deps.config.zone.today(now(ctx))


def new_state(ctx: Context, form: Form, prefill: dict[str, str]) -> FormProgress:
    answers: dict[str, Any] = {f.name: prefill[f.prefill] for f in form.fields if f.prefill and prefill.get(f.prefill)}
    at = next((f.name for f in form.fields if f.name not in answers), SUMMARY)
    return FormProgress(
        kind=form.kind,
        token=uuid.uuid4().hex,
        lang=ctx.lang,
        answers=answers,
        at=at,
        started=now(ctx),
        touched=now(ctx),
    )


def current_field(form: Form, fs: FormProgress) -> Field:
    """The field being asked: whenever fs.at is neither SUMMARY nor PICK it names one of the form's fields.

    Only a form file edited under a form in progress (a field renamed or removed) breaks that;
    there is no question to ask then, so it is an error, not a reply."""
    f = form.field(fs.at)
    if f is None:
        raise LookupError(f"form {form.kind!r} has no field {fs.at!r} (its file changed under a form in progress?)")
    return f


def display(ctx: Context, f: Field, value: Any, limit: int = SHOWN_CHARS) -> str:
    """An answer as the reader sees it: option labels, dates joined, long text cut."""
    if value is None:
        return ctx.label("form_skipped")
    if f.type == "choice":
        option = f.option(value)
        return option.label[ctx.lang] if option else str(value)
    if f.type == "choices":
        return ", ".join(o.label[ctx.lang] for o in f.options if o.value in value)
    if f.type == "photo":
        return ctx.label("form_photos", n=len(value) if isinstance(value, list) else 1)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    if len(text) > limit:
        return text[:limit] + ctx.label("form_cut", n=f"{len(text):,}")
    return text


def rows(ctx: Context, form: Form, answers: dict[str, Any], limit: int = SHOWN_CHARS) -> list[tuple[str, str]]:
    return [(f.label[ctx.lang], display(ctx, f, answers.get(f.name), limit)) for f in form.fields]


def _field_buttons(ctx: Context, f: Field, fs: FormProgress) -> list[Button]:
    mark = ctx.label("form_checked")
    buttons = [
        Button((mark if o.value in fs.picked else "") + o.label[ctx.lang], f"fm:c:{f.name}:{o.value}")
        for o in f.options
    ]
    if (f.type == "photo" and f.multiple) or f.type == "choices":
        buttons.append(Button(ctx.label("form_done"), "fm:done"))
    if f.name in fs.answers and not fs.picked:
        buttons.append(Button(ctx.label("form_keep"), "fm:keep"))
    if f.optional:
        buttons.append(Button(ctx.label("form_skip"), "fm:skip"))
    if fs.editing:
        buttons.append(Button(ctx.label("form_to_summary"), "fm:summary"))
    # /back and /cancel are in the text, not buttons: in the console a typed number presses a
    # button, and "2" must stay a possible answer to "how many students?"
    return buttons


def ask(ctx: Context, form: Form, fs: FormProgress, *, intro: bool = False, error: str = "", note: str = "") -> Reply:
    """The current step again: a question, the summary or the field picker."""
    if fs.at == SUMMARY:
        return summary(ctx, form, fs, note=note or error)
    if fs.at == PICK:
        buttons = [Button(f.label[ctx.lang], f"fm:e:{f.name}") for f in form.fields]
        buttons.append(Button(ctx.label("form_to_summary"), "fm:summary"))
        return ctx.say("form_pick", buttons, transient=True, title=form.title[ctx.lang], note=note or error)
    f = current_field(form, fs)
    number = form.index(f.name) + 1
    current = display(ctx, f, fs.answers[f.name]) if f.name in fs.answers else ""
    prefilled = ""
    if intro:
        prefilled = "\n".join(
            display(ctx, p, fs.answers[p.name]) for p in form.fields if p.prefill and p.name in fs.answers
        )
    return ctx.say(
        "form_question",
        _field_buttons(ctx, f, fs),
        transient=True,
        title=form.title[ctx.lang],
        intro=intro,
        route=form.route.get(ctx.lang, "") if intro else "",
        number=number,
        total=len(form.fields),
        prompt=fill(f.prompt[ctx.lang], ctx.lang, today(ctx)),
        hint=fill(f.hint[ctx.lang], ctx.lang, today(ctx)),
        optional=f.optional,
        current=current,
        error=error,
        note=note,
        picked=display(ctx, f, fs.picked) if fs.picked else "",
        prefilled=prefilled,
        editing=fs.editing,
    )


def summary(ctx: Context, form: Form, fs: FormProgress, note: str = "") -> Reply:
    buttons = [
        Button(ctx.label("form_submit"), "fm:submit"),
        Button(ctx.label("form_edit"), "fm:edit"),
        Button(ctx.label("form_cancel"), "fm:cancel"),
    ]
    return ctx.say(
        "form_summary", buttons, transient=True, title=form.title[ctx.lang], rows=rows(ctx, form, fs.answers), note=note
    )


def error_text(ctx: Context, f: Field, problem: Invalid) -> str:
    """The field's own error message, then what exactly was wrong."""
    detail = ctx.label(f"err_{problem.reason}", **problem.details)
    error = fill(f.error[ctx.lang], ctx.lang, today(ctx))
    return f"{error}\n{detail}" if detail else error


def _next(form: Form, fs: FormProgress, name: str) -> str:
    """After answering `name`: back to the summary when editing, else the next question."""
    if fs.editing:
        return SUMMARY
    i = form.index(name) + 1
    return form.fields[i].name if i < len(form.fields) else SUMMARY


def store_answer(ctx: Context, form: Form, fs: FormProgress, f: Field, value: Any) -> Reply:
    fs.answers[f.name] = value
    fs.picked = []
    fs.at = _next(form, fs, f.name)
    if fs.at == SUMMARY:
        fs.editing = False
    return ask(ctx, form, fs)


def answer(ctx: Context, form: Form, fs: FormProgress) -> Reply:
    """Typed text or a photo as the answer to the current step."""
    msg = ctx.msg
    if fs.at in (SUMMARY, PICK):
        return ask(ctx, form, fs, note=ctx.label("form_use_buttons"))
    f = current_field(form, fs)
    result = validate(f, msg.text, msg.photo, today(ctx))
    if isinstance(result, Invalid):
        return ask(ctx, form, fs, error=error_text(ctx, f, result))
    assert isinstance(result, Valid)
    if f.type == "photo" and f.multiple:
        fs.picked.append(result.value)
        if len(fs.picked) < f.max_items:
            return ask(ctx, form, fs, note=ctx.label("form_photo_received", n=len(fs.picked)))
        return store_answer(ctx, form, fs, f, fs.picked)
    if f.type == "photo":
        result = Valid([result.value])
    return store_answer(ctx, form, fs, f, result.value)


def choose(ctx: Context, form: Form, fs: FormProgress, arg: str) -> Reply:
    """A choice button, "fm:c:<field>:<value>"; one from an older question only re-asks."""
    name, _, value = arg.partition(":")
    f = form.field(fs.at) if fs.at not in (SUMMARY, PICK) else None
    if f is None or f.name != name or f.option(value) is None:
        return ask(ctx, form, fs, note=ctx.label("form_stale"))
    if f.type == "choices":  # several: each button toggles, "done" stores them
        fs.picked = [v for v in fs.picked if v != value] + ([] if value in fs.picked else [value])
        return ask(ctx, form, fs)
    return store_answer(ctx, form, fs, f, value)


def done(ctx: Context, form: Form, fs: FormProgress) -> Reply:
    """ "Done" after sending photos or ticking several choices."""
    f = form.field(fs.at) if fs.at not in (SUMMARY, PICK) else None
    if f is None or f.type not in ("photo", "choices"):
        return ask(ctx, form, fs, note=ctx.label("form_stale"))
    if fs.picked:
        picked = fs.picked
        if f.type == "choices":  # in the form's order, not the order they were ticked
            picked = [o.value for o in f.options if o.value in picked]
        return store_answer(ctx, form, fs, f, picked)
    if f.optional:
        return store_answer(ctx, form, fs, f, None)
    return ask(ctx, form, fs, error=error_text(ctx, f, Invalid("need_photo" if f.type == "photo" else "empty")))


def keep(ctx: Context, form: Form, fs: FormProgress) -> Reply:
    f = form.field(fs.at) if fs.at not in (SUMMARY, PICK) else None
    if f is None or f.name not in fs.answers:
        return ask(ctx, form, fs, note=ctx.label("form_stale"))
    return store_answer(ctx, form, fs, f, fs.answers[f.name])


def skip(ctx: Context, form: Form, fs: FormProgress) -> Reply:
    f = form.field(fs.at) if fs.at not in (SUMMARY, PICK) else None
    if f is None:
        return ask(ctx, form, fs, note=ctx.label("form_use_buttons"))
    if not f.optional:
        return ask(ctx, form, fs, error=ctx.label("form_not_optional"))
    return store_answer(ctx, form, fs, f, None)


def back(ctx: Context, form: Form, fs: FormProgress) -> Reply:
    """/back: the previous question; from an edit or the field picker, the summary."""
    fs.picked = []
    if fs.at == PICK or fs.editing:
        fs.at, fs.editing = SUMMARY, False
        return ask(ctx, form, fs)
    if fs.at == SUMMARY:
        fs.at = form.fields[-1].name
        return ask(ctx, form, fs)
    i = form.index(fs.at)
    if i <= 0:
        return ask(ctx, form, fs, error=ctx.label("form_first"))
    fs.at = form.fields[i - 1].name
    return ask(ctx, form, fs)


def edit(ctx: Context, form: Form, fs: FormProgress, name: str) -> Reply:
    """ "Edit a field": first the picker, then that field, then back to the summary."""
    if fs.at not in (SUMMARY, PICK):
        return ask(ctx, form, fs, note=ctx.label("form_stale"))
    if not name:
        fs.at = PICK
        return ask(ctx, form, fs)
    if form.field(name) is None:
        return ask(ctx, form, fs, note=ctx.label("form_stale"))
    fs.at, fs.editing, fs.picked = name, True, []
    return ask(ctx, form, fs)


def to_summary(ctx: Context, form: Form, fs: FormProgress) -> Reply:
    missing = next((f.name for f in form.fields if f.name not in fs.answers), None)
    if missing:  # cannot happen from the buttons; a stale one must not jump past a question
        fs.at, fs.editing = missing, False
    else:
        fs.at, fs.editing = SUMMARY, False
    fs.picked = []
    return ask(ctx, form, fs)
