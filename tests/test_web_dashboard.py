"""The console's dashboard and its list of what the bot could not answer, over plain HTTP, on the
real bot: figures drawn from requests filed and worked through the chat and the console."""
from __future__ import annotations

import math
import re
import tomllib
from html import unescape
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.web.charts import Series, bar_chart, nice_ceiling
from fake_telegram import user
from test_web_console import ask_staff, run
from web_harness import Console


def test_a_chart_escapes_every_text_and_scales_to_its_highest_bar() -> None:
    svg = str(bar_chart(["<b>w1</b>", "w2"], [Series("a&b <script>", [3, 7], "s1")], title='"t" <x>'))
    assert "<script>" not in svg and "<b>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;w1" in svg
    assert 'aria-label="&#34;t&#34; &lt;x&gt;"' in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 2 and abs(heights[1] / heights[0] - 7 / 3) < 0.02  # bars in proportion
    assert ">10<" in svg  # the axis tops at the next round number above 7
    stacked = str(bar_chart(["w"], [Series("a", [2], "s1"), Series("b", [None], "s2")], title="t", stacked=True))
    assert stacked.count("<rect") == 1  # no data draws no bar (not a zero-height one)


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
def test_the_axis_top_is_a_round_number_at_least_the_value(value: float) -> None:
    top = nice_ceiling(value)
    assert value <= top < value * 5 + 1e-9
    mantissa = top / 10 ** math.floor(math.log10(top) + 1e-12)
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-9, (value, top)


def test_the_dashboard_counts_what_happened_this_week(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        first = await ask_staff(console, 7801, "Can we visit the office next month?")
        await ask_staff(console, 7802, "Do you have Japanese pamphlets?")
        staff = console.staff
        await staff.post(f"/staff/r/{first}/act", {"do": "claim"})
        await staff.post(f"/staff/r/{first}/act", {"do": "reply", "text": "Yes, any weekday."})
        await staff.post(f"/staff/r/{first}/act", {"do": "close"})
        for uid, text in [(7803, "JET 프로그램이 뭐예요?"), (7804, "사무소 와이파이 비밀번호가 뭐예요?")]:
            mark = console.telegram.mark()
            await console.telegram.send_text(user(uid, "Min", "ko"), text)
            await console.telegram.next_to(uid, after=mark)
        await console.bot.service.app.core.drain()
        status, page = await staff.get("/staff/dashboard?weeks=4")
        assert status == 200 and page.count("<svg") == 4
        rows = {
            unescape(re.sub("<[^>]+>", "", m)).strip()
            for m in re.findall(r"<tr><td>.*?</tr>", page, flags=re.S)
        }
        question_title = "Question for the staff"
        assert any(r.endswith("2") for r in rows if "/" in r[:5]), rows  # this week: two requests
        assert f"{question_title}: 2" in unescape(page)  # the bar's hover text
        assert any(r.startswith("한국어") and r.replace(" ", "").startswith("한국어11") for r in rows), " | ".join(sorted(rows))
        # one of two open requests is closed: one open, no staff reply yet
        assert any(r.startswith("0–1 d") and r.endswith("11") for r in rows), rows
        status, page = await staff.get("/staff/dashboard?weeks=<script>")
        assert status == 200 and "<script>" not in page  # an unknown period: the default

    run(tmp_path, body)


def test_what_the_bot_could_not_answer_is_listed_and_becomes_toml_or_a_request(tmp_path: Path) -> None:
    async def body(console: Console) -> None:
        asker = user(7811, "Aoi", "en")
        for text in ["What is the wifi password of your office?", "what's the wifi password at the office",
                     "<b>How much does parking cost near the office?</b>"]:
            mark = console.telegram.mark()
            await console.telegram.send_text(asker, text)
            await console.telegram.next_to(7811, after=mark)
        await console.bot.service.app.core.drain()
        staff = console.staff
        status, page = await staff.get("/staff/unanswered?weeks=4&lang=en")
        assert status == 200
        assert "&lt;b&gt;How much does parking cost" in page and "<b>How much" not in page
        groups = re.findall(r'<section class="card group" id="g(\d+)">', page)
        assert len(groups) == 2, page  # the two wifi questions are one group
        key = next(k for k in groups if "wifi" in page.split(f'id="g{k}"')[1].split("</section>")[0])
        assert '<span class="badge">2</span>' in page.split(f'id="g{key}"')[1].split("</section>")[0]
        status, lines_page = await staff.get(f"/staff/unanswered/{key}?topic=seoul.office")
        assert status == 200 and "knowledge/topics/seoul.office.toml" in lines_page
        lines = unescape(re.search(r'<pre class="pre toml">(.*?)</pre>', lines_page, flags=re.S).group(1))
        tomllib.loads("questions = [\n" + lines + "]")  # pasted inside the array, it is valid TOML
        assert "wifi" in lines
        assert (await staff.get(f"/staff/unanswered/{key}?topic=no.such.topic"))[0] == 404
        entry = re.search(r'action="/staff/unanswered/(\d+)/ask"', page.split(f'id="g{key}"')[1]).group(1)
        status, location = await staff.post(f"/staff/unanswered/{entry}/ask", {})
        assert status == 303 and location.startswith("/staff/r/")
        ref = location.rsplit("/", 1)[1]
        request = await console.bot.service.app.requests.get(ref)
        assert request is not None and request.chat_id == "7811" and "wifi" in str(request.answers)
        mark = console.telegram.mark()
        await staff.post(f"/staff/r/{ref}/act", {"do": "claim"})
        await staff.post(f"/staff/r/{ref}/act", {"do": "reply", "text": "It is on the wall."})
        told = await console.telegram.wait_for(
            lambda s: s.chat_id == 7811 and s.index >= mark and "It is on the wall." in s.text, 1
        )
        assert told  # the person who asked hears back on their own channel

    run(tmp_path, body)
