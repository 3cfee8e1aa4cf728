"""Find the topic a message asks about, with a confidence, or decide that none does.

Signals, each in 0..1, combined per topic:
- BM25 over character bigrams / words of the whole entry in all three languages (ranking);
- coverage: the idf share of the message's n-grams that the entry contains at all. A question
  about something the knowledge base never mentions leaves much of it uncovered;
- nearest sample question: idf-weighted cosine to the entry's closest sample question, which
  is how paraphrases that share little wording with the answer still land;
- fuzzy keyword hits (rapidfuzz), so names and synonyms count even with a typo;
- aspects (bot/answering/aspects.toml): asking about a fee, a refund, a deadline… of a topic whose
  answer never mentions one lowers the confidence, since the honest reply is "I don't know".
Scoring is vectorised with numpy over the flat index (bot/answering/index.py); only the best few
candidates are rescored with the per-topic signals, which keeps a 10,000-entry base within a few
milliseconds.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from bot.answering import readings
from bot.answering.aspects import Aspects
from bot.answering.counters import Counters
from bot.answering.index import K1, MatchIndex, load_or_build, rows
from bot.answering.knowledge import KnowledgeBase
from bot.answering.specifics import (
    KATAKANA_WORD,
    KOREAN_PLACE,
    LATIN_WORD,
    NOT_A_NAME,
    NOT_GIVEN,
    OFFICE_OF,
    ROLE,
    YEAR,
)
from bot.answering.text import _EN_STOP, NAME, STOP_GRAMS, _stem, grams, normalize, weighted_grams
from bot.config import MatchingConfig

CANDIDATES = 8
TYPO_MIN = 5  # English words this long or longer may be misspellings of a known word
TYPO_SCORE = 85  # rapidfuzz ratio from which an unknown word is taken as that known word
KATAKANA_KNOWN = 0.6  # share of a katakana word's bigrams the entry must have for it to know the word
# a topic whose score is at least this share of the best's wins when it states a rank-only aspect
# (aspects.toml: where) that the best lacks
ASPECT_CLOSE = 0.8
SPECIFIC = 0.6  # a word's idf against an unknown word's above which it names something (32 entries: in 1 or 2)
# the same for a phone number or an address asked for: then it is somebody's, and a name a few
# entries know (JNTO is in 4 of 32) still says whose; a word most entries have ("number") does not
WHOSE_SPECIFIC = 0.4
_ANSWER_SENTENCE = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")
_AFTER_DENIAL = re.compile(r"ので、|므로|,\s*so\b")
COUNT = "count"  # the aspect a count of things is (aspects.toml), asked by bot/answering/counters.py too
COUNTS = (COUNT, "count_people", "times")  # the aspects that ask how many
CONTACT = "contact"  # the aspect asked by "phone number", "e-mail address" (aspects.toml)


@dataclass(frozen=True)
class Weights:
    bm25: float = 0.3
    cover: float = 0.3
    sample: float = 0.2
    keyword: float = 0.15
    aspect_penalty: float = 0.3  # multiplier when the message asks an aspect the topic lacks
    # whether that penalty also reorders topics (else it only decides answer vs "sources don't say")
    aspect_ranks: bool = False
    margin: float = 0.0  # a clear lead over the runner-up adds confidence
    unknown: float = 0.5  # weight of an n-gram no entry has, relative to the rarest known one


@dataclass(frozen=True)
class Match:
    topic_id: str | None  # the answer, when confident
    score: float  # confidence of the best topic, 0..1
    decision: str  # "answer" | "partial" (topic_id, but `missing`) | "suggest" | "none"
    alternatives: tuple[str, ...]  # "did you mean" choices (best first), empty when answering
    ranked: tuple[tuple[str, float], ...] = field(default=(), repr=False)
    # the aspects asked about (aspects.toml) that the best topic's answer never states, and its
    # score before that lowered it: a high one means "right topic, but the sources don't say that"
    missing: tuple[str, ...] = ()
    unpenalized: float = 0.0
    # specific things the message names that the topic never mentions: a year, a name in capitals,
    # a word in katakana ("KRILA address", "2022年のセミナー", "ソウルジャパンクラブに入会")
    unstated: tuple[str, ...] = ()
    # the message asks for a phone number or an e-mail address: the unstated names are whose
    asks_contact: bool = False


class Matcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        settings: MatchingConfig,
        weights: Weights = Weights(),
        cache_dir: Path | None = None,
        read: bool = True,
    ) -> None:
        """cache_dir: where the built index is kept between starts (None: build every time).
        read: index Japanese terms under their readings too (bot/answering/readings.py)."""
        self.settings = settings
        self.weights = weights
        self.kb = kb  # whose phone number an answer gives is read from its text (unstated)
        self.aspects = Aspects()
        self.counters = Counters(kb)
        self.contact_pattern = self.aspects.pattern(CONTACT)
        # per entry, its answers' paragraphs (normalised) that give a phone number or an address
        self._contact_paragraphs: dict[int, list[str]] = {}
        reader = readings.NAME if read and readings.available() else None
        self.index: MatchIndex = load_or_build(
            kb, self.aspects, reader, readings.read_aloud if reader else None, cache_dir
        )
        self.aspects.add_spellings(self.index.aspect_readings)
        self.ids = self.index.ids
        self.doc_of = {topic_id: doc for doc, topic_id in enumerate(self.ids)}
        self.kw_ptr: list[int] = self.index.kw_ptr.tolist()  # read per candidate per message
        # per sample question, and one more that is no question: reduceat needs a valid start for
        # every entry, and one without sample questions at the end starts there (its result is
        # ignored). A question without a gram has a norm of 0: 1 keeps its cosine 0, not nan
        norms = np.append(self.index.smp_norm.astype(np.float64), 1.0)
        self.sample_norms = np.where(norms > 0, norms, 1.0)
        self.sample_starts = self.index.smp_ptr[:-1]
        self.has_samples = self.index.smp_ptr[1:] > self.index.smp_ptr[:-1]
        # the knowledge base's English words by first letter, for typos: "programe", "adress"
        self.latin_words: dict[str, list[str]] = {}
        for gram in self.index.vocab:
            if len(gram) >= TYPO_MIN and gram.isascii() and gram.isalpha():
                self.latin_words.setdefault(gram[0], []).append(gram)

    def _query_terms(self, terms: dict[str, float]) -> tuple[list[int], list[float], float, float]:
        """Known gram ids of the message with their weights (idf x how telling the script is),
        the weight mass of all its informative grams, and its weight norm."""
        vocab, idf = self.index.vocab, self.index.idf
        unknown = self.index.unknown_idf * self.weights.unknown
        ids, weights, mass, sq = [], [], 0.0, 0.0
        for g, telling in terms.items():
            if g in STOP_GRAMS:
                continue
            gid = vocab.get(g)
            if gid is None and len(g) >= TYPO_MIN and g.isascii() and g.isalpha():
                near = process.extractOne(g, self.latin_words.get(g[0], ()), scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
                if near is not None:
                    gid = vocab[near[0]]
            w = telling * (unknown if gid is None else idf[gid])
            if gid is not None:
                ids.append(gid)
                weights.append(w)
            mass += w
            sq += w * w
        return ids, weights, mass, math.sqrt(sq)

    def _keyword_scores(self, docs: list[int], norm: str, terms: dict[str, float]) -> list[float]:
        """Per candidate entry, its strongest keyword found in the message (exactly, or fuzzily
        when most of its bigrams are there: a typo keeps most of them)."""
        ix = self.index
        kw_ids = [ix.kw_vocab[g] for g in terms if g in ix.kw_vocab]
        # keyword id -> (how many of its bigrams the message has, its strength, where its text is,
        # its bigram count): read out of the arrays once per message, not once per comparison
        shared: dict[int, tuple[int, float, int, int, int]] = {}
        # the message is one of an entry's keywords and nothing else ("where is the office"):
        # however common its words, it is what that entry is about
        whole = norm.strip()
        exactly: set[int] = set()
        if kw_ids:
            (hits,), _ = rows(ix.kwg_ptr, kw_ids, ix.kwg_kw)
            counted = Counter(hits[self._candidates(docs)[ix.kw_doc[hits]]].tolist())  # candidates' only
            found_ids = sorted(counted)  # by entry, strongest first
            found = np.array(found_ids, dtype=np.int64)
            starts, ends = ix.kw_off[found], ix.kw_off[found + 1]
            # only a keyword as long as the message can be it: a length test over the array first
            for i in np.flatnonzero(ends - starts == len(whole)).tolist():
                if ix.kw_blob[int(starts[i]) : int(ends[i])] == whole:
                    exactly.add(int(ix.kw_doc[found[i]]))
            shared = dict(
                zip(
                    found_ids,
                    zip(
                        [counted[k] for k in found_ids],
                        ix.kw_strength[found].tolist(),
                        starts.tolist(),
                        ends.tolist(),
                        ix.kw_grams[found].tolist(),
                        strict=True,
                    ),
                    strict=True,
                )
            )
        ordered = list(shared)
        joined = norm.replace(" ", "")
        ptr = self.kw_ptr
        blob = ix.kw_blob
        out = []
        for d in docs:
            if d in exactly:
                out.append(1.0)
                continue
            lo, hi = ptr[d], ptr[d + 1]
            best = 0.0
            for k in ordered[bisect_left(ordered, lo) : bisect_left(ordered, hi)]:  # strongest first
                has, strength, start, end, kw_grams = shared[k]
                if strength <= best:
                    break
                kw = blob[start:end]
                if kw in norm:
                    best = strength
                # the same words run together: "출장강좌" for 출장 강좌
                elif " " in kw and kw.replace(" ", "") in joined:
                    best = strength
                # only then is the (costly) fuzzy comparison worth it
                elif end - start >= 5 and has * 2 >= kw_grams and fuzz.partial_ratio(kw, norm, score_cutoff=88):
                    best = strength * 0.9
            out.append(best)
        return out

    def _sample_scores(self, docs: list[int], ids: list[int], weights: list[float], qnorm: float) -> list[float]:
        """Per candidate entry, the idf cosine of the message to its closest sample question.

        Every sample question's cosine at once, then each entry's best: a few numpy calls over an
        array as long as the sample questions (a Python loop over the ones that share a gram cost
        ~50 us a message; picking out the candidates' ones first took a dozen calls more)."""
        ix = self.index
        idf = ix.idf
        query = [w * idf[g] for g, w in zip(ids, weights, strict=True)]
        (samples,), lengths = rows(ix.smpg_ptr, ids, ix.smpg_smp)
        dots = np.bincount(samples, weights=np.repeat(query, lengths), minlength=len(self.sample_norms))
        best = np.maximum.reduceat(dots / self.sample_norms, self.sample_starts)[docs].tolist()
        has = self.has_samples[docs].tolist()
        return [b / qnorm if h else 0.0 for b, h in zip(best, has, strict=True)]

    def _candidates(self, docs: list[int]) -> np.ndarray:
        """Per entry, whether it is one of docs."""
        mask = np.zeros(len(self.ids), dtype=bool)
        mask[docs] = True
        return mask

    def rank(self, text: str) -> list[tuple[str, float]]:
        return self._rank(text)[0]

    def _knows(self, doc: int, gram: str) -> bool:
        gid = self.index.vocab.get(gram)
        if gid is None:
            return False
        known = self.index.known[self.index.known_ptr[doc] : self.index.known_ptr[doc + 1]]
        at = int(np.searchsorted(known, gid))
        return at < len(known) and int(known[at]) == gid

    def _knows_name(self, doc: int, gram: str) -> bool:
        """Known, or known without a last letter or two: "Australians" for Australia."""
        return any(self._knows(doc, g) for g in (gram, gram[:-1], gram[:-2]) if g == gram or len(g) >= 6)

    def unstated(self, text: str, doc: int, whose: bool = False) -> tuple[str, ...]:
        """The specifics of the message the entry's facts never mention (see Match.unstated).

        whose: the message asks for a phone number or an e-mail address, which is always somebody's:
        then a name the entry does not mention is unstated even when a few other entries know it
        ("JNTO's phone number" is not the CLAIR office's), lower-case names ("krila") included."""
        specific = WHOSE_SPECIFIC if whose else SPECIFIC
        out: list[str] = []
        for year in YEAR.findall(text):
            if not self._knows(doc, year):
                out.append(year)
        for place in KOREAN_PLACE.findall(text):
            place_grams = grams(place)
            if not all(self._knows(doc, g) for g in place_grams):
                out.append(place)
        names = NAME.findall(text)
        if whose:
            # a person's phone number is not their organisation's: "JETAA 한국지부 회장님 연락처"
            out += [r for r in ROLE.findall(text) if not self._gives_contact_of(doc, r)]
            # an office by its city: the Seoul office's number is not the Singapore office's
            cities = [city for found in OFFICE_OF.findall(text) for city in found if city]
            out += [city for city in cities if not self._gives_contact_of(doc, city)]
            # a name typed in lower case ("krila"): a word the knowledge base writes as a name
            names += [w for w in LATIN_WORD.findall(text) if _stem(w.lower()) in self.index.names]
        for name in names:
            gram = _stem(name.lower())
            if (
                name.lower() not in _EN_STOP
                and name.lower() not in NOT_A_NAME
                and self._specific([gram], specific)
                and name.lower() not in self.aspects.words
                and (not self._knows_name(doc, gram) or whose and not self._gives_contact_of(doc, name))
            ):
                out.append(name)
        for word in KATAKANA_WORD.findall(text):
            bigrams = [g for g in grams(word) if g not in STOP_GRAMS]
            if (
                bigrams
                and self._specific(bigrams, specific)
                and (
                    sum(self._knows(doc, g) for g in bigrams) < KATAKANA_KNOWN * len(bigrams)
                    or whose
                    and not self._gives_contact_of(doc, word)
                )
            ):
                out.append(word)
        return tuple(dict.fromkeys(out))

    def _uncounted(self, topic_id: str, text: str, asks: frozenset[str], missing: tuple[str, ...]) -> tuple[str, ...]:
        """The count aspects asked that the topic states, but not of what is counted ("何部送れば"
        of a page that counts participants) or not for the year asked."""
        if COUNT not in missing and not self.counters.counts(topic_id, text):
            return (COUNT,)
        counted = [name for name in COUNTS if name in asks and name not in missing]
        years = YEAR.findall(text)
        if counted and years:
            patterns = [p for p in map(self.aspects.pattern, counted) if p is not None]
            if patterns and not self.counters.counts_in_year(topic_id, years, patterns):
                return tuple(counted)
        return ()

    def _gives_contact_of(self, doc: int, name: str) -> bool:
        """Whether a paragraph of the entry's answer has the name and a phone number or an e-mail
        address: the seminar with KRILA names KRILA, but the address it gives is CLAIR's."""
        contact = self.contact_pattern
        if contact is None:
            return True
        paragraphs = self._contact_paragraphs.get(doc)
        if paragraphs is None:  # read once per entry, on the first question that needs it
            topic = self.kb.topics[self.ids[doc]]
            # "JETAA's contact is not in this material. Please ask the Seoul office (info@…)" is no
            # JETAA address
            paragraphs = self._contact_paragraphs[doc] = [
                normalize(_without_denials(paragraph))
                for local in topic.text.values()
                for paragraph in local.answer.split("\n\n")
                if contact.search(paragraph)
            ]
        wanted = normalize(name)
        return any(wanted in paragraph for paragraph in paragraphs)

    def _specific(self, grams_: list[str], share: float = SPECIFIC) -> bool:
        """A word few entries have, or none: a name. One most entries have (イベント, Japanese) is not."""
        ix = self.index
        idfs = [ix.idf[gid] if (gid := ix.vocab.get(g)) is not None else ix.unknown_idf for g in grams_]
        return sum(idfs) / len(idfs) >= share * ix.unknown_idf

    def _rank(self, text: str) -> tuple[list[tuple[str, float]], dict[str, tuple[float, int]], frozenset[str]]:
        """Best first; per topic, its score before the aspect penalty and the aspects missing; and
        the aspects the message asks."""
        norm = normalize(text)
        terms = weighted_grams(text)
        ids, weights, mass, qnorm = self._query_terms(terms)
        if not ids or mass <= 0:
            return [], {}, frozenset()
        ix, w = self.index, self.weights
        n = len(ix.ids)
        (docs, tfs), lengths = rows(ix.post_ptr, ids, ix.post_doc, ix.post_tf)
        # w.bm25 x BM25 (each gram's idf x its saturated tf) + w.cover x coverage (its idf): one sum
        per_posting = np.repeat(weights, lengths) * (tfs * (w.bm25 / (mass * (K1 + 1))) + w.cover / mass)
        prelim = np.bincount(docs, weights=per_posting, minlength=n)
        top = np.argpartition(-prelim, CANDIDATES - 1)[:CANDIDATES] if n > CANDIDATES else np.arange(n)
        top_docs: list[int] = top.tolist()
        base_scores: list[float] = prelim[top].tolist()
        asks = self.aspects.of(norm)
        asked = self.aspects.bits(asks)
        keyword = self._keyword_scores(top_docs, norm, terms)
        sample = self._sample_scores(top_docs, ids, weights, qnorm)
        scored = []
        before: dict[str, tuple[float, int]] = {}
        for i, d in enumerate(top_docs):
            score = base_scores[i] + w.keyword * keyword[i] + w.sample * sample[i]
            lacking = asked & ~ix.aspect_bits[d]
            before[ix.ids[d]] = (score, lacking)
            if lacking and w.aspect_ranks:
                score *= w.aspect_penalty
            scored.append((ix.ids[d], score))
        scored.sort(key=lambda item: item[1], reverse=True)
        return scored, before, asks

    def match(self, text: str) -> Match:
        ranked, before, asks = self._rank(text)
        if not ranked:
            return Match(None, 0.0, "none", ())
        s = self.settings
        # the topic the message is about, had it not asked what that topic's answer lacks
        about, (unpenalized, lacking) = max(before.items(), key=lambda item: item[1][0])
        choose = lacking & self.aspects.rank_only
        if choose:
            # "Where is the CLAIR Seoul office?": the profile and the address page score alike; the
            # one whose answer states where wins
            near = [(sc, t) for t, (sc, lk) in before.items() if not lk & choose and sc >= unpenalized * ASPECT_CLOSE]
            if near:
                unpenalized, about = max(near)
                lacking = before[about][1]
                ranked = [(about, unpenalized)] + [(t, sc) for t, sc in ranked if t != about]
        lacking &= ~self.aspects.rank_only
        missing = tuple(self.aspects.names_of(lacking)) if lacking else ()
        if unpenalized >= s.answer_threshold:
            missing += self._uncounted(about, text, asks, missing)
        best_id, raw = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        best = min(1.0, raw + self.weights.margin * (raw - second))
        whose = CONTACT in asks
        unstated = self.unstated(text, self.doc_of[about], whose) if unpenalized >= s.answer_threshold else ()
        if (missing or unstated) and unpenalized >= s.answer_threshold:
            return Match(about, best, "partial", (), tuple(ranked), missing, unpenalized, unstated, whose)
        if missing and not self.weights.aspect_ranks:
            best *= self.weights.aspect_penalty  # not sure of the topic, and it lacks what is asked
        if best >= s.answer_threshold:
            return Match(best_id, best, "answer", (), tuple(ranked))
        if best >= s.suggest_threshold:
            floor = raw * 0.75
            alts = tuple(t for t, sc in ranked[: s.max_suggestions] if sc >= floor)
            return Match(None, best, "suggest", alts, tuple(ranked))
        return Match(None, best, "none", (), tuple(ranked))


def _without_denials(paragraph: str) -> str:
    """The paragraph less what it says the material does not give, up to the clause that follows
    ("…記載がありませんので、クレアソウル（info@…）へ" keeps the address, not what it lacks)."""
    kept = []
    for sentence in _ANSWER_SENTENCE.split(paragraph):
        denial = NOT_GIVEN.search(sentence)
        if denial:
            after = _AFTER_DENIAL.search(sentence, denial.end())
            sentence = sentence[after.end() :] if after else ""
        kept.append(sentence)
    return " ".join(kept)
