"""The free-text route: what a typed message (or a photo) is, in order of precedence.

1. An answer to a staff reply, when the requester said so (the "Answer" button, or their app's
   reply on the bot's message), goes into that request (handlers/requester.py answer_back).
2. With a form open, it is the answer to the open question (handlers/form_flow.py), in the
   language the user writes in (handlers/form_language.py); a question typed there instead is
   answered and the form's question asked again (handlers/form_aside.py).
3. A plain wish to apply ("出前講座を申し込みたい") starts the form of the topic it names.
4. Otherwise it is a question for the knowledge base (handlers/answers.py).
While a staff reply awaits an answer, 3 and 4 add a button that sends the message to the staff
under that reference instead (requester.offer_to_file): the bot does not guess which was meant.
"""

from __future__ import annotations

import dataclasses

from bot.answering.intent import wants_to_apply
from bot.conversation import FormProgress
from bot.core.context import Context
from bot.forms.model import Form
from bot.messages import Reply
from handlers import answers, form_aside, form_language, forms, requester
from handlers import form_flow as flow


def _kind_for_intent(ctx: Context, text: str) -> str | None:
    match = ctx.deps.matcher.match(text)
    answered = match.topic_id if match.decision == "answer" else None  # an "answer" always names its topic
    candidates = [answered] if answered is not None else list(match.alternatives)
    for topic_id in candidates:
        topic = ctx.deps.knowledge.get(topic_id)
        if topic and topic.request in ctx.deps.forms:
            return topic.request
    return None


async def _keep_photo(ctx: Context, form: Form, fs: FormProgress) -> None:
    """A photo is saved only when the open question asks for one (and within the sender's quota)."""
    photo = ctx.msg.photo
    if photo is None or photo.saved_path or ctx.fetch_photo is None or fs.at in (flow.SUMMARY, flow.PICK):
        return
    if flow.current_field(form, fs).type == "photo":
        ctx.msg = dataclasses.replace(ctx.msg, photo=await ctx.fetch_photo(photo))


@forms.form_route
async def on_text(ctx: Context) -> list[Reply]:
    form, fs, notices = forms.active(ctx)
    answered = await requester.answer_back(ctx)
    if answered is not None:
        if fs is not None and form is not None:  # then back to the form being filled
            forms.touch(ctx, fs)
            answered = answered + [flow.ask(ctx, form, fs, note=ctx.label("form_continue"))]
        return notices + answered
    if fs is None or form is None:
        if ctx.msg.payload is None and wants_to_apply(ctx.msg.text):
            kind = _kind_for_intent(ctx, ctx.msg.text)
            if kind:
                started = forms.start(ctx, ctx.deps.forms[kind])
                return notices + started + await requester.offer_to_file(ctx, started_form=True)
        replies = await answers.free_text(ctx)
        return notices + replies + await requester.offer_to_file(ctx)
    fs.switch_to = None  # typing an answer means carrying on with this form
    if ctx.msg.payload is not None:  # a button of a kind nobody routes
        replies = [flow.ask(ctx, form, fs, note=ctx.label("form_stale"))]
    else:
        await _keep_photo(ctx, form, fs)
        form_language.follow(ctx, form, fs)
        replies = form_aside.answer_aside(ctx, form, fs) or [flow.answer(ctx, form, fs)]
    forms.touch(ctx, fs)
    return notices + replies
