"""The one search function every front-end uses: hybrid lexical + semantic ranking.

The pipeline, one module a step:

1. question analysis and lexical retrieval: :mod:`bot.core.lexical` (BM25F over tags,
   aliases, titles, keywords and descriptions; typos, compounds, coverage);
2. semantic retrieval: :mod:`bot.core.semantic` (a sentence embedding of the question
   against every resource's);
3. fusion and refusal: :mod:`bot.core.fusion`;
4. explanation: lexical matches as :mod:`bot.core.lexical` words them, and for a resource
   found by meaning, "close in meaning to: <what it is about>".

Without an embedder (``VIZBOT_SEMANTIC=off``, or a model that cannot load) the engine is
the lexical engine alone, with its own refusal.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Mapping

import numpy as np

from bot.core.embedder import Embedder
from bot.core.fusion import Fused, FusionSettings, fuse, should_answer, unknown_words_off_topic
from bot.core.index import TAG_TERM
from bot.core.lexical import MAX_LIMIT, LexicalEngine
from bot.core.model import Catalog, Resource, Tag
from bot.core.question import Query
from bot.core.purpose import OffPurpose
from bot.core.refusal import RefusalModel, RefusalModelError, features, resource_coverage, shipped_model
from bot.core.results import Match, SearchResponse, SearchResult, TagLookup
from bot.core.sanitize import strip_escapes, strip_markup
from bot.core.segment import has_cjk
from bot.core.semantic import SemanticIndex, key_phrase
from bot.core.text import MAX_QUERY_CHARS, common_english, normalise

__all__ = ["MAX_LIMIT", "Match", "SearchEngine", "SearchResponse", "SearchResult", "TagLookup"]

log = logging.getLogger(__name__)

LEXICAL_DEPTH = 50  # lexical candidates handed to fusion
MEANING_SHOWN = 0.5  # a resource whose semantic part reaches this says it is close in meaning
# The second look (a second model run) is spent only on questions of at most this many tokens:
# that keeps the slowest questions within the latency budget, and in a long question the known
# words usually carry the subject (on the development sets no longer question was refused by it).
SECOND_LOOK_TOKENS = 20
TOP_COVERAGE = 3  # the refusal feature top_coverage looks at this many lexical results
# A refused question naming no tag is shown the main topics of its closest resources in meaning,
# among this many, when their cosine reaches this (unrelated texts score ~0.15, a paraphrase ~0.65).
RELATED_DEPTH = 5
RELATED_COSINE = 0.4
# A question with at least this many generic words of another language, or a letter of another
# script, or an accent beside one such word, is read as written in another language: its words the
# catalog does not know are then mostly that language, not a missing subject. (An accent alone is
# not enough: names and loanwords have them, "São Paulo", "naïve".)
FOREIGN_WORDS = 2


def _as_read(question: str, corrections: list[tuple[str, str]]) -> str:
    """The question with the words the lexical side corrected spelt as it read them, so the
    embedding model (which knows no misspellings) sees "transformers", not "transfomers"."""
    if not corrections:
        return question
    text = normalise(question)
    for typed, read in corrections:
        text = re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", read, text)
    return text


def _without(text: str, unknown: list[str]) -> str:
    """``text`` (normalised) with the words the catalog does not know taken out."""
    text = normalise(text)
    for word in set(unknown):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _usable_shipped_model() -> RefusalModel | None:
    """The shipped refusal model, or None when its file cannot be used (said once in the log)."""
    try:
        return shipped_model()
    except RefusalModelError as exc:
        log.warning("refusal model unusable (%s); deciding by the hand-set rule", exc)
        return None


def _off_topic_tool(resource: Resource, named: set[str]) -> bool:
    """Whether ``resource`` is a tool whose main topic (its first tag) is not among ``named``."""
    return resource.kind == "tool" and (not resource.tags or resource.tags[0] not in named)


def _in_other_language(q: Query) -> bool:
    """Whether the question reads as written in another language than English, with words the
    catalog does not know (those are then mostly that language's)."""
    other = len(q.foreign) >= FOREIGN_WORDS or q.non_latin or (q.accented and len(q.foreign) >= 1)
    return other and bool(q.unknown)


@dataclass(frozen=True)
class Evidence:
    """What retrieval found for one question, before deciding whether to answer it."""

    q: Query
    coverage: float
    ranked: list[tuple[int, float, int]]  # lexical (doc, score, evidence mask), best first
    cosines: np.ndarray
    best_cos: float
    as_read: str
    embedded: str  # the text the cosines were first computed from (as_read, or its known words)


@dataclass(frozen=True)
class Decision:
    """For evaluating refusal (``python -m bot.bench.refusal``): one question's feature vector
    (:mod:`bot.core.refusal`; the second look taken wherever its conditions hold, whatever the
    rest of the rule says), the hand-set rule's decision, the engine's own (its refusal model's,
    or the rule's), and the fused ranking as it would be returned when answered."""

    features: np.ndarray
    rule_answers: bool
    ranking: tuple[str, ...]
    answers: bool


class SearchEngine:
    """Search over one catalog; build a new engine when the catalog changes."""

    def __init__(
        self,
        catalog: Catalog,
        prior: Mapping[str, float] | None = None,
        *,
        embedder: Embedder | None = None,
        fusion: FusionSettings | None = None,
        progress: Callable[[int], None] | None = None,
        refusal: RefusalModel | None = None,
    ):
        self.catalog = catalog
        self.lexical = LexicalEngine(catalog, prior)
        self.semantic = SemanticIndex(catalog, embedder, progress) if embedder is not None else None
        self.off_purpose = OffPurpose(embedder) if embedder is not None else None
        self.fusion = fusion or FusionSettings()
        if refusal is None and self.fusion.learned_refusal:
            refusal = _usable_shipped_model()
        self.refusal = refusal
        self._pull_lowers = self.refusal is not None and self.refusal.weight("unknown_pull") <= 0
        self._phrases: dict[int, str] = {}
        self._boosts = self.lexical.boosts()

    @property
    def hybrid(self) -> bool:
        """True when answers use meaning as well as words."""
        return self.semantic is not None

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
        if self.semantic is None:
            return self.lexical.search(query, limit=limit, offset=offset, tag=tag, kind=kind, level=level)
        lex = self.lexical
        allowed_tag = lex.check_filters(limit, offset, tag, kind, level)
        query = query if isinstance(query, str) else str(query)
        q = lex.analyse(query)
        if not q.units and not q.unknown:
            return lex.empty_response(query, tag=allowed_tag, kind=kind, level=level, limit=limit, offset=offset)
        ev = self._evidence(query, q, allowed_tag, kind, level)
        filtered = bool(tag or kind or level)
        fused = self._fused(ev, allowed_tag, kind, level) if self._answers(ev) else []
        masks = {doc: (score, mask) for doc, score, mask in ev.ranked}
        results = tuple(self._result(q, f, masks.get(f.doc)) for f in fused[offset : offset + limit])
        confidence = max(ev.coverage if ev.ranked else 0.0, min(1.0, ev.best_cos / self.fusion.answer_cosine) * 0.5)
        response = lex.respond(query, q, results, [f.doc for f in fused], round(confidence, 4), filtered=filtered)
        if fused or response.suggested_tags:
            return response
        return replace(response, suggested_tags=self._related_by_meaning(ev))

    def _related_by_meaning(self, ev: Evidence) -> tuple[str, ...]:
        """For a refused question whose words name no tag: the main topics (first tags) of the
        resources closest in meaning, when they are close at all (``RELATED_COSINE``)."""
        tags: list[str] = []
        for doc in np.argsort(-ev.cosines, kind="stable")[:RELATED_DEPTH]:
            resource = self.catalog.resources[int(doc)]
            if ev.cosines[doc] >= RELATED_COSINE and resource.tags and resource.tags[0] not in tags:
                tags.append(resource.tags[0])
        return tuple(tags[:3])

    def decision(
        self, query: str, *, tag: str | None = None, kind: str | None = None, level: str | None = None
    ) -> Decision | None:
        """The evidence behind answering ``query`` (None: no topic word at all, or a lexical engine)."""
        if self.semantic is None:
            return None
        allowed_tag = self.lexical.check_filters(1, 0, tag, kind, level)
        q = self.lexical.analyse(query)
        if not q.units and not q.unknown:
            return None
        ev = self._evidence(query, q, allowed_tag, kind, level)
        best_without = self._second_look(ev)
        rule = should_answer(ev.coverage, bool(ev.ranked), ev.best_cos, self.fusion) and not (
            best_without is not None and unknown_words_off_topic(ev.best_cos, best_without, self.fusion)
        )
        fused = self._fused(ev, allowed_tag, kind, level)
        ids = tuple(self.catalog.resources[f.doc].id for f in fused)
        answers = self._model_answers(ev, best_without) if self.refusal is not None else rule
        return Decision(self._features(ev, best_without), rule, ids, answers)

    def _evidence(self, query: str, q: Query, tag: str | None, kind: str | None, level: str | None) -> Evidence:
        """Lexical candidates and the question's cosine to every resource."""
        ranked = self.lexical.top(q, LEXICAL_DEPTH, tag, kind, level) if q.units else []
        # The model reads neither escapes nor mentions and web addresses (they are not the question's words).
        as_read = _as_read(strip_markup(strip_escapes(query[:MAX_QUERY_CHARS])), q.corrections)
        semantic = self.semantic
        known = self._titles_for_aliases(q, _without(as_read, q.unknown + q.foreign)) if _in_other_language(q) else ""
        named = self._named_in_english(q) if q.cjk_words else ""
        embedded = as_read
        if semantic is None:
            cosines = np.zeros(0, dtype=np.float32)
        elif named:
            # Chinese, Japanese or Korean naming tags: the model reads those tags' English titles and
            # the question's other words the catalog knows (never the unspaced text it cannot read).
            cosines, embedded = semantic.cosines(named), named
        elif known and q.non_latin:
            # The embedding model reads English: in another script, what it can read of the question is
            # the words the catalog knows, and the rest would only cost time (dozens of word pieces).
            cosines, embedded = semantic.cosines(known), known
        else:
            cosines = semantic.cosines(as_read)
            if known:  # in another language written in Latin letters, also those words alone
                # ("cos'è l'overfitting e come si evita" -> "overfitting come")
                cosines = np.maximum(cosines, semantic.cosines(known))
        best_cos = float(cosines.max()) if len(cosines) else 0.0
        return Evidence(q, min(q.share, 1.0), ranked, cosines, best_cos, as_read, embedded)

    def _titles_for_aliases(self, q: Query, text: str) -> str:
        """``text`` (a question in another language, its known words) followed by the English
        title of each tag it names by an alias, which the model can read ("matriz de confusion
        curva roc" -> "... Model evaluation"); empty stays empty."""
        titles: list[str] = []
        for unit in q.units:
            for alt in unit.alts:
                if alt.term.startswith(TAG_TERM) and alt.how == "alias":
                    title = self.catalog.tags[alt.term[len(TAG_TERM) :]].title
                    if title not in titles:
                        titles.append(title)
        return " ".join([text, *titles]) if text and titles else text

    def _named_in_english(self, q: Query) -> str:
        """For a question with Chinese, Japanese or Korean in it: its words as read with each tag
        phrase written in those scripts replaced by the tag's title, and the catalog's unknown words
        and the rest of those scripts left out ("卷积神经网络是什么" -> "Convolutional neural
        networks"). Empty when it names no tag in those scripts."""
        titles: dict[str, str] = {}
        for unit in q.units:
            if has_cjk(unit.label) and unit.label not in titles:
                slugs = [a.term[len(TAG_TERM) :] for a in unit.alts if a.term.startswith(TAG_TERM)]
                if slugs:
                    titles[unit.label] = " ".join(self.catalog.tags[slug].title for slug in slugs)
        if not titles:
            return ""
        text = _without(_as_read(" ".join(q.cjk_words), q.corrections), q.unknown + q.foreign)
        shown: set[str] = set()
        for label in sorted(titles, key=len, reverse=True):
            title = "" if titles[label] in shown else titles[label]  # two aliases of one tag: its title once
            shown.add(titles[label])
            text = re.sub(rf"(?<!\w){re.escape(label)}(?!\w)", title.replace("\\", r"\\"), text)
        return " ".join(word for word in text.split() if not has_cjk(word))

    def _fused(self, ev: Evidence, tag: str | None, kind: str | None, level: str | None) -> list[Fused]:
        allowed = self._allowed(tag, kind, level) if (tag or kind or level) else None
        lexical = [(doc, score) for doc, score, _ in ev.ranked]
        fused = fuse(lexical, ev.coverage, ev.cosines, allowed, self.fusion, self._boosts)
        if kind or not self.fusion.tool_off_topic or any(what == "kind" for what, _ in ev.q.prefer):
            return fused  # the question chose its kinds itself
        return self._explanations_first(ev.q, fused)

    def _explanations_first(self, q: Query, fused: list[Fused]) -> list[Fused]:
        """``fused`` with each tool whose main topic (first tag) the question does not name scored
        ``tool_off_topic`` less, reordered (nothing is added or dropped)."""
        named = {alt.term[len(TAG_TERM) :] for unit in q.units for alt in unit.alts if alt.term.startswith(TAG_TERM)}
        factor = 1.0 - self.fusion.tool_off_topic
        resources = self.catalog.resources
        out = [replace(f, score=f.score * factor) if _off_topic_tool(resources[f.doc], named) else f for f in fused]
        return sorted(out, key=lambda f: (-f.score, f.doc))

    def _answers(self, ev: Evidence) -> bool:
        """Whether the catalog answers the question: by the fitted model of :mod:`bot.core.refusal`
        (the second look taken wherever it is due, and still refusing when the unknown words carried
        the subject), or by the rule of :mod:`bot.core.fusion`, whose
        second look (one more model run) is taken only when the rest of the rule answers."""
        if self.refusal is not None:
            # The second look can only lower the answer (a pull is >= 0 and weighs against it, and the
            # veto only refuses), so a question refused without it is refused without paying for it.
            if not self._pull_lowers:
                return self._model_answers(ev, self._second_look(ev))
            if not self._model_answers(ev, None):
                return False
            best_without = self._second_look(ev)
            # Without a second look the decision just taken stands (its features would be the same).
            return best_without is None or self._model_answers(ev, best_without)
        if not should_answer(ev.coverage, bool(ev.ranked), ev.best_cos, self.fusion):
            return False
        best_without = self._second_look(ev)
        return best_without is None or not unknown_words_off_topic(ev.best_cos, best_without, self.fusion)

    def _model_answers(self, ev: Evidence, best_without: float | None) -> bool:
        """The refusal model's decision, the second look (``best_without``, None when not taken)
        still refusing when the unknown words carried the subject."""
        assert self.refusal is not None
        if best_without is not None and unknown_words_off_topic(ev.best_cos, best_without, self.fusion):
            return False
        return self.refusal.answers(self._features(ev, best_without))

    def _features(self, ev: Evidence, best_without: float | None) -> np.ndarray:
        q = ev.q
        words = sum(1 for w in q.weights if w > 0)
        top = max((resource_coverage(q, mask) for _, _, mask in ev.ranked[:TOP_COVERAGE]), default=0.0)
        return features(
            ev.coverage,
            bool(ev.ranked),
            ev.cosines,
            best_without,
            words,
            len(q.unknown),
            top,
            bool(q.corrections),
            any(not common_english(w) for w in q.unknown),
            _in_other_language(q),
            self.off_purpose.cosine(ev.embedded) if self.off_purpose is not None else 0.0,
        )

    def _second_look_due(self, ev: Evidence) -> bool:
        """Whether the second look of :mod:`bot.core.fusion` applies: some words are unknown, no
        resource is close in meaning, and the question is short enough to afford a model run."""
        if not ev.q.unknown or ev.best_cos >= self.fusion.answer_cosine or self.semantic is None:
            return False
        if _in_other_language(ev.q):  # the unknown words are the language, not the subject
            return False
        if self.semantic.embedder.tokens(ev.as_read) > SECOND_LOOK_TOKENS:
            return False
        return bool(_without(ev.as_read, ev.q.unknown))

    def _second_look(self, ev: Evidence) -> float | None:
        """The best cosine of the question without its unknown words (None when not due)."""
        semantic = self.semantic
        if semantic is None or not self._second_look_due(ev):
            return None
        cosines = semantic.cosines(_without(ev.as_read, ev.q.unknown))
        return float(cosines.max()) if len(cosines) else 0.0

    def _allowed(self, tag: str | None, kind: str | None, level: str | None) -> list[bool]:
        return [
            (tag is None or tag in r.tags) and (kind is None or r.kind == kind) and (level is None or r.level == level)
            for r in self.catalog.resources
        ]

    def _result(self, q, fused, lexical: tuple[float, int] | None) -> SearchResult:
        """The resource with its fused score and why: its lexical matches, and its closeness in
        meaning when that is what brought it (or most of what did)."""
        resource = self.catalog.resources[fused.doc]
        why = ""
        matches: tuple[Match, ...] = ()
        if lexical is not None:
            base = self.lexical.explain(q, fused.doc, lexical[0], lexical[1])
            why, matches = base.why, base.matches
        if fused.semantic >= MEANING_SHOWN and (lexical is None or fused.semantic > fused.lexical):
            phrase = self._phrases.get(fused.doc)
            if phrase is None:
                phrase = self._phrases[fused.doc] = key_phrase(resource)
            why = "; ".join(p for p in (why, f"close in meaning to: {phrase}") if p)
        return SearchResult(resource, fused.score, why, matches)

    # -- tags: the lexical engine's tag directory -----------------------------------

    def resolve_tag(self, name: str) -> TagLookup:
        """The tag named by a slug, title or alias, or the nearest by spelling."""
        return self.lexical.tags.resolve_tag(name)

    def complete_tags(self, text: str, limit: int = 25) -> list[Tag]:
        """Tags for autocomplete: prefix matches first, then substring and fuzzy ones."""
        return self.lexical.tags.complete_tags(text, limit)

    def resources_for_tag(self, slug: str, *, kind: str | None = None, level: str | None = None) -> list[Resource]:
        """The resources carrying tag ``slug`` (beginner first, then by title)."""
        return self.lexical.tags.resources_for_tag(slug, kind=kind, level=level)

    def tag_counts(self) -> dict[str, int]:
        """Number of resources per tag (every tag, zero included)."""
        return self.lexical.tags.tag_counts()
