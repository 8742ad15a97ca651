"""Lexical retrieval: the best resources for a question read into units, without scoring them all.

A resource's score is the sum over units of its best BM25F impact (see :mod:`bot.core.index`).
A resource qualifies when it covers 40% of the question's answerable weight (a match only in
a description counts half) and reaches the IDF of a term found in half the catalog; results
under 30% of the best score are dropped. ``Retriever.top`` reads posting lists in impact
order and stops as soon as no unseen resource could enter the top k (Fagin's threshold
algorithm); when that would meet more resources than scoring them all costs (long lists
whose resources all score the same, such as a tag's, cannot be cut short), every resource is
scored at once with numpy instead, with the same arithmetic. ``tests/core/test_lexical_topk.py``
checks both ways against brute force.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from bot.core.index import STRONG_FIELDS, Index, idf
from bot.core.question import Query

DOC_SHARE = 0.4  # share of that answerable weight each result must cover
COMMON_SHARE = 0.5  # matched weight must reach the IDF of a term found in this share of resources
RELATIVE_CUTOFF = 0.3  # results scoring below this share of the best one are dropped
SCHEMA_BOOST = 0.15  # "video", "beginner": prefer that kind or level by this much
WEAK_EVIDENCE = 0.5  # a word found only in a description (or author) counts this much towards coverage
PRIOR_WEIGHT = 0.05  # feedback prior in [-1, 1] moves a score by at most this share
FIRST_BATCH = 16  # postings first read from a list (then as many as read so far)
MAP_MAX = 512  # posting lists up to this long get a resource -> position map for random access
POSITION_CACHE = 2048  # posting lists kept mapped for random access
# Reading in impact order pays per resource met (scored one by one); scoring every resource
# with numpy pays per resource and posting list, about 1/EXHAUSTIVE_RATIO as much, and then
# still checks at least k resources one by one. Once reading would meet more than
# EXHAUSTIVE_BASE + 2k resources plus that share, every resource is scored at once instead.
EXHAUSTIVE_BASE = 16
EXHAUSTIVE_RATIO = 4000
CANDIDATES = 64  # best-scoring resources first checked in full after scoring every one


def position_confidence(q: Query, mask: int) -> list[float]:
    """Per word position of the question, how surely the units in ``mask`` (two bits a unit: matched
    in a tag, title or keyword; or only in prose, worth ``WEAK_EVIDENCE``) cover it."""
    conf = [0.0] * len(q.weights)
    for ui, unit in enumerate(q.units):
        evidence = mask >> (2 * ui) & 3
        if evidence:
            c = max(a.confidence for a in unit.alts) * (1.0 if evidence & 1 else WEAK_EVIDENCE)
            for p in unit.positions:
                conf[p] = max(conf[p], c)
    return conf


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


class Retriever:
    """Top-k lexical retrieval over one index, with the feedback prior (resource -> [-1, 1])."""

    def __init__(self, index: Index, prior: Sequence[float]):
        self._index = index
        n = index.n
        self._prior = list(prior)
        self._has_prior = any(self._prior)
        # Random access into posting lists too short for a per-resource array; only the lists
        # questions use are mapped, and only so many are kept.
        self._positions = lru_cache(maxsize=POSITION_CACHE)(index.positions)
        self._common_weight = idf(max(1, math.ceil(n * COMMON_SHARE)), n)
        # For scoring every resource at once: per resource its kind's and level's number, its
        # prior, and its id's rank (ties in score go to the smaller id).
        self._code_numbers: dict[str, dict[str, int]] = {}
        self._code_arrays = {
            what: self._numbered(what, values) for what, values in (("kind", index.kind_of), ("level", index.level_of))
        }
        self._prior_array = np.array(self._prior, dtype=np.float64)
        self._ranks = np.empty(n, dtype=np.int64)
        self._ranks[sorted(range(n), key=lambda d: index.resources[d].id)] = np.arange(n)

    def boosts(self) -> list[float] | None:
        """Per resource, the factor the feedback prior multiplies its score by (None: no votes)."""
        if not self._has_prior:
            return None
        return [1.0 + PRIOR_WEIGHT * p for p in self._prior]

    def top(
        self, q: Query, k: int, tag: str | None, kind: str | None, level: str | None
    ) -> list[tuple[int, float, int]]:
        """The ``k`` best qualifying resources as (doc, score, evidence mask), best first.

        Fagin's threshold algorithm: posting lists are read in impact order, in growing batches,
        always from the list whose next posting could add the most, and every resource met is
        scored in full by random access. Reading stops once no unseen resource could reach the
        k-th best score, or could qualify at all (its units' lists being exhausted). Each unit
        has two mask bits: matched in a tag, title or keyword (strong), or only in the
        description or author (weak). Once reading would meet more resources than the budget
        (see ``EXHAUSTIVE_RATIO``), :meth:`_exhaustive` scores every resource instead.
        """
        idx = self._index
        dense, docs_of, imps_of, masks_of, order_of = idx.dense, idx.docs, idx.impacts, idx.masks, idx.order
        units: list[tuple[int, int, list[tuple]]] = []  # (strong bit, weak bit, alternatives)
        streams: list[tuple[int, str, float]] = []  # (unit number, term, confidence)
        for ui, unit in enumerate(q.units):
            alts: list[tuple] = []
            for alt in unit.alts:
                if alt.term not in docs_of:
                    continue
                d = dense.get(alt.term)
                if d is not None:
                    alts.append((alt.confidence, d[0], d[1], None, None, None))
                else:
                    alts.append(
                        (
                            alt.confidence,
                            None,
                            None,
                            self._random_access(alt.term),
                            imps_of[alt.term],
                            masks_of[alt.term],
                        )
                    )
                streams.append((ui, alt.term, alt.confidence))
            units.append((1 << (2 * ui), 1 << (2 * ui + 1), alts))
        filtered = tag is not None or kind is not None or level is not None
        adjust = bool(q.prefer) or self._has_prior
        memo: dict[int, bool] = {}  # evidence mask -> covers enough of the question
        qualifies = self._qualifier(q)
        seen: set[int] = set()
        found: list[tuple[float, int, int, float]] = []  # (score, doc, mask, score without prior)
        best_k: list[float] = []  # min-heap of the k best scores so far
        boost = (1.0 + PRIOR_WEIGHT if self._has_prior else 1.0) * (1.0 + SCHEMA_BOOST) ** len(q.prefer)
        single = [len(alts) == 1 for _, _, alts in units]
        read = [0] * len(streams)  # postings read so far from each list
        budget = EXHAUSTIVE_BASE + 2 * k + idx.n * len(streams) // EXHAUSTIVE_RATIO
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
            if self._finished(units, streams, read, frontier, best_k, k, memo, qualifies, boost):
                break
            ui, term, conf = streams[pick]
            start = read[pick]
            read[pick] = stop = start + max(FIRST_BATCH, start)
            if len(seen) + min(stop, len(order_of[term])) - start > budget:
                return self._exhaustive(
                    q, units, k, tag, kind, level, best_k[0] if len(best_k) == k else 0.0, memo, qualifies
                )
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
                    ok = memo[mask] = qualifies(mask)
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

    def _exhaustive(
        self,
        q: Query,
        units: list[tuple],
        k: int,
        tag: str | None,
        kind: str | None,
        level: str | None,
        known: float,
        memo: dict[int, bool],
        qualifies: Callable[[int], bool],
    ) -> list[tuple[int, float, int]]:
        """:meth:`top` by scoring every resource at once with numpy (the same float64 arithmetic
        as :func:`_evidence` and :meth:`_adjusted`, units added in order, so the same scores),
        then checking the best-scoring ones in full, in (score, id) order, until k qualify.
        ``known``: a score k qualifying resources are known to reach (0 when unknown)."""
        idx = self._index
        n = idx.n
        score = np.zeros(n)
        for unit in q.units:
            alts = [alt for alt in unit.alts if alt.term in idx.docs]
            if len(alts) == 1:  # added where the list has the resource (adding 0.0 changes nothing)
                self._add_column(score, alts[0].term, alts[0].confidence)
            elif alts:
                best = np.zeros(n)
                for alt in alts:
                    np.maximum(best, self._add_column(np.zeros(n), alt.term, alt.confidence), out=best)
                score += best
        for what, value in q.prefer:
            score = np.where(self._code_arrays[what] == self._code(what, value), score * (1.0 + SCHEMA_BOOST), score)
        if self._has_prior:
            score = np.where(self._prior_array != 0, score * (1.0 + PRIOR_WEIGHT * self._prior_array), score)
        if tag is not None or kind is not None or level is not None:
            pool = np.flatnonzero(score > 0)  # a resource no list holds never qualifies
            pool = pool[np.array([self._allowed(d, tag, kind, level) for d in pool.tolist()], dtype=bool)]
        else:
            pool = np.arange(n)
        if not len(pool):
            return []
        # Checked first: resources reaching ``known``, or the CANDIDATES best scores and every
        # resource tied with the last of them.
        values = score[pool]
        floor = known
        if not floor and len(values) > CANDIDATES:
            floor = float(np.partition(values, len(values) - CANDIDATES)[len(values) - CANDIDATES])
        shortlist = pool[values >= floor] if floor > 0 else pool[values > 0]
        best_list = self._first_qualifying(q, units, k, shortlist, score, memo, qualifies)
        # Every resource outside the shortlist scores below all in it: if k of them qualify
        # those are the k best; otherwise every resource with some score is checked.
        if len(best_list) < k and floor > 0:
            best_list = self._first_qualifying(q, units, k, pool[values > 0], score, memo, qualifies)
        if not best_list:
            return []
        best_list.sort(key=lambda t: (-t[0], idx.resources[t[1]].id))  # the full scores decide the order
        cutoff = RELATIVE_CUTOFF * max(t[3] for t in best_list)
        return [(doc, found, mask) for found, doc, mask, plain in best_list if plain >= cutoff]

    def _first_qualifying(
        self,
        q: Query,
        units: list[tuple],
        k: int,
        docs: np.ndarray,
        score: np.ndarray,
        memo: dict[int, bool],
        qualifies: Callable[[int], bool],
    ) -> list[tuple[float, int, int, float]]:
        """The first ``k`` qualifying resources of ``docs`` in (score, id) order, scored in full
        as (score, doc, mask, score without prior); resources scoring zero are skipped."""
        values = score[docs]
        order = np.lexsort((self._ranks[docs], -values))
        out: list[tuple[float, int, int, float]] = []
        adjust = bool(q.prefer) or self._has_prior
        for doc, value in zip(docs[order].tolist(), values[order].tolist()):
            if len(out) == k or value <= 0:
                break
            found, mask = _evidence(units, doc)
            ok = memo.get(mask)
            if ok is None:
                ok = memo[mask] = qualifies(mask)
            if ok:
                plain = found
                if adjust:
                    found, plain = self._adjusted(q, doc, found)
                out.append((found, doc, mask, plain))
        return out

    def _add_column(self, score: np.ndarray, term: str, confidence: float) -> np.ndarray:
        """Add ``term``'s impact times ``confidence`` (in float64, as :func:`_evidence` does) to
        every resource's ``score``; returns ``score``."""
        dense = self._index.dense.get(term)
        if dense is not None:
            score += np.multiply(np.frombuffer(dense[0], dtype=np.float32), confidence, dtype=np.float64)
        else:
            docs = np.frombuffer(self._index.docs[term], dtype=np.int32)
            score[docs] += np.multiply(
                np.frombuffer(self._index.impacts[term], dtype=np.float32), confidence, dtype=np.float64
            )
        return score

    def _numbered(self, what: str, values: Sequence[str]) -> np.ndarray:
        """Each resource's kind or level (``values``) as a number (see :meth:`_code`)."""
        numbers = self._code_numbers[what] = {v: i for i, v in enumerate(dict.fromkeys(values))}
        return np.array([numbers[v] for v in values], dtype=np.int32)

    def _code(self, what: str, value: str) -> int:
        """The number a kind or level ``value`` has in ``_code_arrays`` (-1 when no resource has it)."""
        return self._code_numbers[what].get(value, -1)

    def _allowed(self, doc: int, tag: str | None, kind: str | None, level: str | None) -> bool:
        """Whether resource ``doc`` passes the --tag/--kind/--level filters."""
        if tag is None and kind is None and level is None:
            return True
        r = self._index.resources[doc]
        return (
            (tag is None or tag in r.tags) and (kind is None or r.kind == kind) and (level is None or r.level == level)
        )

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
        units: list,
        streams: list[tuple[int, str, float]],
        read: list[int],
        frontier: list[float],
        best_k: list[float],
        k: int,
        memo: dict,
        qualifies: Callable[[int], bool],
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
            ok = memo[open_mask] = qualifies(open_mask)
        return not ok or (len(best_k) == k and sum(frontier) * boost < best_k[0])

    def _qualifies(self, q: Query, mask: int) -> bool:
        """Whether the units in ``mask`` cover enough of the question (see the module docstring);
        the definition :meth:`_qualifier` computes faster (tests compare the two)."""
        conf = position_confidence(q, mask)
        covered = sum(w * c for w, c, counted in zip(q.weights, conf, q.counted) if counted)
        raw = sum(w for w, c, counted in zip(q.weights, conf, q.counted) if counted and c > 0)
        return covered >= DOC_SHARE * q.attainable - 1e-9 and raw >= self._common_weight - 1e-9

    def _qualifier(self, q: Query) -> Callable[[int], bool]:
        """:meth:`_qualifies` for one question, with what does not depend on the mask worked out
        once (the same sums, in the same order)."""
        best = [max(a.confidence for a in unit.alts) for unit in q.units]
        positions = [unit.positions for unit in q.units]
        counted = [(p, w) for p, (w, c) in enumerate(zip(q.weights, q.counted)) if c]
        size = len(q.weights)
        need_covered = DOC_SHARE * q.attainable - 1e-9
        need_raw = self._common_weight - 1e-9

        def qualifies(mask: int) -> bool:
            conf = [0.0] * size
            ui = 0
            while mask:
                evidence = mask & 3
                if evidence:
                    c = best[ui] * (1.0 if evidence & 1 else WEAK_EVIDENCE)
                    for p in positions[ui]:
                        if c > conf[p]:
                            conf[p] = c
                mask >>= 2
                ui += 1
            covered = sum([w * conf[p] for p, w in counted])
            raw = sum([w for p, w in counted if conf[p] > 0])
            return covered >= need_covered and raw >= need_raw

        return qualifies

    def _random_access(self, term: str) -> "dict[int, int] | _Sorted":
        """Resource -> position in ``term``'s postings: a map for short lists (built on first
        use, the most recent kept), binary search for long ones (a map would cost more to build)."""
        docs = self._index.docs[term]
        if len(docs) <= MAP_MAX:
            return self._positions(term)
        return _Sorted(docs)

    def lookup(self, term: str, doc: int) -> tuple[float, int] | None:
        """(impact, field mask) of ``term`` in resource ``doc``, or None."""
        dense = self._index.dense.get(term)
        if dense is not None:
            return (dense[0][doc], dense[1][doc]) if dense[0][doc] else None
        i = self._random_access(term).get(doc)
        return None if i is None else (self._index.impacts[term][i], self._index.masks[term][i])
