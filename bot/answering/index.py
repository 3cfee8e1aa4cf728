"""The matcher's index of the knowledge base: flat arrays, built once and cached on disk.

Everything per entry lives in a few numpy arrays indexed by entry, keyword or sample question, and
the inverted lists (gram -> entries, gram -> keywords, gram -> sample questions) are CSR pairs
(`ptr`, `items`): a 10,000-entry base costs a few kilobytes per entry instead of the ~85 KB that
per-entry Python dicts took. Building it tokenises every text of every entry (and reads Japanese
kanji aloud, bot/answering/readings.py), which is most of a start-up; the built index is pickled
under the cache folder, keyed by a hash of everything it is built from, so a restart with the same
knowledge base loads it in milliseconds and an edited one is rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answering.aspects import ASPECTS_FILE, Aspects
from bot.answering.knowledge import KnowledgeBase, Topic
from bot.answering.text import NAME, STOP_GRAMS, _stem, grams, normalize
from bot.config import LANGUAGES

log = logging.getLogger(__name__)

FIELD_WEIGHTS = {"title": 2.0, "keywords": 2.0, "questions": 1.0, "answer": 0.5}
READING_WEIGHT = 0.5  # how a kanji term read aloud counts, beside the term itself
MIN_ASPECT_READING = 4  # kana, folded: なんふん (何分) is asked; よさん (予算) is in too many words
K1, B = 1.2, 0.75
KEEP_CACHED = 4
ASPECT_ONLY_REST = 0  # characters left of a keyword without its aspect words, at most, to drop it
PHRASE_SPECIFICITY = 0.8  # at least this for a keyword of three or more English words
FORMAT = 9  # bump when the index's layout or how it is built changes: old cache files are ignored


def topic_fields(topic: Topic) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in FIELD_WEIGHTS}
    for lang in LANGUAGES:
        local = topic.local(lang)
        out["title"].append(local.title)
        out["answer"].append(local.answer)
        out["questions"].extend(local.questions)
        out["keywords"].extend(local.keywords)
    return out


def csr(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per key, its list of ints, as (ptr, items): key k's items are items[ptr[k]:ptr[k + 1]]."""
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(items) for items in lists])
    # int32: ids of grams, entries, keywords and questions stay far below 2**31, at half the memory
    items = np.fromiter((i for items in lists for i in items), dtype=np.int32, count=int(ptr[-1]))
    return ptr, items


def rows(ptr: np.ndarray, keys: list[int], *columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Each column's items of the keys, key after key, and how many items each key has.

    Slices joined, not index arithmetic over all keys at once: a message has a dozen keys, and on
    arrays this small each numpy call costs a microsecond or more whatever its size."""
    at = np.array(keys, dtype=np.int64)
    starts, ends = ptr[at], ptr[at + 1]
    bounds = list(zip(starts.tolist(), ends.tolist(), strict=True))
    joined = [np.concatenate([column[a:b] for a, b in bounds]) for column in columns]
    return joined, ends - starts


@dataclass
class MatchIndex:
    ids: list[str]  # entry -> topic id
    vocab: dict[str, int]  # gram -> id
    idf: list[float]  # gram id -> idf; a list, since the per-message code reads single values
    unknown_idf: float  # what a gram no entry has would weigh
    # postings: gram id -> (entry, saturated BM25 tf)
    post_ptr: np.ndarray
    post_doc: np.ndarray
    post_tf: np.ndarray
    # which aspects each entry's answer covers, as bits (Aspects.names order)
    aspect_bits: list[int]  # Python ints: as many aspects as aspects.toml has, not 64
    # keywords, strongest first within each entry: entry e's are kw[kw_ptr[e]:kw_ptr[e + 1]]
    kw_ptr: np.ndarray
    kw_blob: str  # every keyword's text, one after another: one string, not a quarter-million
    kw_off: np.ndarray  # keyword id -> where its text starts in kw_blob (and the next one's end)
    kw_strength: np.ndarray
    kw_grams: np.ndarray  # how many bigrams each keyword has
    kw_doc: np.ndarray  # keyword id -> its entry
    kw_vocab: dict[str, int]  # keyword bigram -> id
    kwg_ptr: np.ndarray  # keyword bigram id -> keyword ids
    kwg_kw: np.ndarray
    # sample questions: entry e's are smp[smp_ptr[e]:smp_ptr[e + 1]]
    smp_ptr: np.ndarray
    smp_doc: np.ndarray
    smp_norm: np.ndarray  # idf norm of each (inf for an empty one)
    smpg_ptr: np.ndarray  # gram id -> sample ids
    smpg_smp: np.ndarray
    # every word/gram of each entry's answer, title, keywords and sample questions in every language,
    # for answerability checks (a sample question names what its entry is about)
    known_ptr: np.ndarray  # entry -> its sorted gram ids (known[...])
    known: np.ndarray
    # every word the entries write as a name (KRILA, Hongdae), lower case and stemmed: a word typed
    # in lower case is taken for a name when it is one of these
    names: frozenset[str]
    # each aspect word written with kanji -> how it is read, in kana (normalised): 駐車 -> ちゆうしや,
    # so "ちゅうしゃじょうある？" asks about parking (Aspects.add_spellings)
    aspect_readings: dict[str, str]


# How the knowledge base's texts are read aloud, all at once (bot/answering/readings.py); None: not.
ReadAloud = Callable[[list[str]], "list[str] | None"]


def build_index(kb: KnowledgeBase, aspects: Aspects, read_aloud: ReadAloud | None) -> MatchIndex:
    ids = list(kb.topics)
    readable = [
        t
        for topic in kb.topics.values()
        for name, texts in topic_fields(topic).items()
        if name != "questions"
        for t in texts
    ]
    spelled = aspects.kanji_words()
    read = read_aloud(readable + spelled) if read_aloud is not None else None
    reading = dict(zip(readable + spelled, read, strict=True)) if read is not None else {}
    vocab: dict[str, int] = {}
    doc_tfs: list[defaultdict[int, float]] = []
    raw_keywords: list[list[str]] = []
    samples: list[list[list[int]]] = []
    known: list[list[int]] = []
    names: set[str] = set()
    aspect_bits = [0] * len(ids)  # one bit per aspect
    for d, topic_id in enumerate(ids):
        topic = kb.topics[topic_id]
        fields = topic_fields(topic)
        tf: defaultdict[int, float] = defaultdict(float)
        for name, texts in fields.items():
            weight = FIELD_WEIGHTS[name]
            for text in texts:
                for g in grams(text):
                    tf[vocab.setdefault(g, len(vocab))] += weight
                aloud = reading.get(text)
                if aloud is not None and aloud != text:
                    for g in grams(aloud):
                        tf[vocab.setdefault(g, len(vocab))] += weight * READING_WEIGHT
        doc_tfs.append(tf)
        raw_keywords.append(list(dict.fromkeys(fields["keywords"] + fields["title"])))
        samples.append([[vocab[g] for g in grams(q) if g not in STOP_GRAMS] for q in fields["questions"]])
        facts = fields["answer"] + fields["title"] + fields["keywords"] + fields["questions"]
        known.append(sorted({vocab[g] for text in facts for g in grams(text) if g in vocab}))
        names.update(_stem(n.lower()) for text in facts for n in NAME.findall(text))
        aspect_bits[d] = aspects.bits(aspects.stated(fields["answer"]))
    n_docs = len(ids)
    df = np.zeros(len(vocab))
    for tf in doc_tfs:
        df[list(tf)] += 1
    idf_array = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    idf: list[float] = idf_array.tolist()
    unknown_idf = math.log(1.0 + (n_docs + 0.5) / 0.5)

    # keywords, strongest first per entry
    kw_text: list[str] = []
    kw_strength: list[float] = []
    kw_grams: list[int] = []
    kw_vocab: dict[str, int] = {}
    kwg_lists: list[list[int]] = []
    kw_ptr = [0]
    kw_doc: list[int] = []
    for d, kws in enumerate(raw_keywords):
        weighted: dict[str, float] = {}
        for kw in kws:
            norm_kw = normalize(kw)
            if len(aspects.without(norm_kw)) <= ASPECT_ONLY_REST:
                # "free", "no cost", "締め切り": what a question asks of a topic, not which topic;
                # as a keyword it drew "Is the lecture free?" to the one topic that is free
                continue
            if len(norm_kw) >= 2:
                weighted[norm_kw] = _keyword_strength(kw, norm_kw, vocab, idf, unknown_idf)
        for kw, strength in sorted(weighted.items(), key=lambda kv: kv[1], reverse=True):
            kid = len(kw_text)
            kw_text.append(kw)
            kw_doc.append(d)
            kw_strength.append(strength)
            kw_gram_set = set(grams(kw))
            kw_grams.append(len(kw_gram_set))
            for g in kw_gram_set:
                gid = kw_vocab.setdefault(g, len(kw_vocab))
                if gid == len(kwg_lists):
                    kwg_lists.append([])
                kwg_lists[gid].append(kid)
        kw_ptr.append(len(kw_text))
    kwg_ptr, kwg_kw = csr(kwg_lists)

    # sample questions
    smp_doc: list[int] = []
    smp_norm: list[float] = []
    smpg_lists: list[list[int]] = [[] for _ in vocab]
    smp_ptr = [0]
    for d, doc in enumerate(samples):
        for sample in doc:
            sid = len(smp_doc)
            smp_doc.append(d)
            distinct = set(sample)
            norm = math.sqrt(sum(idf[gid] ** 2 for gid in distinct))
            smp_norm.append(norm if norm > 0 else math.inf)
            for gid in distinct:
                smpg_lists[gid].append(sid)
        smp_ptr.append(len(smp_doc))
    smpg_ptr, smpg_smp = csr(smpg_lists)

    # postings with saturated BM25 tf
    lengths = np.array([sum(tf.values()) for tf in doc_tfs], dtype=float)
    avg = lengths.mean() if n_docs else 1.0
    post_lists: list[list[tuple[int, float]]] = [[] for _ in vocab]
    for d, tf in enumerate(doc_tfs):
        norm = K1 * (1 - B + B * lengths[d] / avg)
        for gid, f in tf.items():
            post_lists[gid].append((d, f * (K1 + 1) / (f + norm)))
    post_ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    post_ptr[1:] = np.cumsum([len(p) for p in post_lists])
    count = int(post_ptr[-1])
    post_doc = np.fromiter((d for p in post_lists for d, _ in p), dtype=np.int32, count=count)
    post_tf = np.fromiter((w for p in post_lists for _, w in p), dtype=float, count=count)
    known_ptr, known_items = csr(known)
    aspect_readings = {}
    for word in spelled:
        kana = normalize(reading.get(word, word)).replace(" ", "")
        # a short reading is inside too many other words typed in kana (よさん, えき)
        if len(kana) >= MIN_ASPECT_READING and all("\u3041" <= c <= "\u309f" or c == "ー" for c in kana):
            aspect_readings[word] = kana
    return MatchIndex(
        ids=ids,
        vocab=vocab,
        idf=idf,
        unknown_idf=unknown_idf,
        post_ptr=post_ptr,
        post_doc=post_doc,
        post_tf=post_tf,
        aspect_bits=aspect_bits,
        kw_ptr=np.array(kw_ptr, dtype=np.int64),
        kw_blob="".join(kw_text),
        kw_off=np.cumsum([0] + [len(t) for t in kw_text], dtype=np.int64),
        kw_strength=np.array(kw_strength, dtype=float),
        kw_grams=np.array(kw_grams, dtype=np.int32),
        kw_doc=np.array(kw_doc, dtype=np.int32),
        kw_vocab=kw_vocab,
        kwg_ptr=kwg_ptr,
        kwg_kw=kwg_kw,
        smp_ptr=np.array(smp_ptr, dtype=np.int64),
        smp_doc=np.array(smp_doc, dtype=np.int32),
        smp_norm=np.array(smp_norm, dtype=float),
        smpg_ptr=smpg_ptr,
        smpg_smp=smpg_smp,
        known_ptr=known_ptr,
        known=known_items,
        names=frozenset(names),
        aspect_readings=aspect_readings,
    )


def _keyword_strength(kw: str, norm_kw: str, vocab: dict[str, int], idf: list[float], unknown_idf: float) -> float:
    """Long and specific keywords are strong evidence; 2-char or common ones ("2020") weak."""
    gs = [idf[vocab[g]] for g in grams(kw) if g in vocab]
    specificity = min(1.0, (sum(gs) / len(gs)) / (0.5 * unknown_idf)) if gs else 0.0
    if norm_kw.isascii() and norm_kw.count(" ") >= 2:
        # a phrase of three or more words found verbatim ("where is the office") says what is
        # asked even when its words are common ones, or the stop words a message is read without
        specificity = max(specificity, PHRASE_SPECIFICITY)
    return min(1.0, len(norm_kw) / 5) * specificity


# -- the cache ----------------------------------------------------------------------------------


def fingerprint(kb: KnowledgeBase, reader_name: str | None, extra: Iterable[Path] = ()) -> str:
    """A hash of everything the index is built from: the entries, the aspect words, this code."""
    h = hashlib.sha256(f"format {FORMAT}; reader {reader_name or 'none'}".encode())
    for topic_id in sorted(kb.topics):
        fields = topic_fields(kb.topics[topic_id])
        h.update(topic_id.encode())
        for name in FIELD_WEIGHTS:
            for text in fields[name]:
                h.update(b"\x00" + text.encode())
    for path in (ASPECTS_FILE, Path(__file__), Path(__file__).with_name("text.py"), *extra):
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


def load_or_build(
    kb: KnowledgeBase, aspects: Aspects, reader_name: str | None, read_aloud: ReadAloud | None, cache_dir: Path | None
) -> MatchIndex:
    """The cached index for this knowledge base, or a new one (then cached). A cache that cannot be
    read or written is only a slower start, never an error."""
    if cache_dir is None:
        return build_index(kb, aspects, read_aloud)
    path = cache_dir / f"match-index-{fingerprint(kb, reader_name)}.pickle"
    try:
        with path.open("rb") as f:
            index = pickle.load(f)
        if isinstance(index, MatchIndex) and index.ids == list(kb.topics):
            return index
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a damaged cache file is rebuilt, whatever the damage
        log.warning("index cache %s unreadable (%s): rebuilding", path, exc)
    index = build_index(kb, aspects, read_aloud)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        with partial.open("wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)  # another process reading it sees the old file or the whole new one
        # a few recent ones stay (a test suite builds several bases); older ones go
        kept = sorted(cache_dir.glob("match-index-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP_CACHED:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("index cache not written to %s (%s): the next start builds it again", cache_dir, exc)
    return index
