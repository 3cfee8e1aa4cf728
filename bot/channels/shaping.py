"""Fitting neutral replies to a channel's limits (bot/core/channel.py `Limits`).

Every channel uses these: long text split at paragraph breaks, else line breaks, else anywhere;
at most `max_buttons` buttons (the rest listed in the text, since no channel may lose them
silently); labels cut to `max_label`. Lengths are measured in UTF-16 code units, which is how
Telegram and LINE both count: an emoji counts twice, and we stay under the limit rather than have
a long answer refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TypeVar

from bot.core.channel import Limits
from bot.messages import Button, Reply

ELLIPSIS = "…"
T = TypeVar("T")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at paragraphs, else lines, else anywhere."""
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    for chunk in _pack(text.split("\n\n"), "\n\n", limit):
        if utf16_len(chunk) <= limit:
            parts.append(chunk)
            continue
        for line_chunk in _pack(chunk.split("\n"), "\n", limit):
            parts.extend([line_chunk] if utf16_len(line_chunk) <= limit else _hard_split(line_chunk, limit))
    return [p for p in parts if p.strip()] or _hard_split(text, limit)


def _pack(pieces: list[str], sep: str, limit: int) -> list[str]:
    """Greedily join consecutive pieces with `sep` while they fit; an oversized piece stays alone."""
    out: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{sep}{piece}" if current else piece
        if current and utf16_len(candidate) > limit:
            out.append(current)
            current = piece
        else:
            current = candidate
    if current:
        out.append(current)
    return out


def _hard_split(text: str, limit: int) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:  # by code point, so a surrogate pair is never cut in half
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > limit:
            out.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        out.append("".join(current))
    return out


def cut_label(label: str, limit: int) -> str:
    if utf16_len(label) <= limit:
        return label
    out, size = [], 0
    for ch in label:
        width = 2 if ord(ch) > 0xFFFF else 1
        if size + width > limit - 1:
            break
        out.append(ch)
        size += width
    return "".join(out) + ELLIPSIS


def fit(reply: Reply, limits: Limits) -> tuple[list[str], tuple[Button, ...]]:
    """The reply as message texts within max_text, and the buttons the last one carries.

    Buttons beyond max_buttons cannot be shown; their labels are added to the text so that the
    reader at least learns of them (the commands behind most of them can be typed).
    """
    buttons = reply.buttons[: limits.max_buttons]
    text = reply.text
    dropped = reply.buttons[limits.max_buttons :]
    if dropped:
        text = text + "\n\n" + "\n".join(f"• {b.label}" for b in dropped)
    short = limits.max_label
    labelled = tuple(
        b
        if len(b.label) * 2 <= short or utf16_len(b.label) <= short  # most labels: no copy
        else replace(b, label=cut_label(b.label, short))
        for b in buttons
    )
    parts = split_text(text, limits.max_text) if text.strip() else []
    return parts, labelled


def batches(items: Sequence[T], size: int) -> list[list[T]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]
