"""Question analysis: a question read into units, weights and corrections.

A question is read into *units*: each informative word (its stem; its typo corrections
when the catalog never uses it), each tag phrase in it (a tag's slug, title or alias from
``tags.yaml``, matched on stems, so aliases and multi-word phrases come from the data),
compounds written apart ("t sne") and neighbouring word pairs.

Each word weighs its inverse document frequency (see ``QuestionReader._weights``): topic
words count fully when a tag phrase reaches them and at 60% when only resources' text does
(the tag vocabulary is the catalog's own statement of what it is about); corrected words
count by the correction's confidence (a first-letter change costs an extra edit; a
correction onto a word found only in prose counts as chatter); words the catalog never
uses, or has only in prose, are chatter, damped as sqrt(n). ``Query.share`` is the share
of the question's weight the catalog answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.index import PAIR, TAG_TERM, Index, gap_word, idf, inflected, is_word
from bot.core.sanitize import strip_markup
from bot.core.segment import Segmenter, has_cjk
from bot.core.text import (
    MAX_QUERY_CHARS,
    americanise,
    english_words,
    is_foreign_stop,
    is_stop,
    misspelt_stop,
    normalise,
    words,
)

LATIN_END = "\u024f"  # Latin-1 Supplement and Latin Extended-A/B end here
LATIN_ADDITIONAL = ("\u1e00", "\u1eff")  # Latin Extended Additional (Vietnamese ...)
# Two question words standing side by side in some resource's text ("mode collapse") say the
# question is on topic as surely as a tag: a phrase is far more specific than either word alone.
PAIR_EVIDENCE = 1.0
TEXT_EVIDENCE = 0.6  # a word found in resources' text but in no tag phrase says this much that a question is on topic
UNKNOWN_SHARE = 0.25  # a word the catalog never uses weighs like a term found in this share of it
PAIR_WEIGHT = 0.5  # two query words side by side in a resource count this much extra
MIN_TYPO_LENGTH = 5  # shorter unknown words are too ambiguous to correct (four letters: a swap only)


def _edit_budget(word: str) -> int:
    """How many edits a typo of ``word`` may have: one, two for words longer than seven letters."""
    return 1 if len(word) <= 7 else 2


MAX_UNITS = 32  # words beyond this in one question are ignored


@dataclass(frozen=True, slots=True)
class Alt:
    """One reading of a unit: an index term and how sure the reading is."""

    term: str  # index term (a stem, a word pair, or TAG_TERM + slug)
    how: str
    confidence: float
    matched: str  # shown to the user
    fixed: str = ""  # for a typo: the stem the word was read as


@dataclass(slots=True)
class Unit:
    """A word, a phrase or a word pair of the question, with its readings."""

    label: str
    alts: tuple[Alt, ...]
    positions: tuple[int, ...]


@dataclass(slots=True)
class Query:
    """A question as read: units, per-word weights, corrections and its coverage (``share``)."""

    units: list[Unit] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # per position
    corrections: list[tuple[str, str]] = field(default_factory=list)
    prefer: list[tuple[str, str]] = field(default_factory=list)  # ("kind"|"level", value)
    unknown: list[str] = field(default_factory=list)
    total: float = 0.0  # weight of the whole question (chatter damped)
    attainable: float = 0.0  # weight of its words the catalog answers
    share: float = 0.0  # attainable / total: is the question about the catalog at all?
    counted: list[bool] = field(default_factory=list)  # per word: topic or corrected, not chatter
    foreign: list[str] = field(default_factory=list)  # generic words of another language (text.FOREIGN_STOP_WORDS)
    accented: bool = False  # some Latin letter is not plain ASCII (an accent: "è", "ã")
    non_latin: bool = False  # some letter is of another script (Cyrillic, Greek, CJK, Arabic ...)
    gaps: list[str] = field(default_factory=list)  # slugs of the known gaps (gaps.yaml) the question names
    # With Chinese, Japanese or Korean in it: the question's words as read (terms found inside
    # unspaced text, particles dropped), for what cannot split such text itself (empty otherwise).
    cjk_words: list[str] = field(default_factory=list)


def _latin(ch: str) -> bool:
    """Whether a letter is of the Latin script (ASCII, Latin-1, Latin Extended-A/B or Additional)."""
    return ch <= LATIN_END or LATIN_ADDITIONAL[0] <= ch <= LATIN_ADDITIONAL[1]


def _letters(word: str) -> int:
    """The characters of ``word`` as bits (a character's code modulo 64 sets that bit)."""
    bits = 0
    for ch in word:
        bits |= 1 << (ord(ch) & 63)
    return bits


_BITS_IN_BYTE = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64."""
    count = getattr(np, "bitwise_count", None)
    if count is not None:
        return count(values)
    return _BITS_IN_BYTE[values.view(np.uint8).reshape(-1, 8)].sum(axis=1)


def _deletions(word: str) -> set[str]:
    """``word`` with one letter removed, every way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class QuestionReader:
    """Reads questions against one catalog's index (its vocabulary, phrases and typo tables)."""

    def __init__(self, index: Index):
        self._index = index
        n = index.n
        # A word the catalog never uses may be context ("for my homework") or the real, missing
        # subject ("weather"): it weighs like a fairly common term, not like a rare one.
        self._unknown_weight = idf(max(1, math.ceil(n * UNKNOWN_SHARE)), n)
        self._gap_weight = idf(1, n)  # a subject the catalog knows it lacks: as telling as its rarest word
        self._letters_by_len: dict[int, np.ndarray] = {}  # per bucket, each word's _letters (made on first use)
        # Chinese and Japanese are written without spaces, Korean attaches particles: the words of
        # the catalog's tag phrases and gap names in those scripts are found inside such words.
        self._segmenter = Segmenter(
            {t for key in (*index.phrases, *index.gap_phrases) for t in key} | set(index.surface)
        )

    @cached_property
    def _vocab_by_len(self) -> dict[int, list[str]]:
        """The typo vocabulary by word length, sorted (built on the first word to correct)."""
        by_len: dict[int, list[str]] = {}
        for word in self._index.surface:  # Han, kana and hangul words are never corrected (see analyse)
            if len(word) >= 3 and not word.isdigit() and (word.isascii() or not has_cjk(word)):
                by_len.setdefault(len(word), []).append(word)
        for bucket in by_len.values():
            bucket.sort()
        return by_len

    @cached_property
    def _near(self) -> dict[str, list[str]]:
        """Each typo-vocabulary word and each of its one-letter deletions -> the words (built on first use)."""
        near: dict[str, list[str]] = {}
        for bucket in self._vocab_by_len.values():
            for word in bucket:
                for key in _deletions(word) | {word}:
                    near.setdefault(key, []).append(word)
        return near

    def analyse(self, query: str) -> Query:
        """Read a question into units, per-word weights, corrections and kind/level preferences."""
        idx = self._index
        q = Query()
        seq: list[tuple[str, str]] = []  # (surface, stem) of non-stop word parts, in order
        cjk = False
        if not query[:MAX_QUERY_CHARS].isascii():
            latin = [_latin(ch) for ch in query[:MAX_QUERY_CHARS] if not ch.isascii() and ch.isalpha()]
            q.accented, q.non_latin = any(latin), not all(latin)
            cjk = q.non_latin and bool(self._segmenter) and has_cjk(query[:MAX_QUERY_CHARS])
        for parts in words(normalise(strip_markup(query[:MAX_QUERY_CHARS]))):
            joined = self._joined(parts)
            if joined is not None:
                seq.append(joined)
                if cjk:
                    q.cjk_words.append(joined[0])
                continue
            if cjk:
                parts = [piece for part in parts for piece in self._segmenter.split(part)]
                q.cjk_words.extend(parts)
            for part in parts:
                if is_foreign_stop(part):
                    q.foreign.append(part)
                elif not is_stop(part) and not self._misspelt_stop(part):
                    seq.extend(self._split_unknown(part))
            if len(seq) >= MAX_UNITS:
                break
        seq = seq[:MAX_UNITS]
        gap = self._gap_spans(q, seq) if idx.gap_phrases else [0] * len(seq)
        # Unknown words are corrected first, so a corrected word can still complete a tag phrase.
        fixes: dict[int, tuple[Alt, ...]] = {}
        for p, (surface, term) in enumerate(seq):
            if gap[p]:
                continue
            # An edit in Han, kana or hangul changes a whole syllable or morpheme: no typo there.
            if (
                is_word(surface)
                and term not in idx.docs
                and (term,) not in idx.phrases
                and not (cjk and has_cjk(surface))
            ):
                alts = self._typo_alts(surface)
                if alts:
                    fixes[p] = alts
                    q.corrections.append((surface, alts[0].matched))
        stems = [fixes[p][0].fixed if p in fixes else term for p, (_, term) in enumerate(seq)]
        covered = self._phrase_units(q, seq, stems, fixes, gap)
        self._pair_units(q, seq, stems, covered, gap)
        self._word_units(q, seq, fixes, covered, gap)
        q.weights = self._weights(q, seq, gap)
        q.units = [u for u in q.units if any(a.term in idx.docs for a in u.alts)]
        return q

    def _gap_spans(self, q: Query, seq: list[tuple[str, str]]) -> list[int]:
        """Known gaps named in the question, by greedy longest match on words as typed, a tag phrase
        as long or longer starting at the same word winning (the catalog covers that reading).
        Returns per word the length of the gap name it belongs to (0: none); slugs go to ``q.gaps``."""
        idx = self._index
        stems = [term for _, term in seq]
        typed = [gap_word(surface) for surface, _ in seq]
        gap = [0] * len(seq)
        i = 0
        while i < len(seq):
            tag = next(
                (n for n in range(min(idx.max_phrase, len(seq) - i), 0, -1) if tuple(stems[i : i + n]) in idx.phrases),
                0,
            )
            for length in range(min(idx.max_gap, len(seq) - i), tag, -1):
                slug = idx.gap_phrases.get(tuple(typed[i : i + length]))
                if slug is not None:
                    gap[i : i + length] = [length] * length
                    if slug not in q.gaps:
                        q.gaps.append(slug)
                    i += length
                    break
            else:
                i += max(tag, 1)
        return gap

    def _phrase_units(
        self,
        q: Query,
        seq: list[tuple[str, str]],
        stems: list[str],
        fixes: dict[int, tuple[Alt, ...]],
        gap: list[int],
    ) -> list[bool]:
        """Tag phrases by greedy longest match on stems (never across a gap's name); returns
        which words they cover."""
        idx = self._index
        covered = [False] * len(seq)
        i = 0
        while i < len(seq):
            for length in range(min(idx.max_phrase, len(seq) - i), 0, -1):
                targets = idx.phrases.get(tuple(stems[i : i + length]))
                if not targets or any(gap[i : i + length]):
                    continue
                if length == 1 and i not in fixes:  # one word reaches a tag only as it was spelt there
                    typed = gap_word(seq[i][0])
                    spelt = idx.phrase_spellings
                    targets = [
                        t for t in targets if any(inflected(typed, w) for w in spelt.get((stems[i], t.slug), (typed,)))
                    ]
                    if not targets:
                        continue
                positions = tuple(range(i, i + length))
                label = " ".join(s for s, _ in seq[i : i + length])
                typo = [fixes[p][0].confidence for p in positions if p in fixes]
                conf = min(typo) if typo else 1.0
                alts = tuple(Alt(TAG_TERM + t.slug, "typo" if typo else t.how, conf, t.slug) for t in targets)
                q.units.append(Unit(label, alts, positions))
                # An alias also looks for the tag's own name in the text ("backprop" -> backpropagation).
                for target in targets:
                    if target.how == "alias" or typo:
                        names = idx.name_terms.get(target.slug, ())
                        for term in names:
                            alt = Alt(term, target.how, conf / len(names), idx.display.get(term, term))
                            q.units.append(Unit(label, (alt,), positions))
                for p in positions:
                    covered[p] = True
                i += length - 1
                break
            i += 1
        return covered

    def _pair_units(
        self, q: Query, seq: list[tuple[str, str]], stems: list[str], covered: list[bool], gap: list[int]
    ) -> None:
        """Compounds written apart or hyphenated ("t sne", "r-cnn"), and neighbouring words that
        also stand side by side in a resource (a gentle phrase bonus)."""
        idx = self._index
        for i in range(len(seq) - 1):
            if gap[i] or gap[i + 1]:
                continue
            joined = idx.stem(seq[i][0] + seq[i + 1][0])
            label = f"{seq[i][0]} {seq[i + 1][0]}"
            if joined in idx.docs and joined not in stems:
                q.units.append(Unit(label, (Alt(joined, "exact", 1.0, idx.display.get(joined, joined)),), (i, i + 1)))
                covered[i] = covered[i + 1] = True
            pair = stems[i] + PAIR + stems[i + 1]
            if pair in idx.docs:
                q.units.append(Unit(label, (Alt(pair, "exact", PAIR_WEIGHT, label),), (i, i + 1)))

    def _word_units(
        self,
        q: Query,
        seq: list[tuple[str, str]],
        fixes: dict[int, tuple[Alt, ...]],
        covered: list[bool],
        gap: list[int],
    ) -> None:
        """One unit per informative word: as typed (or stemmed), else its corrections. The words
        of a known gap's name are the catalog's unknown words, whatever else they could mean."""
        idx = self._index
        for p, (surface, term) in enumerate(seq):
            schema = idx.schema_words.get(term)
            if gap[p]:
                q.unknown.append(surface)
            elif schema is not None:
                q.prefer.append(schema)
            elif not is_word(surface):
                continue
            elif term in idx.docs:
                how = "exact" if americanise(surface) in idx.surface else "stem"
                q.units.append(Unit(surface, (Alt(term, how, 1.0, idx.display.get(term, term)),), (p,)))
            elif p in fixes:
                alts = tuple(a for a in fixes[p] if not a.term.startswith(TAG_TERM) or not covered[p])
                if alts:
                    q.units.append(Unit(surface, alts, (p,)))
            elif not covered[p]:
                q.unknown.append(surface)

    def _weights(self, q: Query, seq: list[tuple[str, str]], gap: list[int]) -> list[float]:
        """Each word's weight, and how much of the question the catalog can answer (``q.share``).

        A *topic* word is reached, as typed, by a term some resource has in a tag, title or
        keyword, or is one of two neighbouring words that stand side by side in a resource's text:
        it weighs that term's IDF. A *corrected* word weighs no more than an unknown
        word, counted by the correction's confidence if it reads the word as a topic word (a
        correction onto a word found only in prose is chatter). *Chatter* is the rest: words the catalog
        never uses and words it has only in prose ("avoid", "keeps"). Chatter grows with a
        question's length while a missing subject does not, so n chatter words weigh like
        sqrt(n) unknown ones, and they never count as a match. The name of a known gap is a
        subject the catalog lacks: it weighs like the rarest topic word and never counts as a match.
        """
        idx = self._index
        weights = [0.0] * len(seq)
        confidence = [0.0] * len(seq)  # 1 for topic words, the correction's for corrected ones
        for unit in q.units:
            typo, topical, tag, pair, best, typo_conf = True, False, False, False, 0.0, 0.0
            for a in unit.alts:
                best = max(best, idx.idf.get(a.term, 0.0))
                if a.how == "typo":
                    if self._telling(a.term):
                        typo_conf = max(typo_conf, a.confidence)
                else:
                    typo = False
                    pair = pair or PAIR in a.term
                    topical = topical or pair or a.term in idx.topical
                    tag = tag or a.term.startswith(TAG_TERM)
            if topical:
                conf = 1.0 if tag else (PAIR_EVIDENCE if pair else TEXT_EVIDENCE)
            else:
                best = min(best, self._unknown_weight)
                conf = typo_conf if typo else 0.0
            for p in unit.positions:
                weights[p] = max(weights[p], best)
                confidence[p] = max(confidence[p], conf)
        chatter = 0
        for p, (surface, term) in enumerate(seq):
            if gap[p]:
                weights[p], confidence[p] = self._gap_weight / gap[p], 0.0
            elif not is_word(surface) or term in idx.schema_words:
                weights[p] = confidence[p] = 0.0
            elif confidence[p] == 0.0:
                weights[p] = self._unknown_weight
                chatter += 1
        answerable = sum(w for w, c in zip(weights, confidence) if c > 0) + sum(w for w, g in zip(weights, gap) if g)
        q.attainable = sum(w * c for w, c in zip(weights, confidence))
        q.total = answerable + math.sqrt(chatter) * self._unknown_weight
        q.share = q.attainable / q.total if q.total else 0.0
        q.counted = [c > 0 for c in confidence]
        return weights

    def _telling(self, term: str) -> bool:
        """Whether a correction onto ``term`` is evidence that a question is on topic: the term
        says what some resource is about (tag, title or keyword), not only prose ("taxes" read
        as "takes"). Other corrections still rank, but weigh as chatter."""
        return term in self._index.topical

    def _misspelt_stop(self, part: str) -> bool:
        """An unknown word one edit from a stop word ("expalin", "thnaks") is chatter
        misspelt, not a missing subject: it is dropped like the stop word."""
        idx = self._index
        term = idx.stem(part)
        return (
            term not in idx.docs
            and (term,) not in idx.phrases
            and gap_word(part) not in idx.gap_words
            and misspelt_stop(part)
        )

    def _joined(self, parts: list[str]) -> tuple[str, str] | None:
        """A hyphenated word with a part that would be dropped (a stop word or a single letter:
        "k-means", "x-ray") as one (surface, stem), when the catalog knows the joined form."""
        if len(parts) < 2 or all(is_word(p) and not is_stop(p) for p in parts):
            return None
        surface = "".join(parts)
        term = self._index.stem(surface)
        if (
            term in self._index.docs
            or (term,) in self._index.phrases
            or (gap_word(surface),) in self._index.gap_phrases
        ):
            return surface, term
        return None

    def _split_unknown(self, part: str) -> list[tuple[str, str]]:
        """``part`` as (surface, stem); an unknown compound of two known words gives both, unless
        it is an English word of its own ("backbone" is not "back" + "bone")."""
        idx = self._index
        term = idx.stem(part)
        if term in idx.docs or (term,) in idx.phrases or gap_word(part) in idx.gap_words or len(part) < 6:
            return [(part, term)]
        if part.isdigit() or part in english_words():
            return [(part, term)]
        for cut in range(3, len(part) - 2):
            left, right = part[:cut], part[cut:]
            if is_stop(left) or is_stop(right):
                continue
            a, b = idx.stem(left), idx.stem(right)
            if a in idx.docs and b in idx.docs:
                return [(left, a), (right, b)]
        return [(part, term)]

    def _typo_alts(self, word: str) -> tuple[Alt, ...]:
        """Alternatives for an unknown word: close index words, and tags whose one-word name is close.
        A correctly spelt English word the catalog does not use ("taxes", "election") is not a typo."""
        idx = self._index
        alts: list[Alt] = []
        if word in english_words():
            return ()
        for surface, term, edits in self._corrections(word):
            # People rarely mistype a word's first letter: a correction that changes it counts
            # as one more edit, within the same budget ("federated" is not "generated").
            edits += surface[0] != americanise(word)[0]
            confidence = 1.0 - 2.0 * edits / len(word)
            if confidence <= 0.0 or edits > _edit_budget(word):
                continue
            if term in idx.docs:
                alts.append(Alt(term, "typo", confidence, surface, term))
            for target in idx.phrases.get((term,), ()):
                alts.append(Alt(TAG_TERM + target.slug, "typo", confidence, target.slug, term))
        return tuple(alts)

    def _corrections(self, word: str) -> list[tuple[str, str, int]]:
        """Index words within one edit (two for long words) of an unknown ``word``: (word, stem, edits).
        A four-letter word is corrected only by swapping two neighbouring letters onto a word that
        names a topic ("lsmt", "rleu"): any other edit of so short a word is too ambiguous."""
        if word.isdigit() or len(word) < MIN_TYPO_LENGTH - 1:
            return []
        idx = self._index
        if len(word) < MIN_TYPO_LENGTH:
            swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
            return [
                (choice, idx.surface[choice], 1)
                for choice in sorted(swaps)
                if choice != word and choice in idx.surface and idx.surface[choice] in idx.topical
            ][:3]
        word = americanise(word)
        max_edits = _edit_budget(word)
        found: list[tuple[int, int, str]] = []
        # Words one deletion apart share a key: that finds every word one edit away at once.
        near = {c for key in _deletions(word) | {word} for c in self._near.get(key, ())}
        for choice in near:
            dist = OSA.distance(word, choice, score_cutoff=max_edits)
            if dist <= max_edits:
                found.append((dist, -idx.df.get(idx.surface[choice], 0), choice))
        # Two edits apart (long words only): scan the words of similar length.
        lengths = range(len(word) - max_edits, len(word) + max_edits + 1) if max_edits > 1 and not found else ()
        letters = np.uint64(_letters(word)) if lengths else None
        for length in lengths:
            bucket = self._vocab_by_len.get(length)
            if not bucket:
                continue
            # Each edit adds or removes at most two characters, so a word whose characters differ
            # from the question word's in more than 2 * max_edits cannot be that close: only the
            # others are compared (in bucket order, so the same eight are kept).
            close = np.flatnonzero(_popcount(self._bucket_letters(length) ^ letters) <= 2 * max_edits)
            if not len(close):
                continue
            choices = [bucket[i] for i in close.tolist()]
            for choice, dist, _ in process.extract(
                word, choices, scorer=OSA.distance, processor=None, score_cutoff=max_edits, limit=8
            ):
                found.append((dist, -idx.df.get(idx.surface[choice], 0), choice))
        if not found:
            return []
        found.sort()
        best = found[0][0]
        out: list[tuple[str, str, int]] = []
        for dist, _, choice in found:
            term = idx.surface[choice]
            if dist == best and all(t != term for _, t, _ in out):
                out.append((choice, term, dist))
        return out[:3]

    def _bucket_letters(self, length: int) -> np.ndarray:
        """:func:`_letters` of every vocabulary word of ``length`` characters, in bucket order."""
        letters = self._letters_by_len.get(length)
        if letters is None:
            bucket = self._vocab_by_len[length]
            letters = self._letters_by_len[length] = np.array([_letters(w) for w in bucket], dtype=np.uint64)
        return letters
