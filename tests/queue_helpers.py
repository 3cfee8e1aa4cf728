"""Helpers for the queue tests: talk to the real core as console users, submit like a form does."""
from __future__ import annotations

import uuid
from typing import Any

from bot.core.routing import Core
from bot.messages import ConversationKey, Incoming, Reply

PREFIX = {"lecture": "L", "omatsuri": "O", "dorandoran": "D", "question": "Q"}

LECTURE_KO = {
    "university": "한국대학교",
    "department": "일본어학과",
    "contact_person": "김민지",
    "email": "minji@example.ac.kr",
    "preferred_dates": ["2026-05-12", "2026-05-19"],
    "format": "onsite",
    "topics": "일본의 지방자치, 관광",
    "students": 40,
}


async def submit(core: Core, user: str, kind: str = "lecture", answers: dict[str, Any] | None = None,
                 lang: str = "ko", channel: str = "console") -> str:
    submitted = await core.deps.requests.submit(
        token=uuid.uuid4().hex, kind=kind, prefix=PREFIX[kind], answers=answers or dict(LECTURE_KO),
        requester=ConversationKey(channel, user, user), lang=lang)
    return submitted.ref


async def say(core: Core, user: str, text: str, channel: str = "console") -> list[Reply]:
    return await core.handle(Incoming(channel, user, user, text=text))


async def press(core: Core, user: str, payload: str, channel: str = "console") -> list[Reply]:
    return await core.handle(Incoming(channel, user, user, payload=payload))


def to(replies: list[Reply], channel: str, chat_id: str) -> list[Reply]:
    return [r for r in replies if (r.to.channel, r.to.chat_id) == (channel, chat_id)]
