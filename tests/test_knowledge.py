"""Every shipped knowledge file loads and validates; broken files are all reported at once."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import LANGUAGES
from bot.answering.knowledge import KnowledgeError, load_knowledge

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
TOPIC_IDS = {
    "clair.about", "seoul.office", "seoul.contact", "seoul.cooking_pr", "seoul.dorandoran",
    "seoul.event_booth", "seoul.omatsuri", "seoul.lecture", "seoul.sns_video", "seoul.channel_j",
    "jet.program", "jet.alumni_korea", "jet.career_support", "seoul.seminar_joint",
    "seoul.seminar_policy", "seoul.officials_council", "seoul.sister_cities",
    "seoul.activity_support", "seoul.research_requests", "seoul.survey", "seoul.partners",
    "seoul.newsletter", "seoul.publications", "singapore.cooking_class", "paris.eu_japan_helpdesk",
    "beijing.airline_pr", "sydney.japan_expo", "economy.food_tours", "london.visit_training",
    "newyork.seminar", "plaza.consultation", "multicultural.disaster_training",
}


def test_every_shipped_topic_loads_with_all_languages():
    forms = {p.stem for p in (KNOWLEDGE / "forms").glob("*.toml")}
    kb = load_knowledge(KNOWLEDGE, forms)
    assert set(kb.topics) == TOPIC_IDS
    for topic in kb.topics.values():
        for lang in LANGUAGES:
            local = topic.local(lang)
            assert local.title and local.answer and local.questions and local.keywords
        assert kb.citation(topic, "ja")
    assert {t.id: t.request for t in kb.topics.values() if t.request} == {
        "seoul.lecture": "lecture", "seoul.omatsuri": "omatsuri", "seoul.dorandoran": "dorandoran"}


def test_citation_reads_like_the_brochure():
    kb = load_knowledge(KNOWLEDGE)
    assert kb.citation(kb.topics["seoul.lecture"], "ja") == "クレアソウル 2022, I-⑤"
    assert kb.citation(kb.topics["seoul.lecture"], "en") == "CLAIR Seoul 2022, I-⑤"


SEEDS = REPO.parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared is not beside this clone")
def test_contact_facts_are_copied_exactly_from_the_sources():
    """Every e-mail, phone number and URL in an answer appears verbatim in a source document."""
    # the newsletter breaks one URL across lines, so compare with all whitespace removed
    sources = re.sub(r"\s+", "", "".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    pattern = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+82-\(0\)2-\d{3}-\d{4}|0\d-\d{4}-\d{4}|https?://[^\s)>」）]+")
    kb = load_knowledge(KNOWLEDGE)
    missing = set()
    for topic in kb.topics.values():
        for lang in LANGUAGES:
            for fact in pattern.findall(topic.local(lang).answer):
                if fact.rstrip(".,") not in sources:
                    missing.add((topic.id, lang, fact))
    assert not missing


def _copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def test_all_problems_in_all_files_are_reported_at_once(tmp_path):
    kb_dir = _copy_knowledge(tmp_path)
    topics = kb_dir / "topics"
    # 1: not TOML at all
    (topics / "seoul.survey.toml").write_text("id = \"seoul.survey\n", encoding="utf-8")
    # 2: a missing language and an empty answer
    lecture = topics / "seoul.lecture.toml"
    text = lecture.read_text(encoding="utf-8")
    text = text[: text.index("[en]")]  # drop English
    lecture.write_text(text, encoding="utf-8")
    # 3: a related id that does not exist
    office = topics / "seoul.office.toml"
    office.write_text(office.read_text(encoding="utf-8").replace(
        "related = [", 'related = ["no.such.topic", ', 1), encoding="utf-8")
    # 4: duplicate id under another file name
    shutil.copy(topics / "clair.about.toml", topics / "clair.copy.toml")
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_dir)
    problems = "\n".join(err.value.problems)
    assert "seoul.survey.toml: not valid TOML" in problems
    assert "seoul.lecture.toml: the [en] table is missing" in problems
    assert "seoul.office.toml: related id 'no.such.topic' does not exist" in problems
    assert "clair.copy.toml: id 'clair.about' does not match the file name" in problems


def test_kb_check_command_exits_non_zero_and_lists_problems(tmp_path):
    kb_dir = _copy_knowledge(tmp_path)
    (kb_dir / "topics" / "seoul.contact.toml").write_text("id = 3\n", encoding="utf-8")
    config = (REPO / "config.toml").read_text(encoding="utf-8").replace(
        'path = "knowledge"', f'path = "{kb_dir}"')
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "bot.cli.main", "kb", "check", "--config", str(tmp_path / "config.toml")],
                         capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1
    assert "seoul.contact.toml" in bad.stderr and "'id' is missing or empty" in bad.stderr
    good = subprocess.run([sys.executable, "-m", "bot.cli.main", "kb", "check", "--config", str(REPO / "config.toml")],
                          capture_output=True, text=True, cwd=REPO)
    assert good.returncode == 0, good.stderr
    assert "32 topics" in good.stdout
