"""The inverted index behind :mod:`bot.core.search`, built once per catalog.

Every resource is read through five weighted fields (its tags' slugs, titles and
aliases; title; keywords; description; author). Each term's posting list holds,
per resource, a precomputed BM25F impact, so a query only adds numbers. Entries are
short, so a word counts once per field (its presence, not its repetitions; the tag
field, several tags' names joined, excepted), and a word seen only inside a hyphenated
compound counts less (see ``COMPOUND_PART``).
Tag phrases (slug, title, every alias) become a phrase table for query expansion; the names of
known gaps (``gaps.yaml``) a second table, so a question naming one can be told apart.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass

from bot.core.model import KINDS, LEVELS, Catalog, Resource
from bot.core.text import americanise, is_stop, normalise, raw_words, split_word, stem, words

FIELDS: tuple[str, ...] = ("tag", "title", "keyword", "description", "author")
# Field weight and length normalisation (BM25F): tags and titles say what a resource is about.
FIELD_WEIGHT: dict[str, float] = {"tag": 1.5, "title": 3.0, "keyword": 2.0, "description": 1.0, "author": 0.5}
STRONG_FIELDS = 0b111  # mask bits of tag, title and keyword: what a resource is about
FIELD_B: dict[str, float] = {"tag": 0.3, "title": 0.4, "keyword": 0.3, "description": 0.75, "author": 0.3}
K1 = 1.2
TAG_TERM = "#"  # prefix of the per-tag term every tagged resource carries
DENSE_MIN = 256  # posting lists this long (and DENSE_SHARE of the catalog) also get a per-doc array
DENSE_SHARE = 32
PAIR = " "  # joins the stems of two neighbouring words into one term
# A word seen only inside a hyphenated compound ("cnn" in "R-CNN") names a different thing
# than the word alone: its impact adds at most this share of what the same occurrences
# standing alone would (the compound's joined form, "rcnn", counts fully). Slugs in the tag field are hyphenated by convention
# and are not discounted.
COMPOUND_PART = 0.5
_COMPACT = re.compile(r"[\W_]+")


FIELD_NAMES = tuple(  # the field names set in each possible mask
    tuple(name for i, name in enumerate(FIELDS) if mask >> i & 1) for mask in range(1 << len(FIELDS))
)


def idf(df: int, n: int) -> float:
    """BM25's (always positive) inverse document frequency."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def compact(text: str) -> str:
    """Normalised text with every separator removed (``T-SNE`` -> ``tsne``)."""
    return _COMPACT.sub("", normalise(text))


def gap_word(word: str) -> str:
    """How known gaps' names and a question's words are compared: American spelling, a plural's
    final s dropped, but not stemmed ("plotly" is not "plot", "prompting" not "prompt")."""
    word = americanise(word)
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


INFLECTIONS = ("", "s", "es", "d", "ed", "ing", "al")  # endings that keep a word's meaning


def inflected(word: str, spelling: str) -> bool:
    """Whether ``word`` is ``spelling`` or one of them the other plus an inflection
    ("convolutional" ~ "convolution"; "transform" is not "transformer", "explainer" not "explainability")."""
    short, long = sorted((word, spelling), key=len)
    return long.startswith(short) and long[len(short) :] in INFLECTIONS


def is_word(part: str) -> bool:
    """True for a token worth indexing on its own (two characters or more, or a number)."""
    return len(part) >= 2 or part.isdigit()


@dataclass(frozen=True, slots=True)
class PhraseTarget:
    """A tag reached by a sequence of query stems; ``how`` is "exact" (slug/title) or "alias"."""

    slug: str
    how: str


class Index:
    """Posting lists, vocabulary and tag phrases of one catalog (immutable after construction)."""

    def __init__(self, catalog: Catalog):
        self.resources: tuple[Resource, ...] = catalog.resources
        self.n = len(self.resources)
        self._built = False  # once built, nothing a question contains is cached
        self._stem_cache: dict[str, str] = {}
        self._word_cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.surface: dict[str, str] = {}  # americanised surface word -> stem (typo vocabulary)
        self.display: dict[str, str] = {}  # stem -> a surface word to show
        self.docs: dict[str, array] = {}
        self.impacts: dict[str, array] = {}
        self.masks: dict[str, array] = {}
        self.df: dict[str, int] = {}
        self.idf: dict[str, float] = {}
        self.topical: set[str] = set()  # terms found in some tag, title or keyword (not only in prose)
        self.order: dict[str, array] = {}  # positions in ``docs`` by impact, highest first
        self.dense: dict[str, tuple[array, array]] = {}  # long lists: impact and mask per doc
        self.phrases: dict[tuple[str, ...], list[PhraseTarget]] = {}
        self.name_terms: dict[str, tuple[str, ...]] = {}  # slug -> stems of its words found in resources
        self.max_phrase = 1
        # A one-word phrase: the words (gap_word form) that spelled it, per tag. A question's word
        # reaches that tag only as one of them, inflected ("transform" is not "transformers").
        self.phrase_spellings: dict[tuple[str, str], set[str]] = {}
        self.gap_phrases: dict[tuple[str, ...], str] = {}  # a known gap's name (gap_word each) -> its slug
        self.gap_words: set[str] = set()  # every word of those names
        self.max_gap = 0
        self.kind_of: tuple[str, ...] = tuple(r.kind for r in self.resources)
        self.level_of: tuple[str, ...] = tuple(r.level for r in self.resources)
        self.schema_words: dict[str, tuple[str, str]] = {}  # stem -> ("kind"|"level", value)
        # Aliases reach resources through the phrase table; the tag field holds slug and title words.
        self._tag_text = {slug: f"{slug} {t.title}" for slug, t in catalog.tags.items()}
        self._tag_terms: dict[str, list[str]] = {}
        self._build_phrases(catalog)
        self._build_postings()
        self._build_gaps(catalog)
        for slug in catalog.tags:
            stems = [self.stem(p) for parts in words(normalise(slug)) for p in parts if is_word(p) and not is_stop(p)]
            self.name_terms[slug] = tuple(dict.fromkeys(t for t in stems if t in self.docs))
        for value in KINDS:
            self.schema_words.setdefault(self.stem(value), ("kind", value))
        for value in LEVELS:
            self.schema_words.setdefault(self.stem(value), ("level", value))
        self._word_cache.clear()
        self._built = True

    # -- terms -------------------------------------------------------------------------

    def stem(self, word: str) -> str:
        """:func:`bot.core.text.stem`, cached for the catalog's own words (not for questions)."""
        cached = self._stem_cache.get(word)
        if cached is None:
            cached = stem(word)
            if not self._built:
                self._stem_cache[word] = cached
        return cached

    def _word(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(terms, stems of its kept parts) of one raw word; remembered in the typo vocabulary."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        parts = split_word(word)
        kept = [p for p in parts if is_word(p) and not is_stop(p)]
        surfaces = kept + (["".join(parts)] if len(parts) > 1 else [])
        terms = tuple(self.stem(p) for p in surfaces)
        for part, term in zip(surfaces, terms):
            surface = americanise(part)
            if surface not in self.surface:
                self.surface[surface] = term
                self.display.setdefault(term, part)
        cached = self._word_cache[word] = (terms, terms[: len(kept)])
        return cached

    def terms(self, text: str, *, pairs: bool = True, parts: list[str] | None = None) -> list[str]:
        """Index terms of ``text``: stems of its words, the joined form of hyphenated words,
        and (with ``pairs``) each pair of neighbouring words (``"neural network"``).
        With ``parts``, the stems of a hyphenated word's parts go there instead."""
        out: list[str] = []
        prev: str | None = None
        for word in raw_words(normalise(text)):
            terms, kept = self._word(word)
            if parts is not None and len(terms) > len(kept) and "-" in word:
                parts.extend(kept)
                out.extend(terms[len(kept) :])
            else:
                out.extend(terms)
            if pairs:
                for term in kept:
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
                text = normalise(form)
                for word in raw_words(text):  # alias words join the typo vocabulary
                    self._word(word)
                parts = [p for ws in words(text) for p in ws if not is_stop(p)]
                key = tuple(self.stem(p) for p in parts)
                target = PhraseTarget(slug, how)
                self._add_phrase(key, target)
                joined = _COMPACT.sub("", text)
                if len(key) == 1:
                    self.phrase_spellings.setdefault((key[0], slug), set()).update(gap_word(p) for p in parts)
                if len(key) > 1 and joined:
                    self._add_phrase((self.stem(joined),), target)
                    self.phrase_spellings.setdefault((self.stem(joined), slug), set()).add(gap_word(joined))
        for targets in self.phrases.values():  # a tag's own name beats another tag's alias
            if any(t.how == "exact" for t in targets):
                targets[:] = [t for t in targets if t.how == "exact"]

    def _build_gaps(self, catalog: Catalog) -> None:
        """Known gaps' names as sequences of :func:`gap_word` (kept out of the typo vocabulary: a
        misspelt question is never read as a topic the catalog lacks). Names the catalog's own
        text already reads are left out (see :meth:`gap_name_problem`)."""
        for slug, gap in catalog.gaps.items():
            for form in (slug, gap.title, *gap.aliases):
                text = normalise(form)
                parts = [p for ws in words(text) for p in ws]
                joined = _COMPACT.sub("", text)
                if self._gap_problem(form, parts, joined) is not None:
                    continue
                whole = all(is_word(p) and not is_stop(p) for p in parts)  # else only the joined form
                keys = [tuple(gap_word(p) for p in parts)] if whole else []
                if len(parts) > 1 and joined:
                    keys.append((gap_word(joined),))
                for key in keys:
                    self.gap_phrases.setdefault(key, slug)
                    self.gap_words.update(key)
                    self.max_gap = max(self.max_gap, len(key))

    def gap_name_problem(self, name: str) -> str | None:
        """Why a known gap's name cannot be matched in questions, or ``None`` when it can: a word
        a question is read without (a stop word, a single letter), one word the catalog uses, or
        words that stand side by side in some resource (the catalog covers that phrase)."""
        text = normalise(name)
        return self._gap_problem(name, [p for ws in words(text) for p in ws], _COMPACT.sub("", text))

    def _gap_problem(self, name: str, parts: list[str], joined: str) -> str | None:
        if not parts:
            return "it has no word"
        dropped = [p for p in parts if is_stop(p) or not is_word(p)]
        if dropped and not (len(parts) > 1 and "-" in name and self._unused(joined)):
            return f"it has {', '.join(repr(p) for p in dropped)}, which questions are read without"
        stems = [self.stem(p) for p in parts]
        if len(parts) == 1 and not self._unused(parts[0]):
            return f"{parts[0]!r} is a word the catalog's resources use"
        if len(parts) > 1 and all(a + PAIR + b in self.docs for a, b in zip(stems, stems[1:])):
            return "its words stand side by side in a resource"
        return None

    def _unused(self, word: str) -> bool:
        """Whether ``word`` is neither a word of the catalog's resources nor a tag's one-word name."""
        term = self.stem(word)
        return bool(word) and term not in self.docs and (term,) not in self.phrases

    def _fields(self, resource: Resource) -> dict[str, tuple[list[str], list[str]]]:
        """Per field: (terms, terms seen only as parts of a hyphenated compound)."""
        tag_terms: list[str] = []
        for slug in resource.tags:
            cached = self._tag_terms.get(slug)
            if cached is None:
                cached = self._tag_terms[slug] = self.terms(self._tag_text.get(slug, slug))
            tag_terms.extend(cached)
        title_parts: list[str] = []
        keyword_parts: list[str] = []
        description_parts: list[str] = []
        author_parts: list[str] = []
        return {
            "tag": (tag_terms, []),
            "title": (self.terms(resource.title, parts=title_parts), title_parts),
            "keyword": ([t for k in resource.keywords for t in self.terms(k, parts=keyword_parts)], keyword_parts),
            # Word pairs come from the short fields only: that is where a phrase names the topic.
            "description": (self.terms(resource.description, pairs=False, parts=description_parts), description_parts),
            "author": (self.terms(resource.author or "", pairs=False, parts=author_parts), author_parts),
        }

    def _build_postings(self) -> None:
        per_doc = [self._fields(r) for r in self.resources]
        n = max(self.n, 1)
        avg = {name: (sum(len(f[name][0]) + len(f[name][1]) for f in per_doc) / n) or 1.0 for name in FIELDS}
        bits = {name: 1 << i for i, name in enumerate(FIELDS)}
        tag_weight = FIELD_WEIGHT["tag"]
        docs_of, tfs_of, masks_of = self.docs, self.impacts, self.masks
        parts_of: dict[str, dict[int, float]] = {}  # term -> {position: compound-part weight}
        for doc, fields in enumerate(per_doc):
            weighted: dict[str, float] = {}
            partial: dict[str, float] = {}  # weight seen only inside hyphenated compounds
            mask: dict[str, int] = {}
            for name, (terms, parts) in fields.items():
                if not terms and not parts:
                    continue
                b = FIELD_B[name]
                norm = FIELD_WEIGHT[name] / (1.0 - b + b * (len(terms) + len(parts)) / avg[name])
                bit = bits[name]
                # Entries are short: a word repeated within one field says no more than once.
                # (The tag field joins several tags' names: a word in two of them counts twice.)
                counts = Counter(terms) if name == "tag" else dict.fromkeys(terms, 1)
                for term, tf in counts.items():
                    weighted[term] = weighted.get(term, 0.0) + tf * norm
                    mask[term] = mask.get(term, 0) | bit
                for term in dict.fromkeys(parts):
                    partial[term] = partial.get(term, 0.0) + norm
                    mask[term] = mask.get(term, 0) | bit
            for term in partial:
                if term not in weighted:
                    weighted[term] = 0.0
            for slug in self.resources[doc].tags:
                weighted[TAG_TERM + slug] = tag_weight
                mask[TAG_TERM + slug] = bits["tag"]
            for term, value in weighted.items():
                docs = docs_of.get(term)
                if docs is None:
                    docs = docs_of[term] = array("i")
                    tfs_of[term] = array("f")
                    masks_of[term] = array("B")
                if term in partial:
                    parts_of.setdefault(term, {})[len(docs)] = partial[term]
                docs.append(doc)
                tfs_of[term].append(value)
                masks_of[term].append(mask[term])
        per_doc.clear()
        dense_from = max(DENSE_MIN, self.n // DENSE_SHARE)
        for term, docs in self.docs.items():
            df = len(docs)
            weight = idf(df, self.n)
            tfs = self.impacts[term]
            imps = self.impacts[term] = array("f", (weight * tf * (K1 + 1.0) / (tf + K1) for tf in tfs))
            # Compound parts add at most COMPOUND_PART of what the same words alone would.
            for i, extra in parts_of.get(term, {}).items():
                alone, both = tfs[i], tfs[i] + extra
                gain = both * (K1 + 1.0) / (both + K1) - alone * (K1 + 1.0) / (alone + K1)
                imps[i] += weight * COMPOUND_PART * gain
            self.df[term] = df
            self.idf[term] = weight
            if any(m & STRONG_FIELDS for m in self.masks[term]):
                self.topical.add(term)
            self.order[term] = array("i", sorted(range(df), key=imps.__getitem__, reverse=True))
            if df >= dense_from:
                dense_imp = array("f", bytes(4 * self.n))
                dense_mask = array("B", bytes(self.n))
                masks = self.masks[term]
                for i, doc in enumerate(docs):
                    dense_imp[doc] = imps[i]
                    dense_mask[doc] = masks[i]
                self.dense[term] = (dense_imp, dense_mask)

    # -- lookups -----------------------------------------------------------------------

    def positions(self, term: str) -> dict[int, int]:
        """Resource -> position in ``term``'s posting list (for random access)."""
        return {doc: i for i, doc in enumerate(self.docs[term])}

    def field_names(self, mask: int) -> tuple[str, ...]:
        """The field names set in a posting's bit mask."""
        return FIELD_NAMES[mask]
