"""The whole form flow in the console shell, as `printf ... | madoguchi shell` runs it."""
from __future__ import annotations

import asyncio
import io
from pathlib import Path

from bot.app import open_app
from bot.channels.console.shell import ConsoleShell
from bot.config import Config
from form_chat import Clock
from shared import answering_for

SCRIPT = """/lang ko
/lecture
한국대학교
일본어학과
김민지
minji@example
minji@example.ac.kr
2026-12-03
2
일본의 축제
30
/skip
2
8
45
1
"""


def test_korean_lecture_request_in_the_console_shell(forms_config: Config, tmp_path: Path) -> None:
    out = io.StringIO()

    async def scenario() -> None:
        async with open_app(forms_config, Clock(), answering_for(forms_config)) as app:  # 1 June 2026
            shell = ConsoleShell(app.inbox, "7", tmp_path / "exports", out)
            app.outbox.register(shell)
            await shell.run(io.StringIO(SCRIPT))

    asyncio.run(scenario())
    text = out.getvalue()
    assert "이메일 주소 형식이 아닙니다" in text
    # the choice offered as numbered buttons, and "2" pressed the second one
    assert "  [1] 대면 (강의실 방문)\n  [2] 온라인\n  [3] 어느 쪽이든 좋음" in text
    assert "• 형식: 온라인" in text
    assert "  [1] ✅ 제출하기\n  [2] ✏️ 답변 수정하기\n  [3] ✖ 취소" in text
    assert "• 학생 수: 45" in text  # edited from the summary: [2] edit, [8] students
    assert "접수 번호: L-2026-0001" in text
    assert "[to staff] 🆕 新しい申し込み L-2026-0001" in text


def test_export_in_the_console_saves_the_file_and_prints_its_path(queue_config: Config, tmp_path: Path) -> None:
    out = io.StringIO()

    async def scenario() -> None:
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            shell = ConsoleShell(app.inbox, "1", tmp_path / "exports", out)
            app.outbox.register(shell)
            await shell.run(io.StringIO("/export\n"))

    asyncio.run(scenario())
    [saved] = (tmp_path / "exports").iterdir()
    assert f"[file saved: {saved}]" in out.getvalue()
    assert saved.name.startswith("madoguchi-requests-") and saved.read_bytes().startswith("\ufeffref,".encode())
