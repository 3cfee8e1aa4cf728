"""Photos people send for a request, saved under the attachments folder, for every channel.

Each file is named after its owner ("telegram-7201-…"), so /forget and the retention purge find
every photo of a person, and a per-person quota keeps one sender from filling the disk.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from bot.messages import ConversationKey, Photo

SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def owner_of(key: ConversationKey) -> str:
    """The file-name prefix of a person's photos."""
    return _SAFE.sub("_", f"{key.channel}-{key.user_id}")[:80]


def photos_of(folder: Path, owner: str) -> list[Path]:
    return [p for p in folder.glob(f"{owner}-*") if p.is_file()] if folder.is_dir() else []


class Attachments:
    def __init__(self, folder: Path, max_bytes: int, quota_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.quota_bytes = quota_bytes  # all of one person's photos together

    def too_big(self, size: int | None) -> bool:
        return bool(size) and size is not None and size > self.max_bytes

    async def save(self, photo: Photo, owner: str, name: str, suffix: str, content: bytes) -> Photo:
        """The photo with saved_path set; kept by its id only (no saved_path) when it is over the
        size limit or its owner's quota."""
        if len(content) > self.max_bytes:
            return Photo(photo.file_id, "", len(content))
        used = sum(p.stat().st_size for p in photos_of(self.folder, owner))
        if used + len(content) > self.quota_bytes:
            return Photo(photo.file_id, "", len(content))
        suffix = suffix.lower() if suffix.lower() in SUFFIXES else ".jpg"
        dest = self.folder / f"{owner}-{_SAFE.sub('_', name)[:100]}{suffix}"
        await asyncio.to_thread(self._write, dest, content)
        return Photo(photo.file_id, str(dest), len(content))

    def _write(self, dest: Path, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        partial.write_bytes(content)
        os.replace(partial, dest)  # never leave a half-written file under the final name
