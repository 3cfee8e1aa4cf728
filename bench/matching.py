"""Matching latency, accuracy and memory: Madoguchi's matcher against two rapidfuzz baselines.

Baselines, over every sample question of every entry (the entry owning the best question is the
answer): rapidfuzz `process.extractOne` with its default scorer (WRatio), and the stronger
`fuzz.QRatio` with `utils.default_process`, as fast and what a user would try first.
Two knowledge bases: the shipped one, and a synthetic one of 10,000 entries made from it (the
32 real topics plus decoys stitched from shuffled pieces of their texts, so the vocabulary is
real and the decoys compete for every n-gram). The synthetic base is measured in a fresh process
that loads the index from its cache, as a restarted bot does, so its resident memory is what the
bot holds (the build's own garbage, and the Japanese analyser's dictionary, are not in it).
Runs pinned to one core.

    .venv/bin/python bench/matching.py [--entries 10000] [--rounds 3] [--questions FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.config import LANGUAGES, load_config  # noqa: E402
from bot.answering.evaluate import SMALLTALK, read_questions  # noqa: E402
from bot.answering.knowledge import KnowledgeBase, LocalText, Topic, load_knowledge  # noqa: E402
from bot.answering.matcher import Matcher  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _shuffled_pieces(rng: random.Random, texts: list[str], count: int) -> str:
    pieces = []
    for _ in range(count):
        t = rng.choice(texts)
        if len(t) > 8:
            start = rng.randrange(0, len(t) - 6)
            pieces.append(t[start : start + rng.randint(4, 12)])
        else:
            pieces.append(t)
    return " ".join(pieces)


def synthetic(kb: KnowledgeBase, entries: int, seed: int = 7) -> KnowledgeBase:
    rng = random.Random(seed)
    real = list(kb.topics.values())
    topics = dict(kb.topics)
    for n in range(entries - len(real)):
        mix = rng.sample(real, 3)
        text = {}
        for lang in LANGUAGES:
            answers = [t.local(lang).answer for t in mix]
            questions = [q for t in mix for q in t.local(lang).questions]
            keywords = [k for t in mix for k in t.local(lang).keywords]
            text[lang] = LocalText(
                title=_shuffled_pieces(rng, [t.local(lang).title for t in mix], 2),
                answer=_shuffled_pieces(rng, answers, 12),
                questions=tuple(_shuffled_pieces(rng, questions, 3) for _ in range(6)),
                keywords=tuple(_shuffled_pieces(rng, keywords, 1) for _ in range(8)),
            )
        tid = f"synthetic.{n:05d}"
        topics[tid] = Topic(tid, (), None, mix[0].sources, text, mix[0].path)
    return KnowledgeBase(topics, kb.sources)


class Baseline:
    def __init__(self, kb: KnowledgeBase, strong: bool = False) -> None:
        self.choices, self.owner = [], []
        self.strong = strong
        for topic in kb.topics.values():
            for lang in LANGUAGES:
                for q in topic.local(lang).questions:
                    self.choices.append(q)
                    self.owner.append(topic.id)

    def best(self, text: str) -> str | None:
        if self.strong:
            hit = process.extractOne(text, self.choices, scorer=fuzz.QRatio, processor=utils.default_process)
        else:
            hit = process.extractOne(text, self.choices)
        return self.owner[hit[2]] if hit else None


BASELINES = (("rapidfuzz extractOne (WRatio)", False), ("rapidfuzz QRatio + default_process", True))


def measure(name: str, best_of, questions, rounds: int, between=None) -> dict:
    """between: run before each question, untimed (the cold-cache rows)."""
    timings, cpu, correct = [], [], 0
    in_scope = [q for q in questions if q.topic]
    for r in range(rounds):
        for q in questions:
            if between is not None:
                between()
            c0, t0 = time.thread_time(), time.perf_counter()
            got = best_of(q.text)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            if r == 0 and q.topic and got == q.topic:
                correct += 1
    timings.sort()
    cpu.sort()
    return {
        "name": name,
        "cpu_p99_ms": cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))],
        "p50_ms": statistics.median(timings),
        "p99_ms": timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        "top1": correct / len(in_scope),
    }


def report(rows: list[dict]) -> None:
    for row in rows:
        print(f"  {row['name']:36} p50 {row['p50_ms']:8.3f} ms  p99 {row['p99_ms']:8.3f} ms  "
              f"(CPU p99 {row['cpu_p99_ms']:8.3f} ms)  top-1 accuracy {row['top1']:.3f}")
    ours = rows[0]
    for base in rows[1:]:
        print(f"  ratio madoguchi / {base['name']}: p50 {ours['p50_ms'] / base['p50_ms']:.3f}x, "
              f"p99 {ours['p99_ms'] / base['p99_ms']:.3f}x, accuracy {ours['top1'] - base['top1']:+.3f}")


def channel_work() -> None:
    """What a channel does between two questions, roughly: a JSON body of ~200 KB read and
    written. It leaves the CPU caches holding other data, as in the end-to-end benches."""
    json.dumps(json.loads(_CHANNEL_BODY))


_CHANNEL_BODY = json.dumps({f"k{i}": ["x" * 20, i, {"a": [1, 2, 3], "b": "y" * 30}] for i in range(3000)})


def top1(matcher: Matcher):
    return lambda text: (matcher.rank(text) or [(None, 0)])[0][0]


def top1_of_match(matcher: Matcher):
    return lambda text: matcher.match(text).topic_id


def child(args: argparse.Namespace) -> None:
    """The synthetic base in a fresh process, from the cached index the parent built."""
    # small talk is understood before matching (bot/answering/smalltalk.py): not a matcher's question
    questions = [q for q in read_questions(Path(args.questions)) if q.topic != SMALLTALK]
    config = load_config(REPO / "config.toml")
    rss0 = rss_mib()
    base = synthetic(load_knowledge(config.knowledge_dir), args.entries)
    t0 = time.perf_counter()
    matcher = Matcher(base, config.matching, cache_dir=Path(args.cache))
    loaded = time.perf_counter() - t0
    print(f"  a fresh process: index loaded from its cache in {loaded:.2f} s; resident memory {rss_mib():.1f} MiB "
          f"(knowledge base and index; {rss0:.1f} MiB before)")
    sample = random.Random(1).sample(questions, min(args.baseline_sample, len(questions)))
    full = measure("madoguchi (all questions)", top1(matcher), questions, args.rounds)
    print(f"  {full['name']:36} p50 {full['p50_ms']:8.3f} ms  p99 {full['p99_ms']:8.3f} ms  "
          f"top-1 accuracy {full['top1']:.3f}")
    rows = [measure("madoguchi (same sample)", top1(matcher), sample, args.rounds)]
    rows += [measure(name, Baseline(base, strong).best, sample, 1) for name, strong in BASELINES]
    report(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", default=str(REPO / "tests" / "eval" / "questions.jsonl"))
    parser.add_argument("--baseline-sample", type=int, default=40,
                        help="questions the baselines answer on the big base (~1 s each)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    if args.child:
        child(args)
        return
    # small talk is understood before matching (bot/answering/smalltalk.py): not a matcher's question
    questions = [q for q in read_questions(Path(args.questions)) if q.topic != SMALLTALK]
    config = load_config(REPO / "config.toml")
    rss0 = rss_mib()
    kb = load_knowledge(config.knowledge_dir)
    ours = Matcher(kb, config.matching)
    rss1 = rss_mib()
    print(f"questions: {len(questions)} ({args.questions}), rounds: {args.rounds}, one core")
    print(f"resident memory: {rss0:.1f} MiB before loading, {rss1:.1f} MiB with the shipped knowledge "
          f"and matcher loaded (+{rss1 - rss0:.1f} MiB)")
    print("\n[shipped] 32 entries")
    rows = [measure("madoguchi", top1(ours), questions, args.rounds)]
    rows += [measure(name, Baseline(kb, strong).best, questions, args.rounds) for name, strong in BASELINES]
    report(rows)

    print("\n[shipped, cold caches] the whole decision (Matcher.match), with a channel's work between questions")
    rows = [measure("madoguchi match, cold caches", top1_of_match(ours), questions, args.rounds, channel_work),
            measure("madoguchi match, warm (back to back)", top1_of_match(ours), questions, args.rounds)]
    rows += [measure(f"{name}, cold caches", Baseline(kb, strong).best, questions, args.rounds, channel_work)
             for name, strong in BASELINES]
    report(rows)

    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        Matcher(synthetic(kb, args.entries), config.matching, cache_dir=Path(cache))
        print(f"\n[synthetic {args.entries}] index built (and cached) in {time.perf_counter() - t0:.1f} s")
        subprocess.run([sys.executable, __file__, "--child", "--cache", cache, "--entries", str(args.entries),
                        "--rounds", str(args.rounds), "--questions", args.questions,
                        "--baseline-sample", str(args.baseline_sample)], check=True)


if __name__ == "__main__":
    main()
