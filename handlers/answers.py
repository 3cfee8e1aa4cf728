"""Free-text questions answered from the knowledge base, and the topic buttons under answers."""

from __future__ import annotations

from bot.answering.knowledge import Topic
from bot.answering.smalltalk import SmallTalk, classify
from bot.answering.text import has_words
from bot.core.context import Context
from bot.messages import Button, Reply
from bot.unanswered.watch import Asked

MAX_PENDING_CHARS = 4000
MAX_NAME_CHARS = 40  # a name quoted back from the message: a pasted run of katakana is not a name


def topic_button(ctx: Context, topic: Topic, prefix: str = "") -> Button:
    return Button(prefix + topic.local(ctx.lang).title, f"t:{topic.id}")


def popular_buttons(ctx: Context) -> list[Button]:
    kb = ctx.deps.knowledge
    return [topic_button(ctx, kb.topics[t]) for t in ctx.deps.config.popular_topics if t in kb.topics]


def answer_reply(ctx: Context, topic: Topic) -> Reply:
    local = topic.local(ctx.lang)
    text = ctx.deps.renderer.render_once(
        ctx.lang,
        "answer",
        topic.id,
        lambda: {
            "title": local.title,
            "answer": local.answer,
            "citation": ctx.deps.knowledge.citation(topic, ctx.lang),
        },
    )
    buttons = []
    if topic.request:
        buttons.append(Button(ctx.label("apply"), f"f:{topic.request}"))
    kb = ctx.deps.knowledge
    buttons += [topic_button(ctx, kb.topics[r], ctx.label("related_prefix")) for r in topic.related]
    return ctx.reply(text, buttons)


def unknown_reply(ctx: Context, question: str) -> Reply:
    ctx.state.pending_question = question[:MAX_PENDING_CHARS]
    return ctx.say("unknown", [Button(ctx.label("ask_staff"), "ask")])


def smalltalk_reply(ctx: Context, talk: SmallTalk) -> Reply:
    if talk.kind == "greeting":  # a hello gets what the bot can do, as /start gives it
        return ctx.say("start", popular_buttons(ctx))
    buttons = popular_buttons(ctx) if talk.kind in ("laughter", "sad", "bot") else []
    return ctx.say("smalltalk", buttons, kind=talk.kind)


async def free_text(ctx: Context) -> list[Reply]:
    text = ctx.msg.text.strip()
    if not has_words(text) and classify(text) is None:
        return [ctx.say("no_words", popular_buttons(ctx))]
    understood = await ctx.deps.questions.understand(text)
    match = understood.match
    kb = ctx.deps.knowledge
    if understood.kind == "smalltalk" and understood.smalltalk is not None:
        return [smalltalk_reply(ctx, understood.smalltalk)]
    # a knowledge question: Core counts it, and keeps it if it went unanswered (bot/unanswered/)
    ctx.asked = Asked(text, understood.kind, match.score, match.ranked[:3], match.alternatives)
    if understood.kind == "answer" and match.topic_id is not None:  # an "answer" always names its topic
        ctx.state.pending_question = None
        return [answer_reply(ctx, kb.topics[match.topic_id])]
    if understood.kind == "partial" and match.topic_id is not None:
        # the right topic, but what is asked is not in the sources: say so first, then what they say
        ctx.state.pending_question = text[:MAX_PENDING_CHARS]
        # what is asked and not stated: the aspects, then the names the topic never mentions ("JNTO")
        missing = [ctx.label(f"aspect_{name}") for name in understood.missing]
        # … whose phone number or e-mail it asks: "JETAA 한국지부 연락처" of the JETAA page
        named = "unstated_contact" if match.asks_contact else "unstated_name"
        missing += [ctx.label(named, name=name[:MAX_NAME_CHARS]) for name in match.unstated]
        topic = kb.topics[match.topic_id]
        said = ctx.say(
            "answer_partial",
            [Button(ctx.label("ask_staff"), "ask")],
            missing=missing,
            title=topic.local(ctx.lang).title,
        )
        return [said, answer_reply(ctx, topic)]
    if match.decision == "suggest":
        ctx.state.pending_question = text[:MAX_PENDING_CHARS]
        buttons = [topic_button(ctx, kb.topics[t]) for t in match.alternatives]
        buttons.append(Button(ctx.label("none_of_these"), "ask"))
        return [ctx.say("suggest", buttons, transient=True)]
    return [unknown_reply(ctx, text)]


async def on_topic_button(ctx: Context) -> list[Reply]:
    topic = ctx.deps.knowledge.get(ctx.payload_arg)
    if topic is None:
        return [ctx.say("unknown_topic")]
    return [answer_reply(ctx, topic)]
