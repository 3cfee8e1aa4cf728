"""Screenshots of the staff console, for the README and for looking at it.

    .venv/bin/python tests/screenshots.py OUT_DIR [--lang ja|ko|en]

Starts the same Console as the tests (the real `madoguchi run` Service, Telegram on the fake
server), files a few requests in Japanese, Korean and English through the real chat path, works
some of them (claim, reply, note, close), asks the bot questions it cannot answer, then saves PNGs
of the queue, a request, the unanswered questions, the dashboard, the knowledge base and one of its
topics at desktop size (1280x900, whole page), and the queue and a request at phone size (390x844).
A page that does not answer 200 is skipped and said so (404: not built yet). Needs Debian's
chromium (and fonts-noto-cjk for ja/ko).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_harness import (  # noqa: E402
    DESKTOP,
    PHONE,
    Chromium,
    chromium_missing,
    file_request,
    horizontal_overflow,
    log_in,
    quick_web,
    wider_than_viewport,
)
from fake_telegram import user  # noqa: E402
from web_harness import Console  # noqa: E402

# (telegram user id, language, first name, command, answers): what people of the office's public send
REQUESTS = [
    (8101, "ja", "葵", "ask", ["来月、ソウル事務所を訪問して研修の相談をしたいのですが、平日の午後は空いていますか？",
                              "田中 葵", "aoi.tanaka@pref.example.lg.jp"]),
    (8102, "ko", "민지", "ask", ["일본 지자체와 교류 행사를 하려면 어떤 절차가 필요한가요? 담당 부서를 알려 주세요.",
                                "김민지", "minji.kim@univ.example.ac.kr"]),
    (8103, "en", "Emily", "ask", ["Could someone send us the English brochure about the JET Programme alumni network?",
                                  "Emily Carter", "emily.carter@example.org"]),
    (8104, "ja", "健", "ask", ["韓日祭りハンマダンのブース出展について、申し込みの締め切りを教えてください。",
                              "佐藤 健", "ken.sato@city.example.lg.jp"]),
    (8105, "ko", "서연", "ask", ["출장 강좌를 온라인으로 진행할 수 있나요? 학생은 약 40명입니다.", "이서연",
                                "seoyeon.lee@example.ac.kr"]),
]
# questions the bot has no topic for: what the unanswered page is about
UNANSWERED = [(8201, "ja", "駐車場はありますか？"), (8202, "ko", "사무실에 주차장이 있나요?"),
              (8203, "en", "Do you have parking for visitors?"), (8204, "ko", "외국인 등록증 갱신은 어디서 하나요?")]
# and questions it answers, so the dashboard has both kinds of bar
ANSWERED = [(8301, "ja", "JETプログラムとは何ですか？"), (8302, "ko", "출장 강좌는 무엇인가요?"),
            (8303, "en", "What is the Dorandoran SNS?"), (8304, "ja", "出前講座を申し込みたいです")]


async def fill(console: Console) -> list[str]:
    refs = []
    for uid, lang, name, command, answers in REQUESTS:
        refs.append(await file_request(console, uid, lang, command, answers, first_name=name))
    staff = console.staff  # "kim", logged in over HTTP: works some of them, so the pages show every state
    await staff.get("/staff/")
    await staff.post(f"/staff/r/{refs[0]}/act", {"do": "claim"})
    reply = ("お問い合わせありがとうございます。来月の平日午後でしたら、12日（火）または19日（火）の"
             "14時以降にお越しいただけます。ご都合をお知らせください。")
    await staff.post(f"/staff/r/{refs[0]}/act", {"do": "reply", "text": reply})
    await staff.post(f"/staff/r/{refs[0]}/act", {"do": "note", "text": "研修担当の朴さんに同席を依頼済み"})
    await staff.post(f"/staff/r/{refs[1]}/act", {"do": "claim"})
    await staff.post(f"/staff/r/{refs[2]}/act", {"do": "claim"})
    await staff.post(f"/staff/r/{refs[2]}/act", {"do": "reply", "text": "Thank you. We have sent the brochure."})
    await staff.post(f"/staff/r/{refs[2]}/act", {"do": "close"})
    for uid, lang, text in UNANSWERED + ANSWERED:
        mark = console.telegram.mark()
        await console.telegram.send_text(user(uid, "User", lang), text)
        await console.telegram.next_to(uid, after=mark)
    await console.bot.service.app.core.drain()  # the questions' counts are written beside the answers
    return refs


async def overflow_note(page: Any) -> str:
    width, inner = await horizontal_overflow(page)
    return f"; WIDER THAN THE SCREEN {width}>{inner}: {await wider_than_viewport(page)}" if width > inner else ""


async def shoot(out: Path, lang: str) -> list[str]:
    said = []
    with tempfile.TemporaryDirectory() as tmp:
        async with Console(Path(tmp), web=quick_web(5)) as console, Chromium() as chromium:
            refs = await fill(console)
            page, watched = await chromium.page(viewport=DESKTOP)
            await log_in(page, console, "sato", admin=True, lang=lang)
            pages = [("queue", "/staff/"), ("request", f"/staff/r/{refs[0]}"), ("unanswered", "/staff/unanswered"),
                     ("dashboard", "/staff/dashboard"), ("knowledge", "/staff/knowledge"),
                     ("topic", "/staff/knowledge/seoul.lecture")]
            for name, path in pages:
                response = await page.goto(f"{console.base}{path}")
                status = response.status if response else 0
                if status != 200:  # 404: not built yet; anything else: broken, said below too
                    if status == 404:
                        watched.expect(404, f"{console.base}{path}")
                    why = "not built yet" if status == 404 else "BROKEN"
                    said.append(f"skipped {name}: {path} answers {status} ({why})")
                    continue
                file = out / f"{name}-{lang}-desktop.png"
                await page.screenshot(path=str(file), full_page=True)
                said.append(f"{file} ({status}){await overflow_note(page)}")
            phone, phone_watched = await chromium.page(viewport=PHONE)
            await log_in(phone, console, "lee", lang=lang)
            for name, path in [("queue", "/staff/"), ("request", f"/staff/r/{refs[0]}")]:
                await phone.goto(f"{console.base}{path}")
                file = out / f"{name}-{lang}-phone.png"
                await phone.screenshot(path=str(file), full_page=True)
                said.append(f"{file}{await overflow_note(phone)}")
            for w in (watched, phone_watched):
                problems = w.errors + w.dialogs + [b for b in w.bad_answers if b not in w.expected]
                said.extend(f"browser: {p}" for p in problems)
    return said


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    parser.add_argument("--lang", choices=["ja", "ko", "en"], default="ja", help="the staff member's language")
    args = parser.parse_args()
    missing = chromium_missing()
    if missing:
        print(f"cannot take screenshots: {missing} (apt-get install chromium fonts-noto-cjk)", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for line in asyncio.run(shoot(args.out, args.lang)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
