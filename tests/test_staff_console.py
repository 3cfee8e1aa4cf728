"""The whole round trip in one console shell, switching between user and staff with /as."""
from __future__ import annotations

import asyncio
import io

from bot.app import open_app
from bot.channels.console.shell import ConsoleShell
from queue_helpers import submit
from shared import answering_for


def test_one_shell_user_and_staff_see_every_step(queue_config, tmp_path):
    async def scenario() -> str:
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            out = io.StringIO()
            shell = ConsoleShell(app.inbox, "7", tmp_path / "exports", out=out)
            app.outbox.register(shell)
            ref = await submit(core, "7", lang="ko")
            script = "\n".join([
                "/lang ko", "/as staff 1", "/lang en", "/queue", "1", "1",
                f"/reply {ref} See you on 12 May.", "/as user 7", "감사합니다!", "3", "/as staff 1", f"/close {ref}",
                "/as user 7", "/status", "/as user 8", f"/claim {ref}",
            ]) + "\n"
            await shell.run(io.StringIO(script))
            return ref, out.getvalue()

    ref, text = asyncio.run(scenario())
    transcript = text.split("\n1> 1\n", 2)
    assert len(transcript) == 3  # the list's button, then the detail's Claim button, pressed by number
    # staff's notices to user 7 wait until user 7 types again in this shell, then come first
    staff_side, user_side = text.split("7> 감사합니다!\n", 1)
    assert "[kept for console:7 until they next write here]" in staff_side
    claimed = f"출장 강좌 신청(접수 번호 {ref})에 대해 직원이 처리를 시작했습니다"
    assert claimed not in staff_side and claimed in user_side
    assert user_side.index(claimed) < user_side.index("See you on 12 May.") < user_side.index(f"[to staff] 💬 {ref}")
    # "감사합니다!" is answered as what it says, with a button to send it to the staff instead: [3],
    # after the kept notice's own two
    thanked, forwarded = user_side.split("7> 3\n", 1)
    assert "[to staff]" not in thanked and f"[3] ✉️ 직원에게 보내기({ref})" in thanked
    assert "감사합니다!" in forwarded.split("[to staff]", 1)[1]
    closing, status = user_side.split("7> /status\n", 1)
    done = f"출장 강좌 신청(접수 번호 {ref}) 처리가"
    assert done not in closing and status.index(done) < status.index("상태: 완료")
    assert "職員のみ" in text.rsplit("8> /claim", 1)[1]  # a newcomer is refused in the default language
