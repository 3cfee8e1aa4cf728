"""The whole round trip in one console shell, switching between user and staff with /as."""
from __future__ import annotations

import asyncio
import io

from bot.app import open_app
from bot.channels.console import ConsoleShell
from queue_helpers import submit


def test_one_shell_user_and_staff_see_every_step(queue_config):
    async def scenario() -> str:
        async with open_app(queue_config) as core:
            out = io.StringIO()
            shell = ConsoleShell(core, "7", out=out)
            ref = await submit(core, "7", lang="ko")
            script = "\n".join([
                "/lang ko", "/as staff 1", "/lang en", "/queue", "1", "1",
                f"/reply {ref} See you on 12 May.", "/as user 7", "감사합니다!", "/as staff 1", f"/close {ref}",
                "/as user 7", "/status", "/as user 8", f"/claim {ref}",
            ]) + "\n"
            await shell.run(io.StringIO(script))
            return ref, out.getvalue()

    ref, text = asyncio.run(scenario())
    transcript = text.split("\n1> 1\n", 2)
    assert len(transcript) == 3  # the list's button, then the detail's Claim button, pressed by number
    assert f"[to console:7] 출장 강좌(出前講座) 신청(접수번호 {ref})을 직원이 처리하기 시작했습니다." in text
    assert "[to console:7] " in text and "See you on 12 May." in text
    assert f"[to staff:queue] 💬 {ref}" in text and "감사합니다!" in text
    assert f"[to console:7] 출장 강좌(出前講座) 신청(접수번호 {ref})이 완료되었습니다." in text
    assert "상태: 완료" in text
    assert "職員のみ" in text.rsplit("8> /claim", 1)[1]  # a newcomer is refused in the default language
