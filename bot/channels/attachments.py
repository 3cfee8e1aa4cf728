"""Photos people send, saved under the attachments folder within the size limit, for every channel."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from bot.messages import Photo

SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


class Attachments:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    def too_big(self, size: int | None) -> bool:
        return bool(size) and size is not None and size > self.max_bytes

    async def save(self, photo: Photo, name: str, suffix: str, content: bytes) -> Photo:
        """The photo with saved_path set; unchanged but for its size if over the limit."""
        if len(content) > self.max_bytes:
            return Photo(photo.file_id, "", len(content))
        suffix = suffix.lower() if suffix.lower() in SUFFIXES else ".jpg"
        dest = self.folder / f"{_SAFE.sub('_', name)[:100]}{suffix}"
        await asyncio.to_thread(self._write, dest, content)
        return Photo(photo.file_id, str(dest), len(content))

    def _write(self, dest: Path, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        partial.write_bytes(content)
        os.replace(partial, dest)  # never leave a half-written file under the final name
