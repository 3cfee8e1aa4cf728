"""Answer quality on a labelled question set: accuracy, out-of-scope rejection, false rejection."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

from bot.answering.matcher import Matcher
from bot.answering.understand import understand
from bot.config import LANGUAGES


class EvalFileError(Exception):
    pass


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    text: str
    topic: str | None


@dataclass(frozen=True)
class Outcome:
    question: Question
    predicted: str | None  # the answered topic; None when the bot refused or only suggested
    decision: str
    score: float
    best: str | None  # best-ranked topic even when not answered, for --verbose


def read_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise EvalFileError(f"{path}: no such file")
    questions, problems = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q = Question(str(row["id"]), row["lang"], row["text"], row["topic"])
            if q.lang not in LANGUAGES or not isinstance(q.text, str):
                raise ValueError("lang must be ja, ko or en and text a string")
            questions.append(q)
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path}:{n}: {exc!r}")
    if problems:
        raise EvalFileError("\n".join(problems))
    return questions


SMALLTALK = "smalltalk"  # the label of small talk in a question set, and what the bot then "answers"


def run(matcher: Matcher, questions: list[Question]) -> list[Outcome]:
    """The bot's own decision for each question (bot/answering/understand.py): an answer counts as
    its topic, small talk as "smalltalk"; a partial answer ("the sources don't say…"), a
    suggestion and a refusal all count as not answering."""
    out = []
    for q in questions:
        u = understand(matcher, q.text)
        m = u.match
        best = m.ranked[0][0] if m.ranked else None
        predicted = SMALLTALK if u.kind == "smalltalk" else (m.topic_id if u.kind == "answer" else None)
        out.append(Outcome(q, predicted, u.kind, m.score, best))
    return out


class Rates(TypedDict):
    n: int
    in_scope_accuracy: float | None
    oos_rejection: float | None
    false_rejection: float | None


class Summary(Rates):
    by_lang: dict[str, Rates]
    misses: NotRequired[list[dict[str, object]]]  # added by `madoguchi eval --json --verbose`


def _rates(outcomes: list[Outcome]) -> Rates:
    in_scope = [o for o in outcomes if o.question.topic is not None]
    oos = [o for o in outcomes if o.question.topic is None]

    def frac(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "n": len(outcomes),
        "in_scope_accuracy": frac(sum(o.predicted == o.question.topic for o in in_scope), len(in_scope)),
        "oos_rejection": frac(sum(o.predicted is None for o in oos), len(oos)),
        "false_rejection": frac(sum(o.predicted is None for o in in_scope), len(in_scope)),
    }


def summarize(outcomes: list[Outcome]) -> Summary:
    rates = _rates(outcomes)
    by_lang = {
        lang: _rates([o for o in outcomes if o.question.lang == lang])
        for lang in LANGUAGES
        if any(o.question.lang == lang for o in outcomes)
    }
    return {**rates, "by_lang": by_lang}


def misses(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.predicted != o.question.topic]


def format_report(summary: Summary, outcomes: list[Outcome], verbose: bool) -> str:
    def pct(v: float | None) -> str:
        return "  n/a" if v is None else f"{v:5.3f}"

    lines = [f"{'':8}{'n':>5}  {'accuracy':>8}  {'oos_rej':>8}  {'false_rej':>9}"]
    rows: list[tuple[str, Rates]] = [("overall", summary), *summary["by_lang"].items()]
    for name, r in rows:
        lines.append(
            f"{name:8}{r['n']:>5}  {pct(r['in_scope_accuracy']):>8}  "
            f"{pct(r['oos_rejection']):>8}  {pct(r['false_rejection']):>9}"
        )
    if verbose:
        lines.append("")
        lines.append("misses (id, lang, expected -> answered [decision, score, best], text):")
        for o in misses(outcomes):
            q = o.question
            lines.append(f"  {q.id} {q.lang} {q.topic} -> {o.predicted} [{o.decision} {o.score:.3f} {o.best}] {q.text}")
    return "\n".join(lines)
