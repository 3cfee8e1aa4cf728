"""A question typed in the middle of a form is answered, then the form's question is asked again.

"Wait, is the lecture in Korean or Japanese?" typed where the contact person's name is asked is
a question, not a name. It is taken as one only when it both looks like a question (a question
mark, a question ending, a question word first) and the knowledge base has a clear answer, and:

- in short free-text fields (names, a university, a period) before the answer is checked: a
  question is never what such a field asks for;
- in fields a validator decides (e-mail, number, dates, choices) only when the validator refused
  it: whatever passes the check is the answer;
- never in long texts (topics wished, a manuscript, notes, the question for the staff), where a
  question may well be the answer.
"""

from __future__ import annotations

import re

from bot.conversation import FormProgress
from bot.core.context import Context
from bot.forms.model import Field, Form
from bot.forms.validators import Invalid, validate
from bot.messages import Reply
from bot.unanswered.watch import Asked
from handlers import form_flow as flow
from handlers.answers import answer_reply

BEFORE_CHECK = ("text", "name")
AFTER_REFUSAL = ("email", "phone", "integer", "date", "dates", "choice", "choices")

_QUESTION = re.compile(
    r"[?？]"
    r"|(?:까|나요|가요|ですか|ますか|でしょうか|かな)[\s.。!！~]*$"
    r"|^\s*(?:wait[\s,]+)?(?:how|what|where|when|which|who|why|is|are|do|does|can|could|will|would)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    return bool(_QUESTION.search(text.strip()))


def _takes_questions(ctx: Context, f: Field) -> bool:
    if f.prefill:  # the field that carries the question for the staff
        return False
    if f.type in BEFORE_CHECK:
        return True
    if f.type in AFTER_REFUSAL:
        return isinstance(validate(f, ctx.msg.text, ctx.msg.photo, flow.today(ctx)), Invalid)
    return False


def answer_aside(ctx: Context, form: Form, fs: FormProgress) -> list[Reply] | None:
    """The answer and the question again, or None when the text is the field's answer."""
    f = form.field(fs.at)
    text = ctx.msg.text.strip()
    if f is None or ctx.msg.photo is not None or not text or not looks_like_question(text):
        return None
    if not _takes_questions(ctx, f):
        return None
    match = ctx.deps.matcher.match(text)
    topic = ctx.deps.knowledge.get(match.topic_id) if match.decision == "answer" and match.topic_id else None
    if topic is None:
        return None  # no clear answer: the field's own check decides (a name refuses "?")
    ctx.asked = Asked(text, "answer", match.score, match.ranked[:3])  # a question answered: counted
    return [answer_reply(ctx, topic), flow.ask(ctx, form, fs, note=ctx.label("form_continue"))]
