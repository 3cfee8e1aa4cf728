"""Find the topic a message asks about, with a confidence, or decide that none does.

Three signals, each in 0..1, combined per topic:
- BM25 over character bigrams / words of the whole entry in all three languages (ranking);
- coverage: the share of the message's informative n-grams (by idf) that the entry contains at
  all. A question about something the knowledge base never mentions ("the fee", "a joke")
  leaves much of the message uncovered, which is how out-of-scope questions are refused;
- fuzzy keyword hits (rapidfuzz), so names and synonyms count even with a typo.
Scoring is vectorised with numpy over an inverted index, then only the best few candidates are
rescored with rapidfuzz, which keeps a 10,000-entry base within a few milliseconds.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from bot.config import LANGUAGES, MatchingConfig
from bot.knowledge import KnowledgeBase, Topic
from bot.text import grams, normalize

FIELD_WEIGHTS = {"title": 2.0, "keywords": 2.0, "questions": 1.0, "answer": 1.0}
K1, B = 1.2, 0.75
CANDIDATES = 12
W_BM25, W_COVER, W_KEYWORD = 0.35, 0.45, 0.20

# Question scaffolding that says nothing about the topic (normalised: kana folded, voiceless).
_STOP_GRAMS = frozenset(
    grams(normalize(
        "ですか ますか ください 教えて 知りたい ってなに って何 なんですか ありますか できますか "
        "どこ いつ どんな どう ですが でしょうか たいです "
        "뭐예요 뭔가요 인가요 있나요 있어요 없어요 해요 돼요 되나요 알려주세요 알려줘 궁금해요 어떻게 "
        "언제 어디 누가 무엇 뭐야 주세요 할까요 싶어요"
    ))
)


@dataclass(frozen=True)
class Match:
    topic_id: str | None          # the answer, when confident
    score: float                  # confidence of the best topic, 0..1
    decision: str                 # "answer" | "suggest" | "none"
    alternatives: tuple[str, ...] # "did you mean" choices (best first), empty when answering
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


class Matcher:
    def __init__(self, kb: KnowledgeBase, settings: MatchingConfig) -> None:
        self.settings = settings
        self.ids: list[str] = list(kb.topics)
        vocab: dict[str, int] = {}
        doc_tfs: list[Counter[int]] = []
        self.keywords: list[list[str]] = []
        for topic_id in self.ids:
            fields = topic_fields(kb.topics[topic_id])
            tf: Counter[int] = Counter()
            for name, texts in fields.items():
                weight = FIELD_WEIGHTS[name]
                for text in texts:
                    for g in grams(normalize(text)):
                        tf[vocab.setdefault(g, len(vocab))] += weight
            doc_tfs.append(tf)
            kws = {normalize(k) for k in fields["keywords"] + fields["title"]}
            self.keywords.append(sorted((k for k in kws if len(k) >= 2), key=len, reverse=True))
        self.vocab = vocab
        n_docs = len(self.ids)
        df = np.zeros(len(vocab))
        for tf in doc_tfs:
            df[list(tf)] += 1
        self.idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        self.unknown_idf = math.log(1.0 + (n_docs + 0.5) / 0.5)
        lengths = np.array([sum(tf.values()) for tf in doc_tfs], dtype=float)
        avg = lengths.mean() if n_docs else 1.0
        # CSR-like postings per gram: which docs hold it and its saturated BM25 tf there
        postings: list[list[tuple[int, float]]] = [[] for _ in vocab]
        for d, tf in enumerate(doc_tfs):
            norm = K1 * (1 - B + B * lengths[d] / avg)
            for g, f in tf.items():
                postings[g].append((d, f * (K1 + 1) / (f + norm)))
        self.ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        self.ptr[1:] = np.cumsum([len(p) for p in postings])
        self.post_doc = np.fromiter((d for p in postings for d, _ in p), dtype=np.int64, count=int(self.ptr[-1]))
        self.post_tf = np.fromiter((w for p in postings for _, w in p), dtype=float, count=int(self.ptr[-1]))

    def _query_terms(self, norm: str) -> tuple[list[int], float]:
        """Known gram ids of the message and the idf mass of all its informative grams."""
        ids, mass = [], 0.0
        for g in set(grams(norm)):
            if g in _STOP_GRAMS:
                continue
            gid = self.vocab.get(g)
            if gid is None:
                mass += self.unknown_idf
            else:
                ids.append(gid)
                mass += float(self.idf[gid])
        return ids, mass

    def _keyword_score(self, doc: int, norm: str) -> float:
        best = 0.0
        for kw in self.keywords[doc]:
            # a long keyword found (even with a typo) is strong evidence; a 2-char one is weak
            strength = min(1.0, len(kw) / 5)
            if strength <= best:
                break  # sorted longest first
            if kw in norm:
                best = strength
            elif len(kw) >= 5 and fuzz.partial_ratio(kw, norm, score_cutoff=88):
                best = strength * 0.9
        return best

    def rank(self, text: str) -> list[tuple[str, float]]:
        norm = normalize(text)
        ids, mass = self._query_terms(norm)
        if not ids or mass <= 0:
            return []
        n = len(self.ids)
        slices = [slice(self.ptr[g], self.ptr[g + 1]) for g in ids]
        docs = np.concatenate([self.post_doc[s] for s in slices])
        tfs = np.concatenate([self.post_tf[s] for s in slices])
        idfs = np.concatenate([np.full(s.stop - s.start, self.idf[g]) for s, g in zip(slices, ids)])
        bm25 = np.bincount(docs, weights=idfs * tfs, minlength=n) / (mass * (K1 + 1))
        cover = np.bincount(docs, weights=idfs, minlength=n) / mass
        prelim = W_BM25 * bm25 + W_COVER * cover
        top = np.argpartition(-prelim, min(CANDIDATES, n) - 1)[:CANDIDATES] if n > CANDIDATES else np.arange(n)
        scored = [(self.ids[d], float(prelim[d] + W_KEYWORD * self._keyword_score(d, norm))) for d in top]
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored

    def match(self, text: str) -> Match:
        ranked = self.rank(text)
        if not ranked:
            return Match(None, 0.0, "none", ())
        best_id, best = ranked[0]
        s = self.settings
        if best >= s.answer_threshold:
            return Match(best_id, best, "answer", (), tuple(ranked))
        if best >= s.suggest_threshold:
            floor = max(s.suggest_threshold * 0.8, best * 0.75)
            alts = tuple(t for t, sc in ranked[: s.max_suggestions] if sc >= floor)
            return Match(None, best, "suggest", alts, tuple(ranked))
        return Match(None, best, "none", (), tuple(ranked))
