"""A form's language follows the person filling it, without being flipped by what they type.

A form starts in the user's language (handlers/forms.py active() then keeps it for every step).
Each typed answer may move it, by these rules, so the prompts, the stored request and every later
notice are in the language the user ended in:

- /lang wins: a language the user chose is never changed by what they type.
- A plain sentence in another language switches at once ("온라인으로 해 주세요" in a Japanese
  form, "online please" in a Korean one): bot/core/language.py sentence_language.
- Anything else in another language (a short answer, a phrase) switches only when the next answer
  is in that language too: one word in Korean may be a Korean name, two answers in a row are a
  Korean writer.
- Names, numbers and dates count only as sentences: a Korean university's name or a Japanese
  town's name says nothing of the writer's language, however many of them come in a row. E-mail
  addresses and phone numbers never count.
- Long texts count only as answers in a row, never at once: a manuscript in Japanese is welcome
  in a Korean form (the source says so) without meaning the writer reads Japanese.
- An answer in the form's own language clears what was seen.
"""

from __future__ import annotations

from bot.answering.text import detect_language
from bot.conversation import FormProgress
from bot.core.context import Context
from bot.core.language import sentence_language
from bot.forms.model import Form

SILENT_TYPES = ("email", "phone")
SENTENCE_ONLY_TYPES = ("name", "integer", "date", "dates")
NEVER_AT_ONCE_TYPES = ("long_text",)


def follow(ctx: Context, form: Form, fs: FormProgress) -> None:
    """Before a typed answer is taken: move the form (and this reply) to the user's language."""
    if ctx.state.lang or ctx.msg.payload is not None:
        return
    text = ctx.msg.text.strip()
    if not text or text.startswith("/"):
        return
    field = form.field(fs.at)  # None on the summary or the field picker: text typed there counts too
    ftype = field.type if field is not None else "text"
    if ftype in SILENT_TYPES:
        return
    sentence = sentence_language(text)
    seen = sentence or detect_language(text)
    if seen is None:  # digits, emoji: no sign either way
        return
    if seen == fs.lang:
        fs.lang_pending = ""
        return
    at_once = sentence is not None and ftype not in NEVER_AT_ONCE_TYPES
    if not at_once:
        if sentence is None and ftype in SENTENCE_ONLY_TYPES:
            return
        if fs.lang_pending != seen:
            fs.lang_pending = seen
            return
    fs.lang, fs.lang_pending = seen, ""
    ctx.lang = ctx.state.seen_lang = seen
