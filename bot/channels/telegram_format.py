"""Pure shaping of neutral replies for Telegram's limits: message length and keyboard rows.

Telegram measures text in UTF-16 code units, so an emoji counts twice; we measure the same way
and stay under the limit rather than have a long answer refused.
"""
from __future__ import annotations

import unicodedata

MAX_MESSAGE = 4096   # sendMessage text limit
MAX_CAPTION = 1024   # sendDocument caption limit
PACK_WIDTH = 14      # labels this wide or less may share a row (CJK characters count 2)
PACK_PER_ROW = 3


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
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
    return [p for p in parts if p.strip()] or [text[:limit]]


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
