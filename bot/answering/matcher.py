"""Find the topic a message asks about, with a confidence, or decide that none does.

Signals, each in 0..1, combined per topic:
- BM25 over character bigrams / words of the whole entry in all three languages (ranking);
- coverage: the idf share of the message's n-grams that the entry contains at all. A question
  about something the knowledge base never mentions leaves much of it uncovered;
- nearest sample question: idf-weighted cosine to the entry's closest sample question, which
  is how paraphrases that share little wording with the answer still land;
- fuzzy keyword hits (rapidfuzz), so names and synonyms count even with a typo;
- aspects (bot/aspects.toml): asking about a fee, a refund, a deadline… of a topic whose answer
  never mentions one lowers the confidence, since the honest reply is "I don't know".
Scoring is vectorised with numpy over an inverted index; only the best few candidates are
rescored with the per-topic signals, which keeps a 10,000-entry base within a few milliseconds.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import truediv
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz

from bot.answering.knowledge import KnowledgeBase, Topic
from bot.answering.text import grams, normalize, weighted_grams
from bot.config import LANGUAGES, MatchingConfig

ASPECTS_FILE = Path(__file__).parent / "aspects.toml"
FIELD_WEIGHTS = {"title": 2.0, "keywords": 2.0, "questions": 1.0, "answer": 0.5}
K1, B = 1.2, 0.75
CANDIDATES = 8
# operator.truediv is typed (Any, Any) -> Any; this names it for the floats it divides here
_divide: Callable[[float, float], float] = truediv


@dataclass(frozen=True)
class Weights:
    bm25: float = 0.3
    cover: float = 0.3
    sample: float = 0.2
    keyword: float = 0.15
    aspect_penalty: float = 0.3  # multiplier when the message asks an aspect the topic lacks
    margin: float = 0.0  # a clear lead over the runner-up adds confidence
    unknown: float = 0.5  # weight of an n-gram no entry has, relative to the rarest known one


# Question scaffolding that says nothing about the topic (normalised like messages).
_STOP_GRAMS = frozenset(
    grams(
        "ですか ますか ください 教えて 知りたい ってなに って何 なんですか ありますか できますか "
        "どこ いつ どんな どう ですが でしょうか たいです "
        "뭐예요 뭔가요 인가요 있나요 있어요 없어요 해요 돼요 되나요 알려주세요 알려줘 궁금해요 어떻게 "
        "언제 어디 누가 무엇 뭐야 주세요 할까요 싶어요"
    )
)


@dataclass(frozen=True)
class Match:
    topic_id: str | None  # the answer, when confident
    score: float  # confidence of the best topic, 0..1
    decision: str  # "answer" | "suggest" | "none"
    alternatives: tuple[str, ...]  # "did you mean" choices (best first), empty when answering
    ranked: tuple[tuple[str, float], ...] = field(default=(), repr=False)


def topic_fields(topic: Topic) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in FIELD_WEIGHTS}
    for lang in LANGUAGES:
        local = topic.local(lang)
        out["title"].append(local.title)
        out["answer"].append(local.answer)
        out["questions"].extend(local.questions)
        out["keywords"].extend(local.keywords)
    return out


class Aspects:
    """Word lists per aspect; Latin words match whole words (plural too), CJK/Hangul ones as
    substrings. A normalised text is only word characters and spaces, so a whole-word match is a
    match between spaces: a dict lookup per word and plain substring tests, no regex per aspect."""

    def __init__(self, path: Path = ASPECTS_FILE) -> None:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        self.by_token: dict[str, set[str]] = {}  # one Latin word, or it + "s" -> aspects
        self.spans: list[tuple[str, str]] = []  # (" several words " or a CJK word, aspect)
        for name, entry in data.items():
            for word in entry["words"]:
                w = normalize(word)
                if not word.isascii():
                    self.spans.append((w, name))
                elif " " in w:
                    self.spans += [(f" {w} ", name), (f" {w}s ", name)]
                else:
                    for token in (w, w + "s"):
                        self.by_token.setdefault(token, set()).add(name)

    def of(self, norm: str) -> frozenset[str]:
        found: set[str] = set()
        for word in norm.split(" "):
            names = self.by_token.get(word)
            if names:
                found |= names
        padded = f" {norm} "
        for span, name in self.spans:
            if span in padded:
                found.add(name)
        return frozenset(found)


class Matcher:
    def __init__(self, kb: KnowledgeBase, settings: MatchingConfig, weights: Weights = Weights()) -> None:
        self.settings = settings
        self.weights = weights
        self.aspects = Aspects()
        self.ids: list[str] = list(kb.topics)
        vocab: dict[str, int] = {}
        doc_tfs: list[defaultdict[int, float]] = []  # per entry: gram id -> field-weighted count
        self.keywords: list[list[tuple[str, float, frozenset[str]]]] = []
        self.keyword_index: list[dict[str, list[int]]] = []  # per entry: bigram -> its keywords
        raw_keywords: list[set[str]] = []
        self.samples: list[list[frozenset[int]]] = []  # only while building
        self.covered_aspects: list[frozenset[str]] = []
        for topic_id in self.ids:
            fields = topic_fields(kb.topics[topic_id])
            tf: defaultdict[int, float] = defaultdict(float)
            for name, texts in fields.items():
                weight = FIELD_WEIGHTS[name]
                for text in texts:
                    for g in grams(text):
                        tf[vocab.setdefault(g, len(vocab))] += weight
            doc_tfs.append(tf)
            raw_keywords.append(set(fields["keywords"] + fields["title"]))
            self.samples.append(
                [frozenset(vocab[g] for g in grams(q) if g not in _STOP_GRAMS) for q in fields["questions"]]
            )
            self.covered_aspects.append(self.aspects.of(normalize(" ".join(fields["answer"]))))
        self.vocab = vocab
        n_docs = len(self.ids)
        df = np.zeros(len(vocab))
        for tf in doc_tfs:
            df[list(tf)] += 1
        # a list, not an array: the per-message code reads single values, far cheaper from a list
        self.idf: list[float] = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).tolist()
        self.unknown_idf = math.log(1.0 + (n_docs + 0.5) / 0.5)
        for kws in raw_keywords:
            weighted = {}
            for kw in kws:
                norm_kw = normalize(kw)
                if len(norm_kw) >= 2:
                    weighted[norm_kw] = self._keyword_strength(kw, norm_kw)
            ranked_kws = sorted(weighted.items(), key=lambda kv: kv[1], reverse=True)
            entries = [(kw, strength, frozenset(grams(kw))) for kw, strength in ranked_kws]
            self.keywords.append(entries)
            index: dict[str, list[int]] = {}
            for i, (_, _, kw_grams) in enumerate(entries):
                for g in kw_grams:
                    index.setdefault(g, []).append(i)
            self.keyword_index.append(index)
        # per entry: gram -> which of its sample questions hold it, and each question's idf norm
        self.sample_index: list[dict[int, list[int]]] = []
        self.sample_norms: list[list[float]] = []
        for doc in self.samples:
            by_gram: dict[int, list[int]] = {}
            for i, sample in enumerate(doc):
                for gid in sample:
                    by_gram.setdefault(gid, []).append(i)
            self.sample_index.append(by_gram)
            norms = [math.sqrt(sum(self.idf[g] ** 2 for g in s)) for s in doc]
            self.sample_norms.append([n if n > 0 else math.inf for n in norms])
        del self.samples
        lengths = np.array([sum(tf.values()) for tf in doc_tfs], dtype=float)
        avg = lengths.mean() if n_docs else 1.0
        # CSR-like postings per gram: which docs hold it and its saturated BM25 tf there
        postings: list[list[tuple[int, float]]] = [[] for _ in vocab]
        for d, tf in enumerate(doc_tfs):
            norm = K1 * (1 - B + B * lengths[d] / avg)
            for gid, f in tf.items():
                postings[gid].append((d, f * (K1 + 1) / (f + norm)))
        self.ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        self.ptr[1:] = np.cumsum([len(p) for p in postings])
        self.post_doc = np.fromiter((d for p in postings for d, _ in p), dtype=np.int64, count=int(self.ptr[-1]))
        self.post_tf = np.fromiter((w for p in postings for _, w in p), dtype=float, count=int(self.ptr[-1]))

    def _query_terms(self, terms: dict[str, float]) -> tuple[list[int], list[float], float, float]:
        """Known gram ids of the message with their weights (idf x how telling the script is),
        the weight mass of all its informative grams, and its weight norm."""
        ids, weights, mass, sq = [], [], 0.0, 0.0
        for g, telling in terms.items():
            if g in _STOP_GRAMS:
                continue
            gid = self.vocab.get(g)
            w = telling * (self.unknown_idf * self.weights.unknown if gid is None else self.idf[gid])
            if gid is not None:
                ids.append(gid)
                weights.append(w)
            mass += w
            sq += w * w
        return ids, weights, mass, math.sqrt(sq)

    def _keyword_strength(self, kw: str, norm_kw: str) -> float:
        """Long and specific keywords are strong evidence; 2-char or common ones ("2020") weak."""
        gs = [self.idf[self.vocab[g]] for g in grams(kw) if g in self.vocab]
        specificity = min(1.0, (sum(gs) / len(gs)) / (0.5 * self.unknown_idf)) if gs else 0.0
        return min(1.0, len(norm_kw) / 5) * specificity

    def _keyword_score(self, doc: int, norm: str, query_grams: frozenset[str]) -> float:
        best = 0.0
        index, entries = self.keyword_index[doc], self.keywords[doc]
        # only keywords sharing a bigram with the message can be in it, even with a typo;
        # shared[i]: how many of keyword i's bigrams the message has
        shared: dict[int, int] = {}
        for g in index.keys() & query_grams:
            for i in index[g]:
                shared[i] = shared.get(i, 0) + 1
        for i in sorted(shared):
            kw, strength, kw_grams = entries[i]
            if strength <= best:
                break  # sorted strongest first
            if kw in norm:
                best = strength
            # a typo keeps most bigrams: only then is the (costly) fuzzy comparison worth it
            elif len(kw) >= 5 and shared[i] * 2 >= len(kw_grams) and fuzz.partial_ratio(kw, norm, score_cutoff=88):
                best = strength * 0.9
        return best

    def _sample_score(self, doc: int, query: dict[int, float], query_norm: float) -> float:
        """`query`: gram id -> its weight times its idf. Plain Python: a topic has a few dozen
        sample questions, too few for numpy's per-call overhead to pay off."""
        norms = self.sample_norms[doc]
        if not norms:
            return 0.0
        dot = [0.0] * len(norms)
        index = self.sample_index[doc]
        for g, w in query.items():
            hits = index.get(g)
            if hits:
                for i in hits:
                    dot[i] += w
        return max(map(_divide, dot, norms)) / query_norm

    def rank(self, text: str) -> list[tuple[str, float]]:
        norm = normalize(text)
        terms = weighted_grams(text)
        ids, weights, mass, qnorm = self._query_terms(terms)
        if not ids or mass <= 0:
            return []
        w = self.weights
        n = len(self.ids)
        # every posting of every query gram, gathered with a fixed number of numpy calls
        gram_ids = np.array(ids, dtype=np.int64)
        starts = self.ptr[gram_ids]
        lengths = self.ptr[gram_ids + 1] - starts
        at = np.arange(int(lengths.sum())) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        docs, tfs = self.post_doc[at], self.post_tf[at]
        idfs = np.repeat(np.array(weights), lengths)
        bm25 = np.bincount(docs, weights=idfs * tfs, minlength=n) / (mass * (K1 + 1))
        cover = np.bincount(docs, weights=idfs, minlength=n) / mass
        prelim = w.bm25 * bm25 + w.cover * cover
        top = np.argpartition(-prelim, CANDIDATES - 1)[:CANDIDATES] if n > CANDIDATES else np.arange(n)
        asked = self.aspects.of(norm)
        idf = self.idf
        query = {g: q * idf[g] for g, q in zip(ids, weights, strict=True)}
        query_grams = frozenset(terms)
        scored = []
        for d, base in zip(top.tolist(), prelim[top].tolist(), strict=True):  # Python ints and floats from here
            score = (
                base
                + w.keyword * self._keyword_score(d, norm, query_grams)
                + w.sample * self._sample_score(d, query, qnorm)
            )
            if asked - self.covered_aspects[d]:
                score *= w.aspect_penalty
            scored.append((self.ids[d], score))
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored

    def match(self, text: str) -> Match:
        ranked = self.rank(text)
        if not ranked:
            return Match(None, 0.0, "none", ())
        best_id, raw = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        best = min(1.0, raw + self.weights.margin * (raw - second))
        s = self.settings
        if best >= s.answer_threshold:
            return Match(best_id, best, "answer", (), tuple(ranked))
        if best >= s.suggest_threshold:
            floor = raw * 0.75
            alts = tuple(t for t, sc in ranked[: s.max_suggestions] if sc >= floor)
            return Match(None, best, "suggest", alts, tuple(ranked))
        return Match(None, best, "none", (), tuple(ranked))
