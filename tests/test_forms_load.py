"""Forms are data: the shipped forms, every problem reported at once, and a new kind with no code."""
from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.app import open_app
from bot.cli.main import main as madoguchi
from bot.config import LANGUAGES, Config
from bot.core.context import command_names
from bot.forms.registry import load_forms
from handlers.routes import build_routes
from bot.answering.knowledge import KnowledgeError
from form_chat import Chat, Clock
from shared import answering_for

REPO = Path(__file__).resolve().parent.parent
FORMS_DIR = REPO / "knowledge" / "forms"

# what staff need to act, per kind (../shared/TOPICS.md), in the order they are asked
NEEDED = {
    "lecture": ["university", "department", "contact_person", "email", "preferred_dates", "format", "topics",
                "students"],
    "omatsuri": ["municipality", "department", "contact_person", "email", "booth_content", "materials"],
    "dorandoran": ["municipality", "department", "contact_person", "email", "plan", "manuscript", "photos",
                   "period"],
    "question": ["question", "contact_person", "email"],
}


def test_shipped_forms() -> None:
    forms = load_forms(FORMS_DIR)
    assert len(forms) == 4
    assert {k: (f.prefix, f.command) for k, f in forms.items()} == {
        "lecture": ("L", "lecture"), "omatsuri": ("O", "omatsuri"), "dorandoran": ("D", "dorandoran"),
        "question": ("Q", "ask")}
    for kind, needed in NEEDED.items():
        form = forms[kind]
        assert [f.name for f in form.fields if f.name in needed] == needed
        assert all(f.optional for f in form.fields if f.name not in needed)
        for f in form.fields:
            for lang in LANGUAGES:
                assert f.prompt[lang] and f.hint[lang] and f.error[lang] and f.label[lang]
    types = {f.name: f.type for f in forms["lecture"].fields}
    assert types["email"] == "email" and types["preferred_dates"] == "dates"
    assert types["format"] == "choice" and types["students"] == "integer"
    assert forms["dorandoran"].field("photos").type == "photo"
    assert forms["question"].field("question").prefill == "pending_question"
    assert forms.by_command("ask") is forms["question"]


BROKEN = '''
kind = "wrong_name"
prefix = "lecture"
command = "help"
colour = "red"
title.ja = "壊れた"
title.en = "Broken"

[[fields]]
name = "Email Address"
type = "e-mail"
prompt.ja = "?"
prompt.ko = "?"
prompt.en = "?"
hint.ja = "?"
hint.ko = "?"
hint.en = "?"
error.en = "?"
label.ja = "x"
label.ko = "x"
label.en = "x"

[[fields]]
name = "size"
type = "integer"
min = 10
max = 1
prompt = "only one language"
hint.ja = "?"
hint.ko = "?"
hint.en = "?"
error.ja = "?"
error.ko = "?"
error.en = "?"
label.ja = "x"
label.ko = "x"
label.en = "x"

[[fields]]
name = "mode"
type = "choice"
prompt.ja = "?"
prompt.ko = "?"
prompt.en = "?"
hint.ja = "?"
hint.ko = "?"
hint.en = "?"
error.ja = "?"
error.ko = "?"
error.en = "?"
label.ja = "x"
label.ko = "x"
label.en = "x"

[[fields.options]]
value = "only"
label.ja = "x"
label.ko = "x"
label.en = "x"
'''


def test_every_problem_of_every_file_is_reported_with_its_path(tmp_path: Path) -> None:
    shutil.copy(FORMS_DIR / "lecture.toml", tmp_path / "lecture.toml")
    (tmp_path / "broken.toml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "unreadable.toml").write_text("kind = \n", encoding="utf-8")
    dup = (FORMS_DIR / "omatsuri.toml").read_text(encoding="utf-8").replace('prefix = "O"', 'prefix = "L"')
    (tmp_path / "omatsuri.toml").write_text(dup.replace('command = "omatsuri"', 'command = "lecture"'),
                                            encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_forms(tmp_path, command_names(build_routes()))
    problems = "\n".join(caught.value.problems)
    broken = str(tmp_path / "broken.toml")
    for expected in [
        f"{broken}: 'kind' is 'wrong_name'",
        f"{broken}: 'prefix' must be 1 to 3 capital letters",
        f"{broken}: command '/help' is already used",
        f"{broken}: unknown keys ['colour']",
        f"{broken}: title: missing or empty for ko",
        "field #1: 'name' must be lower-case",
        "'type' is 'e-mail'",
        "error: missing or empty for ja, ko",
        "field #2 (size): min (10) is above max (1)",
        "field #2 (size) prompt: needs a text for each of ja, ko, en",
        "field #3 (mode): a choice field needs at least two",
        f"{tmp_path / 'unreadable.toml'}: not valid TOML",
        f"{tmp_path / 'omatsuri.toml'}: prefix 'L' is already used",
        f"{tmp_path / 'omatsuri.toml'}: command '/lecture' is already used",
    ]:
        assert expected in problems, expected


def _knowledge_copy(tmp_path: Path) -> Path:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", knowledge)
    return knowledge


def _config_file(tmp_path: Path, knowledge: Path) -> Path:
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "data/madoguchi.sqlite3"', f'url = "{tmp_path / "kb.sqlite3"}"')
    text = text.replace('path = "knowledge"', f'path = "{knowledge}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_kb_check_lists_topic_and_form_problems_together(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    knowledge = _knowledge_copy(tmp_path)
    (knowledge / "forms" / "dorandoran.toml").unlink()  # seoul.dorandoran offers it
    lecture = knowledge / "forms" / "lecture.toml"
    lecture.write_text(lecture.read_text(encoding="utf-8").replace('type = "dates"', 'type = "calendar"'),
                       encoding="utf-8")
    assert madoguchi(["kb", "check", "--config", str(_config_file(tmp_path, knowledge))]) == 1
    err = capsys.readouterr().err
    assert "seoul.dorandoran.toml: request 'dorandoran' has no form in forms/" in err
    assert f"{lecture}: field #5 (preferred_dates): 'type' is 'calendar'" in err


def test_kb_check_passes_on_the_shipped_knowledge(capsys: pytest.CaptureFixture) -> None:
    assert madoguchi(["kb", "check", "--config", str(REPO / "config.toml")]) == 0
    assert "4 forms" in capsys.readouterr().out


VISIT = '''
# a kind of request added without code: a visit to the office
kind = "visit"
prefix = "V"
command = "visit"
title.ja = "事務所訪問"
title.ko = "사무소 방문"
title.en = "Office visit"

[[fields]]
name = "day"
type = "date"
label = { ja = "日", ko = "날짜", en = "Day" }
prompt = { ja = "いつ？", ko = "언제?", en = "Which day?" }
hint = { ja = "例: 12月3日", ko = "예: 12월 3일", en = "e.g. 3 Dec" }
error = { ja = "日付を一つ", ko = "날짜 하나", en = "One date, please." }

[[fields]]
name = "phone"
type = "phone"
label = { ja = "電話", ko = "전화", en = "Phone" }
prompt = { ja = "電話番号", ko = "전화번호", en = "Your phone number?" }
hint = { ja = "数字で", ko = "숫자로", en = "Digits." }
error = { ja = "電話番号を", ko = "전화번호를", en = "That is not a phone number." }

[[fields]]
name = "interests"
type = "choices"
label = { ja = "関心", ko = "관심", en = "Interests" }
prompt = { ja = "関心", ko = "관심", en = "What interests you?" }
hint = { ja = "複数可", ko = "여러 개", en = "Tick several, then Done." }
error = { ja = "選択肢から", ko = "선택지에서", en = "Choose from the options." }
options = [
  { value = "jet", label = { ja = "JET", ko = "JET", en = "JET" } },
  { value = "pr", label = { ja = "PR", ko = "홍보", en = "PR" } },
  { value = "research", label = { ja = "調査", ko = "조사", en = "Research" } },
]
'''


def test_a_new_kind_of_request_needs_no_code(tmp_path: Path, forms_config: Config) -> None:
    knowledge = _knowledge_copy(tmp_path)
    (knowledge / "forms" / "visit.toml").write_text(VISIT, encoding="utf-8")
    config = dataclasses.replace(forms_config, knowledge_dir=knowledge)

    async def scenario() -> None:
        async with open_app(config, Clock(), answering_for(config)) as app:
            core = app.core
            chat = Chat(core)
            await chat.say("/lang en")
            await chat.say("/visit")
            assert "Office visit" in chat.text and "(1/3) Which day?" in chat.text
            await chat.say("3 Dec, 4 Dec")
            assert "Please give just one date." in chat.text
            await chat.say("3 Dec")
            await chat.say("call me maybe")
            assert "That is not a phone number." in chat.text
            await chat.say("+82-2-733-5681")
            assert chat.payloads()[:4] == ["fm:c:interests:jet", "fm:c:interests:pr", "fm:c:interests:research",
                                           "fm:done"]
            await chat.press("fm:done")
            assert "The answer is empty." in chat.text
            await chat.press("fm:c:interests:research")
            await chat.press("fm:c:interests:jet")
            await chat.press("fm:c:interests:pr")
            await chat.press("fm:c:interests:pr")  # ticked twice: off again
            assert "So far: JET, Research" in chat.text
            await chat.press("fm:done")
            assert "Interests: JET, Research" in chat.text and "Day: 2026-12-03" in chat.text
            await chat.press("fm:submit")
            assert chat.ref() == "V-2026-0001"

    asyncio.run(scenario())
