"""What the bot could not answer: recorded beside the answer through the real core, counted per
week, grouped, erased with the person, purged, turned into TOML for knowledge/ and sent to staff."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from bot.answering.knowledge import load_knowledge
from bot.app import App, open_app
from bot.config import Config
from bot.messages import Incoming, Reply
from bot.unanswered.groups import SIMILAR, UnansweredGroup, group_entries, similarity
from bot.unanswered.records import Unanswered
from fake_line import user_id
from line_harness import LINE_STAFF, Both
from shared import answering_for

REPO = Path(__file__).resolve().parent.parent
MADOGUCHI = REPO / ".venv" / "bin" / "madoguchi"
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")

NOT_IN_SOURCES = "Is there parking at the office?"  # decision "none"
SUGGESTED = "best korean bbq place near jongno?"  # decision "suggest", offering seoul.contact
CONFIDENT = "出前講座について教えて"  # answered, seoul.lecture

T = TypeVar("T")


def with_app(config: Config, body: Callable[[App], Awaitable[T]]) -> T:
    async def main() -> T:
        async with open_app(config, answering=answering_for(config)) as app:
            result = await body(app)
            await app.core.drain()
            return result

    return asyncio.run(main())


async def say(app: App, user: str, text: str = "", payload: str | None = None) -> list[Reply]:
    replies = await app.core.handle(Incoming("console", user, user, text=text, payload=payload))
    await app.core.drain()  # the log is written beside the answer: wait for it before looking
    return replies


def counts(weeks: list) -> dict[str, tuple[int, int]]:
    return {w.lang: (w.answered, w.unanswered) for w in weeks}


def test_a_question_the_sources_cannot_answer_is_kept_as_none(answer_config: Config) -> None:
    async def body(app: App) -> tuple[list[UnansweredGroup], dict[str, tuple[int, int]], str]:
        replies = await say(app, "7", NOT_IN_SOURCES)
        return await app.unanswered.groups(), counts(await app.unanswered.weeks()), replies[0].text

    groups, weeks, reply = with_app(answer_config, body)
    assert "don't have" in reply or "do not have" in reply, reply
    [group] = groups
    assert (group.count, group.lang, group.kinds, group.text) == (1, "en", {"none": 1}, NOT_IN_SOURCES)
    entry = group.members[0]
    assert (entry.channel, entry.chat_id, entry.user_id) == ("console", "7", "7")
    assert 1 <= len(entry.topics) <= 3 and all(isinstance(s, float) for _, s in entry.topics)
    assert weeks == {"en": (0, 1)}


def test_an_ignored_did_you_mean_is_kept_when_the_next_message_is_typed(answer_config: Config) -> None:
    async def body(app: App) -> tuple[list[Unanswered], list[Unanswered], dict[str, tuple[int, int]]]:
        replies = await say(app, "7", SUGGESTED)
        assert [b.payload for b in replies[0].buttons][:1] == ["t:seoul.contact"], replies
        pending = await app.unanswered.entries()  # not settled yet: they may still press it
        await say(app, "7", "thanks")  # small talk: settles the suggestion, is not counted itself
        return pending, await app.unanswered.entries(), counts(await app.unanswered.weeks())

    pending, entries, weeks = with_app(answer_config, body)
    assert pending == []
    [entry] = entries
    assert (entry.kind, entry.text, entry.lang) == ("ignored_suggestion", SUGGESTED, "en")
    assert entry.topics[0][0] == "seoul.contact"
    assert weeks == {"en": (0, 1)}


def test_a_taken_did_you_mean_is_counted_answered_and_kept_as_low_confidence(answer_config: Config) -> None:
    async def body(app: App) -> tuple[list[Unanswered], dict[str, tuple[int, int]]]:
        await say(app, "7", SUGGESTED)
        await say(app, "7", payload="t:seoul.contact")
        await say(app, "7", "thanks")  # already settled: nothing more is recorded
        return await app.unanswered.entries(), counts(await app.unanswered.weeks())

    entries, weeks = with_app(answer_config, body)
    [entry] = entries
    assert entry.kind == "low_confidence"
    assert entry.topics[0][0] == "seoul.contact"  # the topic they chose, first
    assert entry.topics[0][1] < answer_config.matching.answer_threshold  # the matcher's own bar
    assert weeks == {"en": (1, 0)}


def test_a_confident_answer_is_counted_and_not_kept(answer_config: Config) -> None:
    async def body(app: App) -> tuple[list[Unanswered], dict[str, tuple[int, int]]]:
        await say(app, "7", CONFIDENT)
        return await app.unanswered.entries(), counts(await app.unanswered.weeks())

    assert with_app(answer_config, body) == ([], {"ja": (1, 0)})


def test_small_talk_commands_and_form_answers_are_not_counted(answer_config: Config) -> None:
    async def body(app: App) -> tuple[list[Unanswered], dict[str, tuple[int, int]]]:
        for text in ["hello", "ありがとう", "/help", "/lang en", "/ask", NOT_IN_SOURCES, "Kim Minji"]:
            await say(app, "7", text)  # after /ask the question and the name are the form's answers
        return await app.unanswered.entries(), counts(await app.unanswered.weeks())

    assert with_app(answer_config, body) == ([], {})


def test_weeks_are_the_office_weeks_monday(answer_config: Config) -> None:
    sunday_night_utc = 1778418000.0  # 2026-05-10 13:00 UTC, Sunday: 22:00 in Seoul, still that week
    monday_seoul = 1778425200.0  # 2026-05-10 15:00 UTC: Monday 00:00 in Seoul, the next week

    async def body(app: App) -> list[str]:
        weeks = []
        for at in (sunday_night_utc, monday_seoul):
            app.unanswered.clock = lambda at=at: at
            await app.unanswered.count_question("ko", answered=True)
            weeks += [w.week for w in await app.unanswered.weeks()]
        return weeks

    assert with_app(answer_config, body) == ["2026-05-04", "2026-05-04", "2026-05-11"]


def test_forget_erases_that_persons_entries_only(answer_config: Config) -> None:
    async def body(app: App) -> tuple[int, list[Unanswered]]:
        await say(app, "7", NOT_IN_SOURCES)
        await say(app, "7", SUGGESTED)
        await say(app, "7", "/forget")  # settles the suggestion (ignored): erased with the rest
        await say(app, "8", NOT_IN_SOURCES)
        before = len(await app.unanswered.entries())
        await say(app, "7", payload="forget:yes")
        return before, await app.unanswered.entries()

    before, after = with_app(answer_config, body)
    assert before == 3
    assert [(e.chat_id, e.kind) for e in after] == [("8", "none")]


def raw_bytes(config: Config) -> bytes:
    files = [p for p in config.database.parent.glob(config.database.name + "*") if p.is_file()]
    return b"".join(p.read_bytes() for p in files)


def test_purge_deletes_entries_older_than_retention_and_leaves_no_bytes(answer_config: Config) -> None:
    marker = "MARKERPURGE"

    async def body(app: App) -> tuple[bool, int, bool, list[Unanswered], int]:
        app.unanswered.clock = lambda: 1_000_000.0
        await say(app, "7", f"Is there parking for a {marker} at the office?")
        await say(app, "7", NOT_IN_SOURCES)  # their pending question is this one now
        app.unanswered.clock = lambda: 2_000_000.0
        await say(app, "8", NOT_IN_SOURCES)
        stored = marker.encode() in raw_bytes(app.config)
        purged = await app.unanswered.purge(1_500_000.0)
        left = await app.unanswered.entries()
        # housekeeping: [privacy] retention_days after the last entry, nothing is left
        app.unanswered.clock = lambda: 2_000_000.0 + app.config.privacy.retention_days * 86400 + 1
        from bot.requests.housekeeping import Housekeeping
        swept = await Housekeeping(app.requests, app.store, app.config.privacy.retention_days, 3600,
                                   clock=app.unanswered.clock, unanswered=app.unanswered).run_once()
        return stored, purged, marker.encode() in raw_bytes(app.config), left, swept.unanswered

    stored, purged, still, left, swept = with_app(answer_config, body)
    assert stored and purged == 2 and not still
    assert [e.chat_id for e in left] == ["8"]
    assert swept == 1


# -- grouping ------------------------------------------------------------------------------

PARAPHRASES = [  # (a, b): the same question in other words
    ("出前講座の費用はいくらですか", "出前講座っていくらかかりますか"),
    ("出前講座の費用はいくらですか", "出前講座は有料ですか？費用を教えて"),
    ("おまつりの駐車場はありますか", "日韓交流おまつりに駐車場はある？"),
    ("사무소 주차장 있어요?", "사무소에 주차할 수 있나요?"),
    ("출강 비용이 얼마예요?", "출강 강의 비용은 얼마인가요?"),
    ("도란도란 게시 비용 있나요?", "도란도란에 올리는 비용이 있어요?"),
    ("Is there parking at the office?", "Can I park at the office?"),
    ("How much does the outreach lecture cost?", "What is the cost of an outreach lecture?"),
    ("Do you offer Japanese language classes?", "are there japanese language classes"),
]
DIFFERENT = [  # (a, b): different questions, some about the same topic
    ("出前講座の費用はいくらですか", "おまつりの駐車場はありますか"),
    ("出前講座の費用はいくらですか", "出前講座は何語で行いますか"),
    ("사무소 주차장 있어요?", "출강 비용이 얼마예요?"),
    ("도란도란 게시 비용 있나요?", "도란도란 영상 길이 제한이 있나요?"),
    ("Is there parking at the office?", "How much does the outreach lecture cost?"),
    ("Do you offer Japanese language classes?", "Do you offer visa support?"),
]


def test_grouping_cutoff_separates_paraphrases_from_other_questions() -> None:
    same = [similarity(a, b) for a, b in PARAPHRASES]
    other = [similarity(a, b) for a, b in DIFFERENT]
    assert min(same) >= SIMILAR, list(zip(PARAPHRASES, same))
    assert max(other) < SIMILAR, list(zip(DIFFERENT, other))


def entry(i: int, text: str, lang: str, kind: str = "none", topics: tuple = ()) -> Unanswered:
    return Unanswered(i, 1000.0 + i, lang, kind, text, topics, "console", str(i), str(i))


def test_groups_similar_entries_per_language_biggest_first(answer_config: Config) -> None:
    entries = [
        entry(1, "Is there parking at the office?", "en", topics=(("seoul.office", 0.2),)),
        entry(2, "出前講座の費用はいくらですか", "ja", topics=(("seoul.lecture", 0.6),)),
        entry(3, "Can I park at the office?", "en", "ignored_suggestion", (("seoul.contact", 0.3),)),
        entry(4, "出前講座っていくらかかりますか", "ja"),
        entry(5, "is there parking at the office", "en", topics=(("seoul.office", 0.25), ("jet.program", 0.1))),
        entry(6, "Do you offer visa support?", "en"),
        entry(7, "Can I park at the office?", "ko"),  # another language: its own group
    ]

    async def body(app: App) -> tuple[list[UnansweredGroup], UnansweredGroup | None, UnansweredGroup | None]:
        for e in entries:
            app.unanswered.clock = lambda e=e: e.at
            await app.unanswered.record(channel=e.channel, chat_id=e.chat_id, lang=e.lang, kind=e.kind,
                                        text=e.text, topics=e.topics)
        groups = await app.unanswered.groups()
        return groups, await app.unanswered.group("5"), await app.unanswered.group("999")

    groups, by_member, missing = with_app(answer_config, body)
    assert groups == sorted(group_entries(entries), key=lambda g: (-g.count, -g.last_at))
    first = groups[0]
    assert (first.key, first.lang, first.count) == ("1", "en", 3)
    assert [m.id for m in first.members] == [5, 3, 1]  # newest first
    assert first.kinds == {"none": 2, "ignored_suggestion": 1}
    assert first.topics == (("seoul.contact", 0.3), ("seoul.office", 0.25), ("jet.program", 0.1))
    assert (first.text, first.first_at, first.last_at) == ("is there parking at the office", 1001.0, 1005.0)
    assert [(g.key, g.count) for g in groups[1:]] == [("2", 2), ("7", 1), ("6", 1)]
    assert by_member is not None and by_member.key == "1"
    assert missing is None
    assert with_app(answer_config, lambda app: app.unanswered.groups(lang="ko"))[0].key == "7"


# -- "this should have been topic X" ---------------------------------------------------------


def paste(topic_file: Path, lang: str, lines: str) -> None:
    """What staff do: the lines go right after `questions = [` in the language's table."""
    text = topic_file.read_text(encoding="utf-8")
    table = text.index(f"\n[{lang}]\n")
    at = text.index("questions = [\n", table) + len("questions = [\n")
    topic_file.write_text(text[:at] + lines + text[at:], encoding="utf-8")


def test_suggestion_toml_pasted_into_the_topic_passes_kb_check(answer_config: Config, tmp_path: Path) -> None:
    tricky = 'ソウルで "出前講座" の費用は\\いくら?\nまた\t教えて\x07'
    members = (entry(2, tricky, "ja", kind="low_confidence"), entry(1, "出前講座の費用はいくらですか", "ja"))
    group = UnansweredGroup("1", "ja", members, {"none": 1, "low_confidence": 1}, (("seoul.lecture", 0.3),))

    async def body(app: App) -> str:
        return app.unanswered.suggestion_toml(group, "seoul.lecture")

    lines = with_app(answer_config, body)
    parsed = tomllib.loads("questions = [\n" + lines + "]\n")["questions"]
    assert parsed == ['ソウルで "出前講座" の費用は\\いくら? また 教えて', "出前講座の費用はいくらですか"]

    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", knowledge)
    topic = knowledge / "topics" / "seoul.lecture.toml"
    paste(topic, "ja", lines)
    config_file = tmp_path / "config.toml"
    config_file.write_text((REPO / "config.toml").read_text(encoding="utf-8").replace(
        'path = "knowledge"', f'path = "{knowledge}"'), encoding="utf-8")
    checked = subprocess.run([str(MADOGUCHI), "kb", "check", "--config", str(config_file)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("ok:")
    questions = load_knowledge(knowledge).topics["seoul.lecture"].local("ja").questions
    assert questions[:2] == tuple(parsed)


# -- "send to staff as a question" -------------------------------------------------------------

OFFICER = user_id(7501)


def test_send_to_staff_files_a_question_whose_staff_reply_reaches_the_person(tmp_path: Path) -> None:
    async def main() -> tuple[str, str, str]:
        async with Both(tmp_path) as world:
            await world.say(OFFICER, NOT_IN_SOURCES)
            app = world.bot.service.app
            for _ in range(200):  # the webhook answers first; the entry is written beside it
                await app.core.drain()
                entries = await app.unanswered.entries()
                if entries:
                    break
                await asyncio.sleep(0.05)
            [entry_] = entries
            assert (entry_.channel, entry_.chat_id) == ("line", OFFICER)
            ref = await app.unanswered.send_to_staff(entry_.id, app.requests, app.core.deps.forms["question"],
                                                     actor=f"line:{LINE_STAFF}")
            again = await app.unanswered.send_to_staff(entry_.id, app.requests, app.core.deps.forms["question"])
            assert again == ref  # twice is once
            request = await app.requests.get(ref, with_events=True)
            assert request is not None
            assert (request.kind, request.answers, request.lang) == ("question", {"question": NOT_IN_SOURCES}, "en")
            assert [e.action for e in request.events] == ["submitted", "note"]
            await world.say(LINE_STAFF, f"/claim {ref}")
            mark = world.line.mark()
            await world.say(LINE_STAFF, f"/reply {ref} There is no parking; please come by subway.")
            replies = await world.line.wait_for(lambda s: s.to == OFFICER and s.index >= mark and "subway" in s.text)
            return ref, replies[0].text, request.user_id

    ref, text, who = asyncio.run(main())
    assert ref.startswith("Q-") and ref in text and "There is no parking" in text
    assert who == OFFICER


# -- madoguchi report unanswered -----------------------------------------------------------------


def test_report_prints_groups_and_weeks_as_text_and_json(queue_config: Config, queue_config_file: Path) -> None:
    config = dataclasses.replace(queue_config, database=queue_config.database)

    async def body(app: App) -> None:
        for user, text in [("7", NOT_IN_SOURCES), ("8", "Can I park at the office?"), ("9", CONFIDENT),
                           ("9", "사무소 주차장 있어요?")]:
            await say(app, user, text)

    with_app(config, body)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    run = [str(MADOGUCHI), "report", "unanswered", "--config", str(queue_config_file)]
    text = subprocess.run(run, capture_output=True, text=True, timeout=120, env=env)
    assert text.returncode == 0, text.stderr
    assert "   2  en  [none 2]" in text.stdout, text.stdout
    assert "사무소 주차장 있어요?" in text.stdout
    assert re.search(r"\d{4}-\d\d-\d\d  ja\s+1 / 0", text.stdout), text.stdout
    as_json = subprocess.run(run + ["--json", "--lang", "en"], capture_output=True, text=True, timeout=120, env=env)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    [group] = report["groups"]
    assert (group["count"], group["lang"], group["kinds"]) == (2, "en", {"none": 2})
    assert group["text"] == "Can I park at the office?"
    assert [(w["lang"], w["answered"], w["unanswered"]) for w in report["weeks"]] == [("en", 0, 2)]
    later = subprocess.run(run + ["--json", "--since", "2999-01-01"], capture_output=True, text=True, timeout=120,
                           env=env)
    assert json.loads(later.stdout)["groups"] == []
    bad = subprocess.run(run + ["--since", "yesterday"], capture_output=True, text=True, timeout=120, env=env)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    assert sys.executable  # the report ran in its own process, as staff run it


def test_sixty_people_asking_at_once_are_all_counted_and_kept_in_few_commits(answer_config: Config) -> None:
    """The log is written in batches (bot/unanswered/writer.py): every question still counts once,
    every entry is kept once with its own asker, and a batch is one transaction, not one a question."""
    commits: list[str] = []

    async def body(app: App) -> tuple[dict[str, tuple[int, int]], list[Unanswered], int]:
        await app.store.db.set_trace_callback(lambda sql: commits.append(sql) if sql.startswith("COMMIT") else None)
        askers = [(f"a{i}", CONFIDENT if i % 2 else NOT_IN_SOURCES) for i in range(60)]
        await asyncio.gather(*(app.core.handle(Incoming("console", u, u, text=t)) for u, t in askers))
        await app.core.drain()
        await app.store.db.set_trace_callback(None)
        return counts(await app.unanswered.weeks()), await app.unanswered.entries(), len(commits)

    weekly, entries, n_commits = with_app(answer_config, body)
    assert sum(a for a, _ in weekly.values()) == 30 and sum(u for _, u in weekly.values()) == 30, weekly
    assert sorted(e.user_id for e in entries) == sorted(f"a{i}" for i in range(0, 60, 2))
    assert all(e.text == NOT_IN_SOURCES and e.kind == "none" for e in entries)
    assert n_commits < 20, n_commits  # conversation saves and log batches, never 60 log commits
