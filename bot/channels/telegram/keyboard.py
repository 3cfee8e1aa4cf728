"""Inline keyboards: short labels side by side, built once and reused."""

from __future__ import annotations

import unicodedata

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Button
from bot.storage.payloads import PayloadTable

PACK_WIDTH = 14  # labels this wide or less may share a row (CJK characters count 2)
PACK_PER_ROW = 3
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
# Built keyboards kept for reuse: an answer's buttons are the same for everyone who asks about that
# topic in that language, and building python-telegram-bot's button objects takes ~60 us each
# time. Topics x languages fit with room for form keyboards; the oldest go first.
CACHE_SIZE = 1024


def label_width(label: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)


def layout_rows(labels: list[str]) -> list[list[int]]:
    """Indexes of buttons per row: short labels side by side (up to three), long ones alone."""
    rows: list[list[int]] = []
    short = [label_width(label) <= PACK_WIDTH for label in labels]
    for i in range(len(labels)):
        last = rows[-1] if rows else None
        if short[i] and last and len(last) < PACK_PER_ROW and all(short[j] for j in last):
            last.append(i)
        else:
            rows.append([i])
    return rows


class Keyboards:
    def __init__(self, payloads: PayloadTable) -> None:
        self.payloads = payloads
        self.built: dict[tuple[Button, ...], InlineKeyboardMarkup] = {}

    async def markup(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        markup = self.built.get(buttons)
        if markup is not None:  # its long payloads are in the token table already: it is never purged
            return markup
        data = [await self.payloads.encode(b.payload, MAX_CALLBACK_BYTES) for b in buttons]
        rows = layout_rows([b.label for b in buttons])
        markup = InlineKeyboardMarkup(  # immutable, so one object can go out to many chats
            [[InlineKeyboardButton(buttons[i].label, callback_data=data[i]) for i in row] for row in rows]
        )
        if len(self.built) >= CACHE_SIZE:
            del self.built[next(iter(self.built))]
        self.built[buttons] = markup
        return markup
