"""The madoguchi commands for checking answers, run as a user would run them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import repo_config_file

REPO = Path(__file__).resolve().parent.parent


def madoguchi(*args: str, stdin: str | None = None, env: dict | None = None, cwd: Path = REPO):
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=120)


def test_ask_json_gives_decision_and_reply():
    out = madoguchi("ask", "도란도란에 대해 알려주세요", "--json", "--config", str(REPO / "config.toml"))
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["topic"] == "seoul.dorandoran" and data["lang"] == "ko"
    assert 0 < data["score"] <= 1 and data["alternatives"] == []
    assert "도란도란" in data["reply"]


def test_ask_out_of_scope_and_lang_flag():
    data = json.loads(madoguchi("ask", "tell me a joke", "--json", "--lang", "ja").stdout)
    assert data["topic"] is None and data["lang"] == "ja"
    assert "情報がありません" in data["reply"]


def test_ask_prints_the_decision_the_chat_makes_not_the_matchers_alone():
    hello = json.loads(madoguchi("ask", "안녕하세요", "--json").stdout)
    assert hello["decision"] == "smalltalk" and hello["topic"] is None
    # the future in "来年度…派遣が決まった者です" is who they are; what they ask the office page holds
    long = json.loads(madoguchi("ask", "鹿児島県から来年度ソウルへの派遣が決まった者です。赴任前に事務所の体制を"
                                "知っておきたいのですが、所長以下どういう構成になっているのでしょうか。", "--json").stdout)
    assert long["decision"] == "answer" and long["topic"] == "seoul.office"
    assert "記載がありません" not in long["reply"]


def test_eval_json_has_the_documented_shape(tmp_path):
    qs = tmp_path / "q.jsonl"
    qs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "1", "lang": "ja", "text": "出前講座について教えて", "topic": "seoul.lecture"},
        {"id": "2", "lang": "ko", "text": "크레아 서울사무소 전화번호", "topic": "seoul.contact"},
        {"id": "3", "lang": "en", "text": "tell me a joke", "topic": None},
    ]), encoding="utf-8")
    out = madoguchi("eval", str(qs), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"n", "in_scope_accuracy", "oos_rejection", "false_rejection", "by_lang"}
    assert data["n"] == 3 and data["in_scope_accuracy"] == 1.0 and data["oos_rejection"] == 1.0
    assert set(data["by_lang"]) == {"ja", "ko", "en"}
    text = madoguchi("eval", str(qs), "--verbose").stdout
    assert "overall" in text and "misses" in text


def test_eval_reports_a_bad_line():
    bad = REPO / "tests" / "eval" / "questions.jsonl"
    assert madoguchi("eval", str(bad) + ".missing").returncode == 2


def test_kb_show_prints_the_answer_as_a_user_sees_it():
    out = madoguchi("kb", "show", "seoul.contact", "--lang", "en")
    assert out.returncode == 0 and "+82-(0)2-733-5681" in out.stdout and "Source:" in out.stdout
    assert madoguchi("kb", "show", "no.such").returncode == 1


def test_config_from_environment_variable_and_missing_key(tmp_path):
    broken = (REPO / "config.toml").read_text(encoding="utf-8").replace("answer_threshold = ", "# answer_threshold = ")
    (tmp_path / "c.toml").write_text(broken.replace('path = "knowledge"', f'path = "{REPO / "knowledge"}"'),
                                     encoding="utf-8")
    out = madoguchi("kb", "check", env={"MADOGUCHI_CONFIG": str(tmp_path / "c.toml")})
    assert out.returncode == 2
    assert "matching.answer_threshold" in out.stderr and "Fix:" in out.stderr
    out = madoguchi("kb", "check", cwd=tmp_path)  # no ./config.toml there
    assert out.returncode == 2 and "--config" in out.stderr


def test_piped_shell_chats_in_three_languages(tmp_path):
    repo_config_file(tmp_path, tmp_path / "s.sqlite3")
    script = "出前講座について教えて\n도란도란이 뭐예요?\nWhere is the CLAIR Seoul office?\n1\n/lang ko\n🍣\n"
    out = madoguchi("shell", "--config", str(tmp_path / "config.toml"), stdin=script)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "出典: クレアソウル 2022" in text
    assert "출처: 크레아 서울 2022" in text
    assert "Source: CLAIR Seoul 2022" in text
    assert "이제부터 한국어로" in text and "질문을 글자로" in text
    assert (tmp_path / "s.sqlite3").exists()
