"""The inverted index behind :mod:`bot.core.search`, built once per catalog.

Every resource is read through five weighted fields (its tags' slugs, titles and
aliases; title; keywords; description; author). Each term's posting list holds,
per resource, a precomputed BM25F impact, so a query only adds numbers.
Tag phrases (slug, title, every alias) become a phrase table for query expansion.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass

from bot.core.model import KINDS, LEVELS, Catalog, Resource
from bot.core.text import americanise, is_stop, normalise, stem, words

FIELDS: tuple[str, ...] = ("tag", "title", "keyword", "description", "author")
# Field weight and length normalisation (BM25F): tags and titles say what a resource is about.
FIELD_WEIGHT: dict[str, float] = {"tag": 1.5, "title": 3.0, "keyword": 2.0, "description": 1.0, "author": 0.5}
STRONG_FIELDS = 0b111  # mask bits of tag, title and keyword: what a resource is about
FIELD_B: dict[str, float] = {"tag": 0.3, "title": 0.4, "keyword": 0.3, "description": 0.75, "author": 0.3}
K1 = 1.2
TAG_TERM = "#"  # prefix of the per-tag term every tagged resource carries
PAIR = " "  # joins the stems of two neighbouring words into one term
_COMPACT = re.compile(r"[\W_]+")


def idf(df: int, n: int) -> float:
    """BM25's (always positive) inverse document frequency."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def compact(text: str) -> str:
    """Normalised text with every separator removed (``T-SNE`` -> ``tsne``)."""
    return _COMPACT.sub("", normalise(text))


def is_word(part: str) -> bool:
    """True for a token worth indexing on its own (two characters or more, or a number)."""
    return len(part) >= 2 or part.isdigit()


@dataclass(frozen=True, slots=True)
class PhraseTarget:
    """A tag reached by a sequence of query stems; ``how`` is "exact" (slug/title) or "alias"."""

    slug: str
    how: str
    form: str


class Index:
    """Posting lists, vocabulary and tag phrases of one catalog (immutable after construction)."""

    def __init__(self, catalog: Catalog):
        self.resources: tuple[Resource, ...] = catalog.resources
        self.n = len(self.resources)
        self._stem_cache: dict[str, str] = {}
        self.surface: dict[str, str] = {}  # americanised surface word -> stem (typo vocabulary)
        self.display: dict[str, str] = {}  # stem -> a surface word to show
        self.docs: dict[str, array] = {}
        self.impacts: dict[str, array] = {}
        self.masks: dict[str, array] = {}
        self.df: dict[str, int] = {}
        self.idf: dict[str, float] = {}
        self.max_impact: dict[str, float] = {}
        self.phrases: dict[tuple[str, ...], list[PhraseTarget]] = {}
        self.name_terms: dict[str, tuple[str, ...]] = {}  # slug -> stems of its words found in resources
        self.max_phrase = 1
        self.kind_of: tuple[str, ...] = tuple(r.kind for r in self.resources)
        self.level_of: tuple[str, ...] = tuple(r.level for r in self.resources)
        self.schema_words: dict[str, tuple[str, str]] = {}  # stem -> ("kind"|"level", value)
        # Aliases reach resources through the phrase table; the tag field holds slug and title words.
        self._tag_text = {slug: f"{slug} {t.title}" for slug, t in catalog.tags.items()}
        self._build_phrases(catalog)
        self._build_postings()
        for slug in catalog.tags:
            stems = [self.stem(p) for parts in words(normalise(slug)) for p in parts if is_word(p) and not is_stop(p)]
            self.name_terms[slug] = tuple(dict.fromkeys(t for t in stems if t in self.docs))
        for value in KINDS:
            self.schema_words.setdefault(self.stem(value), ("kind", value))
        for value in LEVELS:
            self.schema_words.setdefault(self.stem(value), ("level", value))

    # -- terms -------------------------------------------------------------------------

    def stem(self, word: str) -> str:
        """Cached :func:`bot.core.text.stem`."""
        cached = self._stem_cache.get(word)
        if cached is None:
            cached = self._stem_cache[word] = stem(word)
        return cached

    def terms(self, text: str, *, remember: bool = False) -> list[str]:
        """Index terms of ``text``: stems of its words, the joined form of hyphenated words,
        and each pair of neighbouring words (``"neural network"``) for phrase matches."""
        out: list[str] = []
        prev: str | None = None
        for parts in words(normalise(text)):
            kept = [p for p in parts if is_word(p) and not is_stop(p)]
            joined = "".join(parts) if len(parts) > 1 else None
            for part in kept + ([joined] if joined else []):
                term = self.stem(part)
                out.append(term)
                if remember:
                    surface = americanise(part)
                    if surface not in self.surface:
                        self.surface[surface] = term
                        self.display.setdefault(term, part)
            for part in kept:
                term = self.stem(part)
                if prev is not None and prev != term:
                    out.append(prev + PAIR + term)
                prev = term
        return out

    def phrase_key(self, text: str) -> tuple[str, ...]:
        """The stem sequence a tag form is matched by (stop words dropped, single letters kept)."""
        return tuple(self.stem(p) for parts in words(normalise(text)) for p in parts if not is_stop(p))

    # -- construction ------------------------------------------------------------------

    def _add_phrase(self, key: tuple[str, ...], target: PhraseTarget) -> None:
        if not key:
            return
        targets = self.phrases.setdefault(key, [])
        if all(t.slug != target.slug for t in targets):
            targets.append(target)
        self.max_phrase = max(self.max_phrase, len(key))

    def _build_phrases(self, catalog: Catalog) -> None:
        for slug, tag in catalog.tags.items():
            forms = [(slug, "exact"), (tag.title, "exact")] + [(a, "alias") for a in tag.aliases]
            for form, how in forms:
                self.terms(form, remember=True)  # alias words join the typo vocabulary
                key = self.phrase_key(form)
                target = PhraseTarget(slug, how, form)
                self._add_phrase(key, target)
                joined = compact(form)
                if len(key) > 1 and joined:
                    self._add_phrase((self.stem(joined),), target)
        for key, targets in self.phrases.items():  # a tag's own name beats another tag's alias
            if any(t.how == "exact" for t in targets):
                targets[:] = [t for t in targets if t.how == "exact"]

    def _fields(self, resource: Resource) -> dict[str, list[str]]:
        tag_terms: list[str] = []
        for slug in resource.tags:
            tag_terms.extend(self.terms(self._tag_text.get(slug, slug), remember=True))
        return {
            "tag": tag_terms,
            "title": self.terms(resource.title, remember=True),
            "keyword": [t for k in resource.keywords for t in self.terms(k, remember=True)],
            "description": self.terms(resource.description, remember=True),
            "author": self.terms(resource.author or "", remember=True),
        }

    def _build_postings(self) -> None:
        per_doc: list[dict[str, Counter]] = []
        totals = dict.fromkeys(FIELDS, 0)
        for resource in self.resources:
            fields = {name: Counter(terms) for name, terms in self._fields(resource).items()}
            per_doc.append(fields)
            for name, counts in fields.items():
                totals[name] += sum(counts.values())
        n = max(self.n, 1)
        avg = {name: (totals[name] / n) or 1.0 for name in FIELDS}
        bits = {name: 1 << i for i, name in enumerate(FIELDS)}
        for doc, fields in enumerate(per_doc):
            weighted: dict[str, float] = {}
            mask: dict[str, int] = {}
            for name, counts in fields.items():
                length = sum(counts.values())
                norm = FIELD_WEIGHT[name] / (1.0 - FIELD_B[name] + FIELD_B[name] * length / avg[name])
                bit = bits[name]
                for term, tf in counts.items():
                    weighted[term] = weighted.get(term, 0.0) + tf * norm
                    mask[term] = mask.get(term, 0) | bit
            for slug in self.resources[doc].tags:
                term = TAG_TERM + slug
                weighted[term] = FIELD_WEIGHT["tag"]
                mask[term] = bits["tag"]
            for term, value in weighted.items():
                docs = self.docs.get(term)
                if docs is None:
                    docs = self.docs[term] = array("i")
                    self.impacts[term] = array("f")
                    self.masks[term] = array("B")
                docs.append(doc)
                self.impacts[term].append(value)
                self.masks[term].append(mask[term])
        for term, docs in self.docs.items():
            df = len(docs)
            weight = idf(df, self.n)
            imps = self.impacts[term]
            for i, tf in enumerate(imps):
                imps[i] = weight * tf * (K1 + 1.0) / (tf + K1)
            self.df[term] = df
            self.idf[term] = weight
            self.max_impact[term] = max(imps)

    # -- lookups -----------------------------------------------------------------------

    def field_names(self, mask: int) -> tuple[str, ...]:
        """The field names set in a posting's bit mask."""
        return tuple(name for i, name in enumerate(FIELDS) if mask >> i & 1)
