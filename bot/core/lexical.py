"""The lexical half of search: question analysis, BM25F retrieval, lexical refusal and "why".

A question is read into *units*: each informative word (its stem; its typo corrections
when the catalog never uses it), each tag phrase in it (a tag's slug, title or alias from
``tags.yaml``, matched on stems, so aliases and multi-word phrases come from the data),
compounds written apart ("t sne") and neighbouring word pairs. A resource's score is the
sum over units of its best BM25F impact (see :mod:`bot.core.index`).

Refusal is decided by *coverage*, first for the question, then per resource. Each word
weighs its inverse document frequency (see ``_weights``): topic words count fully when a
tag phrase reaches them and at 60% when only resources' text does (the tag vocabulary is
the catalog's own statement of what it is about); corrected words count by the
correction's confidence (a first-letter change costs an extra edit; a correction onto a
word found only in prose counts as chatter); words the catalog never uses, or has only in prose, are chatter,
damped as sqrt(n). When less than half of the question's weight is answerable
("weather in Paris", "how do I bake bread") nothing is returned. Otherwise a resource must
cover 40% of the answerable weight (a match only in a description counts half) and reach
the IDF of a term found in half the catalog; results under 30% of the best score are dropped.
"""

from __future__ import annotations

import heapq
import logging
import math
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.errors import InvalidInput, NotFound
from bot.core.index import FIELD_NAMES, PAIR, STRONG_FIELDS, TAG_TERM, Index, compact, idf, is_word
from bot.core.model import KINDS, LEVELS, Catalog, Resource, Tag
from bot.core.results import Match, SearchResponse, SearchResult, TagLookup
from bot.core.text import MAX_QUERY_CHARS, americanise, english_words, is_stop, misspelt_stop, normalise, words

_log = logging.getLogger(__name__)

COVERAGE = 0.5  # share of the question's weight the catalog must answer, or nothing is returned
DOC_SHARE = 0.4  # share of that answerable weight each result must cover
TEXT_EVIDENCE = 0.6  # a word found in resources' text but in no tag phrase says this much that a question is on topic
COMMON_SHARE = 0.5  # matched weight must reach the IDF of a term found in this share of resources
UNKNOWN_SHARE = 0.25  # a word the catalog never uses weighs like a term found in this share of it
RELATIVE_CUTOFF = 0.3  # results scoring below this share of the best one are dropped
SCHEMA_BOOST = 0.15  # "video", "beginner": prefer that kind or level by this much
WEAK_EVIDENCE = 0.5  # a word found only in a description (or author) counts this much towards coverage
PAIR_WEIGHT = 0.5  # two query words side by side in a resource count this much extra
PRIOR_WEIGHT = 0.05  # feedback prior in [-1, 1] moves a score by at most this share
SUGGEST_DEPTH = 20  # a refused question's tags come from this many best matches per word
MIN_TYPO_LENGTH = 5  # shorter unknown words are too ambiguous to correct (four letters: a swap only)
FIRST_BATCH = 16  # postings first read from a list (then as many as read so far)
MAP_MAX = 512  # posting lists up to this long get a resource -> position map for random access
POSITION_CACHE = 2048  # posting lists kept mapped for random access
MAX_LIMIT = 50
MAX_UNITS = 32  # words beyond this in one question are ignored


@dataclass(frozen=True, slots=True)
class _Alt:
    term: str  # index term (a stem, a word pair, or TAG_TERM + slug)
    how: str
    confidence: float
    matched: str  # shown to the user
    fixed: str = ""  # for a typo: the stem the word was read as


@dataclass(slots=True)
class _Unit:
    label: str
    alts: tuple[_Alt, ...]
    positions: tuple[int, ...]


@dataclass(slots=True)
class Query:
    units: list[_Unit] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # per position
    corrections: list[tuple[str, str]] = field(default_factory=list)
    prefer: list[tuple[str, str]] = field(default_factory=list)  # ("kind"|"level", value)
    unknown: list[str] = field(default_factory=list)
    total: float = 0.0  # weight of the whole question (chatter damped)
    attainable: float = 0.0  # weight of its words the catalog answers
    share: float = 0.0  # attainable / total: is the question about the catalog at all?
    counted: list[bool] = field(default_factory=list)  # per word: topic or corrected, not chatter


def _deletions(word: str) -> set[str]:
    """``word`` with one letter removed, every way."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class _Sorted:
    """Random access into a sorted posting list by binary search (``get`` like a dict's)."""

    __slots__ = ("docs", "n")

    def __init__(self, docs: Sequence[int]):
        self.docs = docs
        self.n = len(docs)

    def get(self, doc: int) -> int | None:
        i = bisect_left(self.docs, doc)
        return i if i < self.n and self.docs[i] == doc else None


def _evidence(units: list[tuple], doc: int) -> tuple[float, int]:
    """Score and evidence mask of one resource: each unit's best alternative, by random access
    (a per-resource array for long posting lists, a resource -> position map for the others).
    A unit is (strong bit, weak bit, alternatives); an alternative is
    (confidence, dense impacts, dense masks, positions, impacts, masks)."""
    score, mask = 0.0, 0
    for strong, weak, alts in units:
        best, fields = 0.0, 0
        for conf, dense_imps, dense_masks, positions, imps, masks in alts:
            if dense_imps is not None:
                v = dense_imps[doc]
                if not v:
                    continue
                fields |= dense_masks[doc]
            else:
                i = positions.get(doc)
                if i is None:
                    continue
                v = imps[i]
                fields |= masks[i]
            v *= conf
            if v > best:
                best = v
        if best:
            score += best
            mask |= strong if fields & STRONG_FIELDS else weak
    return score, mask


class LexicalEngine:
    """Lexical search over one catalog; build a new engine when the catalog changes."""

    def __init__(self, catalog: Catalog, prior: Mapping[str, float] | None = None):
        self.catalog = catalog
        self._index = Index(catalog)
        n = self._index.n
        self._prior = [
            max(-1.0, min(1.0, float((prior or {}).get(r.id, 0.0)))) for r in catalog.resources
        ]
        self._has_prior = any(self._prior)
        # Random access into posting lists too short for a per-resource array; only the lists
        # questions use are mapped, and only so many are kept.
        self._positions = lru_cache(maxsize=POSITION_CACHE)(self._index.positions)
        self._common_weight = idf(max(1, math.ceil(n * COMMON_SHARE)), n)
        # A word the catalog never uses may be context ("for my homework") or the real, missing
        # subject ("weather"): it weighs like a fairly common term, not like a rare one.
        self._unknown_weight = idf(max(1, math.ceil(n * UNKNOWN_SHARE)), n)
        self._vocab_by_len: dict[int, list[str]] = {}
        for word in self._index.surface:
            if len(word) >= 3 and not word.isdigit():
                self._vocab_by_len.setdefault(len(word), []).append(word)
        for bucket in self._vocab_by_len.values():
            bucket.sort()
        self._near: dict[str, list[str]] = {}  # the word and each of its one-letter deletions -> words
        for bucket in self._vocab_by_len.values():
            for word in bucket:
                for key in _deletions(word) | {word}:
                    self._near.setdefault(key, []).append(word)
        self._counts = {slug: 0 for slug in catalog.tags}
        self._by_tag: dict[str, list[Resource]] = {slug: [] for slug in catalog.tags}
        for r in catalog.resources:
            for slug in r.tags:
                if slug in self._by_tag:
                    self._counts[slug] += 1
                    self._by_tag[slug].append(r)
        self._tag_names: dict[str, tuple[str, str]] = {}  # compact or stemmed name -> (slug, how)
        for want in ("exact", "alias"):
            for slug, tag in catalog.tags.items():
                forms = [slug, tag.title] if want == "exact" else list(tag.aliases)
                for form in forms:
                    for key in (compact(form), "".join(self._index.phrase_key(form))):
                        if key:
                            self._tag_names.setdefault(key, (slug, want))
        self._tag_keys = list(self._tag_names)

    # -- public API ----------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 5,
        offset: int = 0,
        tag: str | None = None,
        kind: str | None = None,
        level: str | None = None,
    ) -> SearchResponse:
        """The best resources for ``query`` (never raises on any text; filters are checked)."""
        allowed_tag = self.check_filters(limit, offset, tag, kind, level)
        query = query if isinstance(query, str) else str(query)
        q = self.analyse(query)
        if not q.units and not q.unknown:
            return self.empty_response(query)
        on_topic = q.share >= COVERAGE - 1e-9
        ranked = self.top(q, offset + limit, allowed_tag, kind, level) if on_topic else []
        results = tuple(self.explain(q, doc, score, mask) for doc, score, mask in ranked[offset:])
        return self.respond(query, q, results, [doc for doc, _, _ in ranked], min(q.share, 1.0), filtered=bool(tag or kind or level))

    def boosts(self) -> list[float] | None:
        """Per resource, the factor the feedback prior multiplies its score by (None: no votes)."""
        if not self._has_prior:
            return None
        return [1.0 + PRIOR_WEIGHT * p for p in self._prior]

    def check_filters(self, limit: int, offset: int, tag: str | None, kind: str | None, level: str | None) -> str | None:
        """Raise ``InvalidInput``/``NotFound`` for a bad page or filter; the tag filter's slug."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput("limit", f"must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise InvalidInput("offset", "must not be negative")
        allowed_tag = self.filter_tag(tag)
        if kind is not None and kind not in KINDS:
            raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}")
        if level is not None and level not in LEVELS:
            raise InvalidInput("level", f"must be one of {', '.join(LEVELS)}")
        return allowed_tag

    def empty_response(self, query: str) -> SearchResponse:
        """The answer to a question with no topic word at all ("how does it work?")."""
        return SearchResponse(query, (), self.popular_tags(), "Ask about a topic, for example: " + self.example_topics())

    def respond(
        self, query: str, q: Query, results: tuple[SearchResult, ...], ranked: list[int], confidence: float, *, filtered: bool
    ) -> SearchResponse:
        """The response for ``results`` (resources ``ranked`` best first, beyond the page too), or
        the refusal with the closest tags when there are none."""
        if ranked:
            notice = None
            if q.corrections:
                notice = "Read " + ", ".join(f'"{a}" as "{b}"' for a, b in q.corrections) + "."
            return SearchResponse(query, results, self.result_tags(ranked), notice, confidence=confidence)
        suggested = self.closest_tags(q)
        notice = "Nothing in the catalog fits that question well" + (" with those filters" if filtered else "") + "."
        if suggested:
            notice += " Closest tags: " + ", ".join(suggested) + "."
        return SearchResponse(query, (), suggested, notice, confidence=confidence)

    def resolve_tag(self, name: str) -> TagLookup:
        """The tag named by a slug, title or alias, or the nearest by spelling."""
        tags = self.catalog.tags
        key = compact(name[:MAX_QUERY_CHARS]) if isinstance(name, str) else ""
        if not key:
            return TagLookup(None, (), "none")
        stemmed = "".join(self._index.phrase_key(name[:200]))
        hit = self._tag_names.get(key) or self._tag_names.get(stemmed)
        if hit:
            return TagLookup(tags[hit[0]], (), hit[1])
        if len(key) >= 3:  # a typo, possibly inflected too ("kernals"): try the word as typed and its stem
            found = [
                best
                for form in dict.fromkeys((key, stemmed))
                if form
                and (best := process.extractOne(form, self._tag_keys, scorer=fuzz.ratio, processor=None, score_cutoff=80))
            ]
            if found:
                best = max(found, key=lambda match: match[1])
                return TagLookup(tags[self._tag_names[best[0]][0]], (), "typo")
        return TagLookup(None, self._suggest_tags_for(key), "none")

    def complete_tags(self, text: str, limit: int = 25) -> list[Tag]:
        """Tags for autocomplete: prefix matches first, then substring and fuzzy ones."""
        limit = max(1, min(limit, 25))
        tags = self.catalog.tags
        key = compact(text[:200]) if isinstance(text, str) else ""
        if not key:
            return sorted(tags.values(), key=lambda t: (t.title.casefold(), t.slug))[:limit]
        ranks: dict[str, tuple[int, float]] = {}
        for name, (slug, _) in self._tag_names.items():
            if name.startswith(key):
                rank = (0, 0.0)
            elif key in name:
                rank = (1, 0.0)
            else:
                continue
            ranks[slug] = min(ranks.get(slug, rank), rank)
        for name, score, _ in process.extract(
            key, self._tag_keys, scorer=fuzz.partial_ratio, processor=None, score_cutoff=75, limit=None
        ):
            slug = self._tag_names[name][0]
            ranks[slug] = min(ranks.get(slug, (2, -score)), (2, -score))
        ordered = sorted(ranks, key=lambda s: (ranks[s], tags[s].title.casefold(), s))
        return [tags[s] for s in ordered[:limit]]

    def resources_for_tag(self, slug: str, *, kind: str | None = None, level: str | None = None) -> list[Resource]:
        """The resources carrying tag ``slug`` (beginner first, then by title)."""
        if slug not in self._by_tag:
            raise NotFound(f"no tag {slug!r}")
        order = {lv: i for i, lv in enumerate(LEVELS)}
        chosen = [
            r for r in self._by_tag[slug] if (kind is None or r.kind == kind) and (level is None or r.level == level)
        ]
        return sorted(chosen, key=lambda r: (order.get(r.level, 99), r.title.casefold(), r.id))

    def tag_counts(self) -> dict[str, int]:
        """Number of resources per tag (every tag, zero included)."""
        return dict(self._counts)

    # -- reading the question ----------------------------------------------------------------

    def analyse(self, query: str) -> Query:
        """Read a question into units, per-word weights, corrections and kind/level preferences."""
        idx = self._index
        q = Query()
        seq: list[tuple[str, str]] = []  # (surface, stem) of non-stop word parts, in order
        for parts in words(normalise(query[:MAX_QUERY_CHARS])):
            joined = self._joined(parts)
            if joined is not None:
                seq.append(joined)
                continue
            for part in parts:
                if not is_stop(part) and not self._misspelt_stop(part):
                    seq.extend(self._split_unknown(part))
            if len(seq) >= MAX_UNITS:
                break
        seq = seq[:MAX_UNITS]
        # Unknown words are corrected first, so a corrected word can still complete a tag phrase.
        fixes: dict[int, tuple[_Alt, ...]] = {}
        for p, (surface, term) in enumerate(seq):
            if is_word(surface) and term not in idx.docs and (term,) not in idx.phrases:
                alts = self._typo_alts(surface)
                if alts:
                    fixes[p] = alts
                    q.corrections.append((surface, alts[0].matched))
        stems = [fixes[p][0].fixed if p in fixes else term for p, (_, term) in enumerate(seq)]
        covered = self._phrase_units(q, seq, stems, fixes)
        self._pair_units(q, seq, stems, covered)
        self._word_units(q, seq, fixes, covered)
        q.weights = self._weights(q, seq)
        q.units = [u for u in q.units if any(a.term in idx.docs for a in u.alts)]
        return q

    def _phrase_units(
        self, q: Query, seq: list[tuple[str, str]], stems: list[str], fixes: dict[int, tuple[_Alt, ...]]
    ) -> list[bool]:
        """Tag phrases by greedy longest match on stems; returns which words they cover."""
        idx = self._index
        covered = [False] * len(seq)
        i = 0
        while i < len(seq):
            for length in range(min(idx.max_phrase, len(seq) - i), 0, -1):
                targets = idx.phrases.get(tuple(stems[i : i + length]))
                if not targets:
                    continue
                positions = tuple(range(i, i + length))
                label = " ".join(s for s, _ in seq[i : i + length])
                typo = [fixes[p][0].confidence for p in positions if p in fixes]
                conf = min(typo) if typo else 1.0
                alts = tuple(_Alt(TAG_TERM + t.slug, "typo" if typo else t.how, conf, t.slug) for t in targets)
                q.units.append(_Unit(label, alts, positions))
                # An alias also looks for the tag's own name in the text ("backprop" -> backpropagation).
                for target in targets:
                    if target.how == "alias" or typo:
                        names = idx.name_terms.get(target.slug, ())
                        for term in names:
                            alt = _Alt(term, target.how, conf / len(names), idx.display.get(term, term))
                            q.units.append(_Unit(label, (alt,), positions))
                for p in positions:
                    covered[p] = True
                i += length - 1
                break
            i += 1
        return covered

    def _pair_units(self, q: Query, seq: list[tuple[str, str]], stems: list[str], covered: list[bool]) -> None:
        """Compounds written apart or hyphenated ("t sne", "r-cnn"), and neighbouring words that
        also stand side by side in a resource (a gentle phrase bonus)."""
        idx = self._index
        for i in range(len(seq) - 1):
            joined = idx.stem(seq[i][0] + seq[i + 1][0])
            label = f"{seq[i][0]} {seq[i + 1][0]}"
            if joined in idx.docs and joined not in stems:
                q.units.append(_Unit(label, (_Alt(joined, "exact", 1.0, idx.display.get(joined, joined)),), (i, i + 1)))
                covered[i] = covered[i + 1] = True
            pair = stems[i] + PAIR + stems[i + 1]
            if pair in idx.docs:
                q.units.append(_Unit(label, (_Alt(pair, "exact", PAIR_WEIGHT, label),), (i, i + 1)))

    def _word_units(
        self, q: Query, seq: list[tuple[str, str]], fixes: dict[int, tuple[_Alt, ...]], covered: list[bool]
    ) -> None:
        """One unit per informative word: as typed (or stemmed), else its corrections."""
        idx = self._index
        for p, (surface, term) in enumerate(seq):
            schema = idx.schema_words.get(term)
            if schema is not None:
                q.prefer.append(schema)
            elif not is_word(surface):
                continue
            elif term in idx.docs:
                how = "exact" if americanise(surface) in idx.surface else "stem"
                q.units.append(_Unit(surface, (_Alt(term, how, 1.0, idx.display.get(term, term)),), (p,)))
            elif p in fixes:
                alts = tuple(a for a in fixes[p] if not a.term.startswith(TAG_TERM) or not covered[p])
                if alts:
                    q.units.append(_Unit(surface, alts, (p,)))
            elif not covered[p]:
                q.unknown.append(surface)

    def _weights(self, q: Query, seq: list[tuple[str, str]]) -> list[float]:
        """Each word's weight, and how much of the question the catalog can answer (``q.share``).

        A *topic* word is reached, as typed, by a term some resource has in a tag, title or
        keyword: it weighs that term's IDF. A *corrected* word weighs no more than an unknown
        word, counted by the correction's confidence if it reads the word as a topic word (a
        correction onto a word found only in prose is chatter). *Chatter* is the rest: words the catalog
        never uses and words it has only in prose ("avoid", "keeps"). Chatter grows with a
        question's length while a missing subject does not, so n chatter words weigh like
        sqrt(n) unknown ones, and they never count as a match.
        """
        idx = self._index
        weights = [0.0] * len(seq)
        confidence = [0.0] * len(seq)  # 1 for topic words, the correction's for corrected ones
        for unit in q.units:
            typo, topical, tag, best, typo_conf = True, False, False, 0.0, 0.0
            for a in unit.alts:
                best = max(best, idx.idf.get(a.term, 0.0))
                if a.how == "typo":
                    if self._telling(a.term):
                        typo_conf = max(typo_conf, a.confidence)
                else:
                    typo = False
                    topical = topical or a.term in idx.topical
                    tag = tag or a.term.startswith(TAG_TERM)
            if topical:
                conf = 1.0 if tag else TEXT_EVIDENCE
            else:
                best = min(best, self._unknown_weight)
                conf = typo_conf if typo else 0.0
            for p in unit.positions:
                weights[p] = max(weights[p], best)
                confidence[p] = max(confidence[p], conf)
        chatter = 0
        for p, (surface, term) in enumerate(seq):
            if not is_word(surface) or term in idx.schema_words:
                weights[p] = confidence[p] = 0.0
            elif confidence[p] == 0.0:
                weights[p] = self._unknown_weight
                chatter += 1
        answerable = sum(w for w, c in zip(weights, confidence) if c > 0)
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
        return term not in idx.docs and (term,) not in idx.phrases and misspelt_stop(part)

    def _joined(self, parts: list[str]) -> tuple[str, str] | None:
        """A hyphenated word with a part that would be dropped (a stop word or a single letter:
        "k-means", "x-ray") as one (surface, stem), when the catalog knows the joined form."""
        if len(parts) < 2 or all(is_word(p) and not is_stop(p) for p in parts):
            return None
        surface = "".join(parts)
        term = self._index.stem(surface)
        if term in self._index.docs or (term,) in self._index.phrases:
            return surface, term
        return None

    def _split_unknown(self, part: str) -> list[tuple[str, str]]:
        """``part`` as (surface, stem); an unknown compound of two known words gives both, unless
        it is an English word of its own ("backbone" is not "back" + "bone")."""
        idx = self._index
        term = idx.stem(part)
        if term in idx.docs or (term,) in idx.phrases or len(part) < 6 or part.isdigit() or part in english_words():
            return [(part, term)]
        for cut in range(3, len(part) - 2):
            left, right = part[:cut], part[cut:]
            if is_stop(left) or is_stop(right):
                continue
            a, b = idx.stem(left), idx.stem(right)
            if a in idx.docs and b in idx.docs:
                return [(left, a), (right, b)]
        return [(part, term)]

    def _typo_alts(self, word: str) -> tuple[_Alt, ...]:
        """Alternatives for an unknown word: close index words, and tags whose one-word name is close.
        A correctly spelt English word the catalog does not use ("taxes", "election") is not a typo."""
        idx = self._index
        alts: list[_Alt] = []
        if word in english_words():
            return ()
        for surface, term, edits in self._corrections(word):
            # People rarely mistype a word's first letter: a correction that changes it counts
            # as one more edit.
            edits += surface[0] != americanise(word)[0]
            confidence = 1.0 - 2.0 * edits / len(word)
            if confidence <= 0.0:
                continue
            if term in idx.docs:
                alts.append(_Alt(term, "typo", confidence, surface, term))
            for target in idx.phrases.get((term,), ()):
                alts.append(_Alt(TAG_TERM + target.slug, "typo", confidence, target.slug, term))
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
        max_edits = 1 if len(word) <= 7 else 2
        found: list[tuple[int, int, str]] = []
        # Words one deletion apart share a key: that finds every word one edit away at once.
        near = {c for key in _deletions(word) | {word} for c in self._near.get(key, ())}
        for choice in near:
            dist = OSA.distance(word, choice, score_cutoff=max_edits)
            if dist <= max_edits:
                found.append((dist, -idx.df.get(idx.surface[choice], 0), choice))
        # Two edits apart (long words only): scan the words of similar length.
        lengths = range(len(word) - max_edits, len(word) + max_edits + 1) if max_edits > 1 and not found else ()
        for length in lengths:
            bucket = self._vocab_by_len.get(length)
            if not bucket:
                continue
            for choice, dist, _ in process.extract(
                word, bucket, scorer=OSA.distance, processor=None, score_cutoff=max_edits, limit=8
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

    # -- scoring -----------------------------------------------------------------------------

    def top(self, q: Query, k: int, tag: str | None, kind: str | None, level: str | None) -> list[tuple[int, float, int]]:
        """The ``k`` best qualifying resources as (doc, score, evidence mask), best first.

        Fagin's threshold algorithm: posting lists are read in impact order, in growing batches,
        always from the list whose next posting could add the most, and every resource met is
        scored in full by random access. Reading stops once no unseen resource could reach the
        k-th best score, or could qualify at all (its units' lists being exhausted). Each unit
        has two mask bits: matched in a tag, title or keyword (strong), or only in the
        description or author (weak).
        """
        idx = self._index
        dense, docs_of, imps_of, masks_of, order_of = idx.dense, idx.docs, idx.impacts, idx.masks, idx.order
        units: list[tuple[int, int, list[tuple]]] = []  # (strong bit, weak bit, alternatives)
        streams: list[tuple[int, str, float]] = []  # (unit number, term, confidence)
        for ui, unit in enumerate(q.units):
            alts = []
            for alt in unit.alts:
                if alt.term not in docs_of:
                    continue
                d = dense.get(alt.term)
                if d is not None:
                    alts.append((alt.confidence, d[0], d[1], None, None, None))
                else:
                    alts.append((alt.confidence, None, None, self._random_access(alt.term), imps_of[alt.term], masks_of[alt.term]))
                streams.append((ui, alt.term, alt.confidence))
            units.append((1 << (2 * ui), 1 << (2 * ui + 1), alts))
        filtered = tag is not None or kind is not None or level is not None
        adjust = bool(q.prefer) or self._has_prior
        memo: dict[int, bool] = {}
        seen: set[int] = set()
        found: list[tuple[float, int, int, float]] = []  # (score, doc, mask, score without prior)
        best_k: list[float] = []  # min-heap of the k best scores so far
        boost = (1.0 + PRIOR_WEIGHT if self._has_prior else 1.0) * (1.0 + SCHEMA_BOOST) ** len(q.prefer)
        single = [len(alts) == 1 for _, _, alts in units]
        read = [0] * len(streams)  # postings read so far from each list
        while True:
            # Read next from the list whose unread postings could still add the most: no
            # resource unseen in a list scores more there than the list's next posting.
            frontier = [0.0] * len(units)
            pick, pick_bound = -1, -1.0
            for si, (ui, term, conf) in enumerate(streams):
                order = order_of[term]
                if read[si] < len(order):
                    bound = imps_of[term][order[read[si]]] * conf
                    frontier[ui] = max(frontier[ui], bound)
                    if bound > pick_bound:
                        pick, pick_bound = si, bound
            if self._finished(q, units, streams, read, frontier, best_k, k, memo, boost):
                break
            ui, term, conf = streams[pick]
            start = read[pick]
            read[pick] = stop = start + max(FIRST_BATCH, start)
            docs, imps = docs_of[term], imps_of[term]
            # A resource whose bound cannot beat the k-th best so far is passed over for good.
            others = sum(frontier) - frontier[ui] if single[ui] else sum(frontier)
            for pos in order_of[term][start:stop]:
                doc = docs[pos]
                if doc in seen:
                    continue
                seen.add(doc)
                if len(best_k) == k and (imps[pos] * conf + others) * boost < best_k[0]:
                    continue
                score, mask = _evidence(units, doc)
                ok = memo.get(mask)
                if ok is None:
                    ok = memo[mask] = self._qualifies(q, mask)
                if ok and (not filtered or self._allowed(doc, tag, kind, level)):
                    plain = score
                    if adjust:
                        score, plain = self._adjusted(q, doc, score)
                    found.append((score, doc, mask, plain))
                    if len(best_k) < k:
                        heapq.heappush(best_k, score)
                    elif score > best_k[0]:
                        heapq.heapreplace(best_k, score)
        resources = idx.resources
        if not found:
            return []
        kth = best_k[0]
        best = sorted((t for t in found if t[0] >= kth), key=lambda t: (-t[0], resources[t[1]].id))[:k]
        # The cutoff ignores the feedback prior: it reorders results, never adds or drops one.
        cutoff = RELATIVE_CUTOFF * max(t[3] for t in best)
        return [(doc, score, mask) for score, doc, mask, plain in best if plain >= cutoff]

    def _allowed(self, doc: int, tag: str | None, kind: str | None, level: str | None) -> bool:
        """Whether resource ``doc`` passes the --tag/--kind/--level filters."""
        if tag is None and kind is None and level is None:
            return True
        r = self._index.resources[doc]
        return (tag is None or tag in r.tags) and (kind is None or r.kind == kind) and (level is None or r.level == level)

    def _adjusted(self, q: Query, doc: int, score: float) -> tuple[float, float]:
        """The score with the question's kind/level preferences and the feedback prior applied,
        and with the preferences only."""
        idx = self._index
        for what, value in q.prefer:
            if (idx.kind_of[doc] if what == "kind" else idx.level_of[doc]) == value:
                score *= 1.0 + SCHEMA_BOOST
        plain = score
        if self._prior[doc]:
            score *= 1.0 + PRIOR_WEIGHT * self._prior[doc]
        return score, plain

    def _finished(
        self,
        q: Query,
        units: list,
        streams: list[tuple[int, str, float]],
        read: list[int],
        frontier: list[float],
        best_k: list[float],
        k: int,
        memo: dict,
        boost: float,
    ) -> bool:
        """True when no resource not yet read could qualify (its lists are exhausted), or could
        beat the k-th best score found so far."""
        open_mask = 0
        for si, (ui, term, _) in enumerate(streams):
            if read[si] < len(self._index.order[term]):
                open_mask |= units[ui][0]
        if not open_mask:
            return True
        ok = memo.get(open_mask)
        if ok is None:
            ok = memo[open_mask] = self._qualifies(q, open_mask)
        return not ok or (len(best_k) == k and sum(frontier) * boost < best_k[0])

    def _qualifies(self, q: Query, mask: int) -> bool:
        """Whether the units in ``mask`` cover enough of the question (see the module docstring)."""
        conf = [0.0] * len(q.weights)
        for ui, unit in enumerate(q.units):
            evidence = mask >> (2 * ui) & 3
            if evidence:
                c = max(a.confidence for a in unit.alts) * (1.0 if evidence & 1 else WEAK_EVIDENCE)
                for p in unit.positions:
                    conf[p] = max(conf[p], c)
        covered = sum(w * c for w, c, counted in zip(q.weights, conf, q.counted) if counted)
        raw = sum(w for w, c, counted in zip(q.weights, conf, q.counted) if counted and c > 0)
        return covered >= DOC_SHARE * q.attainable - 1e-9 and raw >= self._common_weight - 1e-9

    # -- explaining ------------------------------------------------------------------------------

    def _random_access(self, term: str) -> "dict[int, int] | _Sorted":
        """Resource -> position in ``term``'s postings: a map for short lists (built on first
        use, the most recent kept), binary search for long ones (a map would cost more to build)."""
        docs = self._index.docs[term]
        if len(docs) <= MAP_MAX:
            return self._positions(term)
        return _Sorted(docs)

    def _lookup(self, term: str, doc: int) -> tuple[float, int] | None:
        """(impact, field mask) of ``term`` in resource ``doc``, or None."""
        dense = self._index.dense.get(term)
        if dense is not None:
            return (dense[0][doc], dense[1][doc]) if dense[0][doc] else None
        i = self._random_access(term).get(doc)
        return None if i is None else (self._index.impacts[term][i], self._index.masks[term][i])

    def explain(self, q: Query, doc: int, score: float, mask: int) -> SearchResult:
        """The resource with its matches and a one-line why: which words matched which fields."""
        idx = self._index
        matches: dict[Match, None] = {}
        notes: dict[str, tuple[list[str], list[str], list[str]]] = {}  # label -> (readings, tags, fields)
        for ui, unit in enumerate(q.units):
            if not mask >> (2 * ui) & 3:
                continue
            alt, fmask, top = None, 0, 0.0
            for candidate in unit.alts:
                hit = self._lookup(candidate.term, doc) if candidate.term in idx.docs else None
                if hit is not None and hit[0] * candidate.confidence > top:
                    alt, fmask, top = candidate, hit[1], hit[0] * candidate.confidence
            if alt is None:
                continue
            readings, tags, fields = notes.setdefault(unit.label, ([], [], []))
            is_tag = alt.term.startswith(TAG_TERM)
            if is_tag:
                tags.append(f"tag {alt.matched}" + ("" if alt.how == "exact" else f" ({alt.how})"))
            elif alt.how == "typo":
                readings.append(f'read as "{alt.matched}"')
            for name in FIELD_NAMES[fmask]:
                matches[Match(unit.label, alt.matched, name, alt.how)] = None
                if not is_tag and not (name == "tag" and tags) and name not in fields:
                    fields.append(name)
        parts = []
        for label, (readings, tags, fields) in notes.items():
            shown = list(dict.fromkeys(readings + tags)) + [f for f in fields if not (f == "tag" and tags)]
            parts.append(f'"{label}": ' + ", ".join(shown))
        for what, value in q.prefer:
            if (idx.kind_of[doc] if what == "kind" else idx.level_of[doc]) == value:
                parts.append(f"{what} {value}")
        return SearchResult(idx.resources[doc], score, "; ".join(parts), tuple(matches))

    # -- tags ------------------------------------------------------------------------------------

    def filter_tag(self, tag: str | None) -> str | None:
        if tag is None:
            return None
        found = self.resolve_tag(tag)
        if found.tag is None:
            hint = ", ".join(t.slug for t in found.suggestions)
            raise NotFound(f"no tag {tag[:60]!r}" + (f"; closest: {hint}" if hint else ""))
        return found.tag.slug

    def result_tags(self, ranked: list[int]) -> tuple[str, ...]:
        """The three tags most common among the ten best resources, the better ranked counting more."""
        votes: dict[str, float] = {}
        for rank, doc in enumerate(ranked[:10]):
            for slug in self._index.resources[doc].tags:
                if slug in self.catalog.tags:
                    votes[slug] = votes.get(slug, 0.0) + 1.0 / (rank + 1)
        return tuple(sorted(votes, key=lambda s: (-votes[s], s))[:3])

    def closest_tags(self, q: Query) -> tuple[str, ...]:
        """Tags nearest a question that got no results: tag phrases in it, then the tags of the
        resources best matching some of its words (corrected spellings aside), then spelling."""
        idx = self._index
        votes: dict[str, float] = {}
        for unit in q.units:
            if any(a.how == "typo" for a in unit.alts):
                continue
            for alt in unit.alts:
                if alt.term.startswith(TAG_TERM):
                    votes[alt.matched] = votes.get(alt.matched, 0.0) + 1e6
                docs, imps = idx.docs[alt.term], idx.impacts[alt.term]
                for pos in idx.order[alt.term][:SUGGEST_DEPTH]:
                    for slug in idx.resources[docs[pos]].tags:
                        votes[slug] = votes.get(slug, 0.0) + imps[pos]
        chosen = sorted((s for s in votes if s in self.catalog.tags), key=lambda s: (-votes[s], s))[:3]
        if not chosen:
            for word in q.unknown:
                close = self._suggest_tags_for(compact(word), cutoff=75)
                chosen.extend(t.slug for t in close if t.slug not in chosen)
        return tuple(chosen[:3])

    def _suggest_tags_for(self, key: str, cutoff: float = 60) -> tuple[Tag, ...]:
        if len(key) < 3:
            return ()
        slugs: list[str] = []
        for name, _, _ in process.extract(key, self._tag_keys, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=20):
            slug = self._tag_names[name][0]
            if slug not in slugs:
                slugs.append(slug)
        return tuple(self.catalog.tags[s] for s in slugs[:3])

    def popular_tags(self) -> tuple[str, ...]:
        return tuple(sorted(self._counts, key=lambda s: (-self._counts[s], s))[:3])

    def example_topics(self) -> str:
        names = [self.catalog.tags[s].title.lower() for s in self.popular_tags()]
        return ", ".join(names) if names else "any topic in the catalog"
