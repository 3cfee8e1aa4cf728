"""Wording a native reader would write, in every text the bot sends (issue 5)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.answering.knowledge import load_knowledge
from bot.core.context import Deps
from bot.core.routing import Core
from bot.forms.registry import load_forms
from bot.rendering.korean import josa, particle
from bot.rendering.renderer import TEMPLATE_DIR, Renderer
from handlers.routes import build_routes

REPO = Path(__file__).resolve().parent.parent
KB = load_knowledge(REPO / "knowledge", {p.stem for p in (REPO / "knowledge" / "forms").glob("*.toml")})
FORMS = load_forms(REPO / "knowledge" / "forms")


def texts(lang: str) -> dict[str, str]:
    """Every text the bot may send in one language: templates, labels, form texts, topic titles and answers."""
    out = {f"template {p.name}": p.read_text(encoding="utf-8") for p in (TEMPLATE_DIR / lang).glob("*.j2")}
    for path in TEMPLATE_DIR.glob("labels*.toml"):
        for key, value in tomllib.loads(path.read_text(encoding="utf-8")).get(lang, {}).items():
            out[f"label {key}"] = value
    for form in FORMS.values():
        out[f"form {form.kind} title"] = form.title[lang]
        out[f"form {form.kind} route"] = form.route.get(lang, "")
        for f in form.fields:
            for key in ("label", "prompt", "hint", "error"):
                out[f"form {form.kind}.{f.name} {key}"] = getattr(f, key)[lang]
            for o in f.options:
                out[f"form {form.kind}.{f.name} option {o.value}"] = o.label[lang]
    for topic in KB.topics.values():
        local = topic.local(lang)
        out[f"topic {topic.id} title"] = local.title
        out[f"topic {topic.id} answer"] = local.answer
    return out


def offending(lang: str, pattern: str) -> list[str]:
    return [where for where, text in texts(lang).items() if re.search(pattern, text)]


# -- Korean ----------------------------------------------------------------------------------


@pytest.mark.parametrize("word, pair, expected", [
    ("L-2026-0001", "을/를", "L-2026-0001을"), ("L-2026-0002", "을/를", "L-2026-0002를"),
    ("Q-2026-0003", "은/는", "Q-2026-0003은"), ("D-2026-0005", "이/가", "D-2026-0005가"),
    ("신청서", "을/를", "신청서를"), ("도란도란", "은/는", "도란도란은"), ("CLAIR", "이/가", "CLAIR이"),
    ("서울", "으로/로", "서울로"), ("출장 강좌 신청", "으로/로", "출장 강좌 신청으로"), ("크레아", "과/와", "크레아와"),
])
def test_korean_particles_follow_the_sound_before_them(word: str, pair: str, expected: str) -> None:
    assert josa(word, pair) == expected
    assert particle(f"'{word}'", pair) == expected[len(word):]  # a closing quote is skipped


def test_no_korean_text_writes_both_particles() -> None:
    assert offending("ko", r"[을은이과]\([를는가와]\)|\(으\)로") == []


def test_rendered_korean_picks_the_particle() -> None:
    renderer = Renderer()
    assert renderer.render("ko", "queue_done", action="claimed", ref="L-2026-0002", status="claimed",
                           erased=False, unreachable=False).startswith("L-2026-0002를 담당합니다.")
    switched = renderer.render("ko", "form_switch", current="출장 강좌 신청", new="도란도란 SNS 게재 신청",
                               answered=1, total=9)
    assert "'출장 강좌 신청'이 있습니다" in switched and "'도란도란 SNS 게재 신청'을 시작할까요?" in switched


def test_korean_uses_korean_bullets_quotes_and_one_register() -> None:
    assert offending("ko", r"(?m)^・") == []
    assert offending("ko", r"[「」『』]") == []
    assert offending("ko", r"주십시오") == []  # requests are written "…해 주세요" everywhere


def test_korean_names_the_office_one_way() -> None:
    assert offending("ko", r"CLAIR 서울사무소|클레어") == []
    # "크레아 서울" alone is the office's nickname; only names of things keep it (a seminar, the mail
    # magazine, the brochure's title)
    assert offending("ko", r"크레아 서울(?!사무소| 세미나| 메일 매거진| 2022)") == []


def test_korean_renders_demae_koza_and_the_festival_one_way() -> None:
    assert offending("ko", r"출강|출장 강의|데마에") == []
    assert offending("ko", r"오마쓰리|오마츠리|출전") == []
    menu = dict(Core(_deps_for_menu(), build_routes()).menu("requester", "ko"))
    assert menu["lecture"] == "출장 강좌 신청" and menu["omatsuri"] == "한일축제한마당 부스 참가 신청"
    renderer = Renderer()
    help_ = renderer.render("ko", "help", is_staff=False)
    start = renderer.render("ko", "start")
    for text in (help_, start):
        assert "출장 강좌" in text and "한일축제한마당(日韓交流おまつり) 부스 참가" in text
    omatsuri = KB.topics["seoul.omatsuri"].local("ko")
    assert omatsuri.title == "한일축제한마당(日韓交流おまつり in Seoul)" and "부스 참가" in omatsuri.answer
    assert KB.topics["seoul.lecture"].local("ko").title == "한국 대학 등을 찾아가는 출장 강좌"


def _deps_for_menu() -> Deps:
    """Just what Core.menu reads: the renderer and the forms (nothing else is touched)."""
    return Deps(config=None, store=None, knowledge=KB, matcher=None, questions=None, renderer=Renderer(),  # type: ignore[arg-type]
                forms=FORMS, requests=None, staff=None)  # type: ignore[arg-type]


# -- Japanese and English ------------------------------------------------------------------------


def test_japanese_spells_moushikomi_one_way_and_fixes_the_sources_typo() -> None:
    assert offending("ja", r"申込(?!み)|申込み") == []
    omatsuri = KB.topics["seoul.omatsuri"].local("ja").answer
    assert "ソウル・ジャパンクラブ（SJC）" in omatsuri and "プラブ" not in omatsuri


def test_english_wording() -> None:
    assert offending("en", r"[「」『』]") == []  # English quotes around Japanese text too
    lecture, dorandoran = FORMS["lecture"], FORMS["dorandoran"]
    assert lecture.field("preferred_dates").label["en"] == "Preferred dates"
    assert lecture.field("topics").label["en"] == "Preferred topics"
    assert dorandoran.field("period").label["en"] == "Preferred timing"
    assert "Lectures are normally given in Japanese." in KB.topics["seoul.lecture"].local("en").answer
    forget = Renderer().render("en", "forget", step="confirm")
    assert "of some kind" not in forget and "its kind and its dates" in forget
    question = Renderer().render("en", "form_question", title="T", intro=False, route="", number=2, total=3,
                                 prompt="P", hint="H", optional=False, current="", error="", note="", picked="",
                                 prefilled="", editing=False)
    assert question.endswith("(/back for the previous question · /cancel to stop)")


def test_the_dorandoran_form_does_not_say_what_its_two_types_are() -> None:
    plan = FORMS["dorandoran"].field("plan")
    for lang in ("ja", "ko", "en"):
        labels = " ".join(o.label[lang] for o in plan.options)
        # the source says only "two types by number of posts": no counts of our own
        assert not re.search(r"\d|one post|1회|1回|several|複数|여러", labels, re.IGNORECASE), labels
    assert [o.value for o in plan.options] == ["fewer_posts", "more_posts", "undecided"]
    assert "2" in plan.hint["ja"] and "two" in plan.hint["en"] and "두 가지" in plan.hint["ko"]


# -- answers ---------------------------------------------------------------------------------------


def test_citations_are_readable_in_each_language() -> None:
    for topic in KB.topics.values():
        for lang in ("ja", "ko", "en"):
            citation = KB.citation(topic, lang)
            assert not re.search(r"\b(intro|end)\b", citation), (topic.id, lang, citation)
    office = KB.citation(KB.topics["seoul.office"], "en")
    assert office == "CLAIR Seoul 2022, overview (about CLAIR and its Seoul office)"
    # the contact details an answer gives come from the back cover, cited after the section
    assert KB.citation(KB.topics["seoul.omatsuri"], "ko") == "크레아 서울 2022, I-④, 뒤표지(주소·연락처)"
    assert KB.citation(KB.topics["seoul.contact"], "ja") == "クレアソウル 2022, 裏表紙（所在地・連絡先）, IV-⑤"


def test_long_answers_lead_with_how_to_take_part() -> None:
    omatsuri = KB.topics["seoul.omatsuri"]
    assert len(omatsuri.local("en").answer) < 2500  # it was 2,800 characters
    for lang, lead in (("ja", "自治体の参加"), ("ko", "지자체 부스 참가"), ("en", "Taking part as a municipality")):
        assert omatsuri.local(lang).answer.startswith(lead)
        for topic_id in ("seoul.omatsuri", "seoul.lecture", "seoul.dorandoran", "seoul.event_booth"):
            answer = KB.topics[topic_id].local(lang).answer
            assert answer.index("info@clair.or.kr") < len(answer) // 2, (topic_id, lang)
