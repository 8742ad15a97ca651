"""The tag vocabulary at work: resolving names, autocomplete, a tag's resources, and the
tags to suggest beside an answer or a refusal."""

from __future__ import annotations

from functools import cached_property

from rapidfuzz import fuzz, process

from bot.core.errors import NotFound
from bot.core.index import TAG_TERM, Index, compact, gap_word
from bot.core.model import LEVELS, Catalog, Resource, Tag
from bot.core.question import Query
from bot.core.results import TagLookup
from bot.core.text import MAX_QUERY_CHARS

SUGGEST_DEPTH = 20  # a refused question's tags come from this many best matches per word


class TagDirectory:
    """Tags of one catalog: names (slugs, titles, aliases) and the resources under each."""

    def __init__(self, catalog: Catalog, index: Index):
        self.catalog = catalog
        self._index = index
        self._counts = {slug: 0 for slug in catalog.tags}
        self._by_tag: dict[str, list[Resource]] = {slug: [] for slug in catalog.tags}
        for r in catalog.resources:
            for slug in r.tags:
                if slug in self._by_tag:
                    self._counts[slug] += 1
                    self._by_tag[slug].append(r)

    @cached_property
    def _tag_names(self) -> dict[str, tuple[str, str]]:
        """Compact or stemmed name -> (slug, how), names before aliases (built on first use)."""
        names: dict[str, tuple[str, str]] = {}
        for want in ("exact", "alias"):
            for slug, tag in self.catalog.tags.items():
                forms = [slug, tag.title] if want == "exact" else list(tag.aliases)
                for form in forms:
                    for key in (compact(form), "".join(self._index.phrase_key(form))):
                        if key:
                            names.setdefault(key, (slug, want))
        return names

    @cached_property
    def _gap_names(self) -> frozenset[str]:
        """The compact forms of the known gaps' slugs, titles and aliases."""
        return frozenset(
            compact(name) for slug, gap in self.catalog.gaps.items() for name in (slug, gap.title, *gap.aliases)
        )

    @cached_property
    def _tag_keys(self) -> list[str]:
        return list(self._tag_names)

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
        if key in self._gap_names:  # a topic the catalog knows it lacks is no tag's misspelling
            return TagLookup(None, self._suggest_tags_for(key), "none")
        if len(key) >= 3:  # a typo, possibly inflected too ("kernals"): try the word as typed and its stem
            found = [
                best
                for form in dict.fromkeys((key, stemmed))
                if form
                and (
                    best := process.extractOne(form, self._tag_keys, scorer=fuzz.ratio, processor=None, score_cutoff=80)
                )
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

    def filter_tag(self, tag: str | None) -> str | None:
        if tag is None:
            return None
        found = self.resolve_tag(tag)
        if found.tag is None:
            slugs = [t.slug for t in found.suggestions]
            hint = ", ".join(slugs)
            raise NotFound(
                f"no tag {tag[:60]!r}" + (f"; closest: {hint}" if hint else ""), field="tag", suggestions=slugs
            )
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
                if q.gaps and gap_word(word) in idx.gap_words:  # a known gap's name, not a misspelt tag
                    continue
                close = self._suggest_tags_for(compact(word), cutoff=75)
                chosen.extend(t.slug for t in close if t.slug not in chosen)
        return tuple(chosen[:3])

    def _suggest_tags_for(self, key: str, cutoff: float = 60) -> tuple[Tag, ...]:
        if len(key) < 3:
            return ()
        slugs: list[str] = []
        for name, _, _ in process.extract(
            key, self._tag_keys, scorer=fuzz.ratio, processor=None, score_cutoff=cutoff, limit=20
        ):
            slug = self._tag_names[name][0]
            if slug not in slugs:
                slugs.append(slug)
        return tuple(self.catalog.tags[s] for s in slugs[:3])

    def popular_tags(self) -> tuple[str, ...]:
        return tuple(sorted(self._counts, key=lambda s: (-self._counts[s], s))[:3])

    def example_topics(self) -> str:
        names = [self.catalog.tags[s].title.lower() for s in self.popular_tags()]
        return ", ".join(names) if names else "any topic in the catalog"
