"""SearchEngine on a small astronomy catalog: the engine knows nothing of the domain."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.catalog import load_catalog
from bot.core.errors import InvalidInput, NotFound
from bot.core.model import Catalog, Gap, Resource, Tag
from bot.core.search import SearchEngine, SearchResponse

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "catalogs" / "search_fixture"


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return SearchEngine(load_catalog(FIXTURE))


def ids(response: SearchResponse) -> list[str]:
    return [r.resource.id for r in response.results]


@pytest.mark.parametrize(
    ("query", "top"),
    [
        ("how do gravity assists work?", "gravity-assist-video"),
        ("hey, anyone got a good visual for gravity assists? thx", "gravity-assist-video"),
        ("hohmann transfer", "hohmann-explained"),
        ("spectroscopy", "spectrum-explorer"),
        ("Spectroscopy!!", "spectrum-explorer"),
        ("absorption lines", "spectrum-explorer"),
        ("falling into a black hole", "spaghettification"),
        ("radial velocity", "wobble-method"),
        ("light curves", "transit-lab"),
        ("jwst", "jwst-mirror"),
        ("james webb", "jwst-mirror"),
        ("Hertzsprung-Russell diagram", "hr-diagram"),
        ("hertzsprung russell", "hr-diagram"),
        ("H-R diagram", "hr-diagram"),
        ("hr diagram", "hr-diagram"),
        ("red giants", "hr-diagram"),
        ("supernova", "supernova-sim"),
        ("planets", "wobble-method"),
    ],
)
def test_golden_top_result(engine: SearchEngine, query: str, top: str) -> None:
    """Questions of every kind put the right resource first."""
    assert ids(engine.search(query))[0] == top


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("orbits", {"orbit-simulator", "hohmann-explained", "gravity-assist-video"}),
        ("bh", {"black-hole-visualizer", "spaghettification", "supernova-sim"}),
        ("event horizon", {"black-hole-visualizer", "spaghettification"}),
    ],
)
def test_alias_reaches_every_tagged_resource(engine: SearchEngine, query: str, expected: set[str]) -> None:
    """An alias from tags.yaml finds the tag's resources."""
    assert expected <= set(ids(engine.search(query, limit=10)))


@pytest.mark.parametrize(
    ("query", "word", "read_as", "top"),
    [
        ("spectroscpy", "spectroscpy", "spectroscopy", "spectrum-explorer"),
        ("hohman transfer", "hohman", "hohmann", "hohmann-explained"),
        ("supernvoa", "supernvoa", "supernova", "supernova-sim"),
    ],
)
def test_typos_are_corrected_and_explained(engine: SearchEngine, query: str, word: str, read_as: str, top: str) -> None:
    """An unknown word close to an index word is read as it, and the why says so."""
    response = engine.search(query)
    assert ids(response)[0] == top
    first = response.results[0]
    assert any(m.how == "typo" and m.term == word for m in first.matches)
    assert f'"{word}": read as "{read_as}"' in first.why
    assert response.notice and read_as in response.notice


def test_known_word_is_never_corrected(engine: SearchEngine) -> None:
    """A word in the vocabulary is taken as it is."""
    response = engine.search("orbit")
    assert all(m.how != "typo" for r in response.results for m in r.matches)
    assert response.notice is None


def test_exact_outranks_corrected() -> None:
    """Of two equally good resources, the one matching a word as typed beats one matching a correction."""
    tags = {"t": Tag("t", "Topic", "A topic.")}
    res = tuple(
        Resource(f"r-{w}", w.title(), f"https://example.org/{w}", f"All about {w}.", ("t",), "article", "beginner")
        for w in ("prisms", "lenses", "mirrors", "planets", "comets")
    )
    engine = SearchEngine(Catalog(tags, res))
    assert ids(engine.search("lenses or prisns"))[0] == "r-lenses"
    assert ids(engine.search("prisns or lenses"))[0] == "r-lenses"
    assert ids(engine.search("prisns")) == ["r-prisms"]


@pytest.mark.parametrize(
    "query",
    [
        "what's the weather in Paris",
        "how do I bake bread",
        "best pizza place near me",
        "who won the football game last night",
        "tell me a joke",
        "kubernetes pod keeps crashing",
    ],
)
def test_off_topic_questions_get_nothing(engine: SearchEngine, query: str) -> None:
    """Off-topic questions are refused rather than answered with weak matches."""
    response = engine.search(query)
    assert response.results == ()
    assert response.notice


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "the and of", "hey thx lol", "???", "🎉🎉", "<@123> @everyone"])
def test_empty_or_junk_questions_get_a_notice(engine: SearchEngine, query: str) -> None:
    """Questions with no topic words give no results and a notice."""
    response = engine.search(query)
    assert response.results == ()
    assert response.notice


def test_refusal_suggests_closest_tags(engine: SearchEngine) -> None:
    """A refused question that touches the catalog suggests the tags it touched."""
    response = engine.search("gravity of my tax situation in paris bakeries")
    assert response.results == ()
    assert "orbital-mechanics" in response.suggested_tags or "black-holes" in response.suggested_tags


def test_why_names_fields_and_aliases(engine: SearchEngine) -> None:
    """Each result says which query words matched which fields, and alias expansions."""
    result = engine.search("bh")
    first = result.results[0]
    assert "tag black-holes (alias)" in first.why
    assert {m.field for m in first.matches} >= {"tag"}
    assert any(m.how == "alias" for m in first.matches)
    title_hit = engine.search("transit lab").results[0]
    assert '"transit' in title_hit.why and "title" in title_hit.why


@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        ({"kind": "video"}, {"gravity-assist-video"}),
        ({"level": "intermediate"}, {"hohmann-explained"}),
        ({"tag": "orbital-mechanics"}, {"orbit-simulator", "hohmann-explained", "gravity-assist-video"}),
        ({"tag": "orbit"}, {"orbit-simulator", "hohmann-explained", "gravity-assist-video"}),
    ],
)
def test_filters(engine: SearchEngine, filters: dict[str, str], allowed: set[str]) -> None:
    """--tag, --kind and --level keep only matching resources; a tag alias resolves."""
    found = set(ids(engine.search("orbits", limit=10, **filters)))
    assert found and found <= allowed


@pytest.mark.parametrize(
    ("filters", "error"),
    [
        ({"kind": "podcast"}, InvalidInput),
        ({"level": "expert"}, InvalidInput),
        ({"tag": "zzzz-unknown"}, NotFound),
        ({"limit": 0}, InvalidInput),
        ({"offset": -1}, InvalidInput),
    ],
)
def test_bad_filters_raise_domain_errors(engine: SearchEngine, filters: dict, error: type) -> None:
    """Filter values (not question text) are checked and refused with a domain error."""
    with pytest.raises(error):
        engine.search("orbits", **filters)


def test_schema_words_prefer_kind_and_level(engine: SearchEngine) -> None:
    """'video' or 'beginner' in a question prefer that kind or level without filtering."""
    assert ids(engine.search("orbits video"))[0] == "gravity-assist-video"


def _twins() -> Catalog:
    tags = {"t": Tag("t", "Topic", "A topic.")}
    twins = tuple(
        Resource(
            f"twin-{c}",
            "Identical twins",
            f"https://example.org/{c}",
            "Mirrored siblings.",
            ("t",),
            "article",
            "beginner",
        )
        for c in "cab"
    )
    others = tuple(
        Resource(f"other-{w}", w.title(), f"https://example.org/o{w}", f"About {w}.", ("t",), "article", "beginner")
        for w in ("lenses", "prisms", "mirrors", "planets")
    )
    return Catalog(tags, twins + others)


def test_ties_break_by_id() -> None:
    """Equal scores are ordered by id, the same on every run."""
    first = ids(SearchEngine(_twins()).search("identical twins", limit=10))
    assert first == ["twin-a", "twin-b", "twin-c"]
    assert ids(SearchEngine(_twins()).search("identical twins", limit=10)) == first


def test_prior_breaks_ties_and_adds_nothing() -> None:
    """A feedback prior reorders equals and never adds a resource that did not match."""
    prior = {"twin-c": 1.0, "twin-a": -1.0, "other-lenses": 1.0}
    assert ids(SearchEngine(_twins(), prior=prior).search("identical twins", limit=10)) == [
        "twin-c",
        "twin-b",
        "twin-a",
    ]


def test_prior_cannot_lift_a_weaker_match(engine: SearchEngine) -> None:
    """The clearly best match stays first when every other resource has the best feedback."""
    prior = {r.id: 1.0 for r in engine.catalog.resources}
    prior["hohmann-explained"] = -1.0
    boosted = SearchEngine(engine.catalog, prior=prior)
    assert ids(boosted.search("hohmann transfer"))[0] == "hohmann-explained"
    assert set(ids(boosted.search("hohmann transfer", limit=10))) == set(
        ids(engine.search("hohmann transfer", limit=10))
    )


def test_limit_and_offset_page_through(engine: SearchEngine) -> None:
    """offset and limit slice one ranking."""
    everything = ids(engine.search("orbits", limit=10))
    assert ids(engine.search("orbits", limit=1, offset=1)) == everything[1:2]


def test_to_json_shape(engine: SearchEngine) -> None:
    """to_json has exactly the documented keys."""
    data = engine.search("jwst").to_json()
    assert set(data) == {"query", "results", "suggested_tags", "gaps"}
    assert set(data["results"][0]) == {"id", "title", "url", "score", "tags", "why"}
    assert engine.search("lol").to_json()["results"] == []


@pytest.mark.parametrize(
    ("name", "slug", "how"),
    [
        ("telescopes", "telescopes", "exact"),
        ("Telescopes", "telescopes", "exact"),
        ("Life cycle of stars", "star-life-cycle", "exact"),
        ("star life cycle", "star-life-cycle", "exact"),
        ("hubble", "telescopes", "alias"),
        ("delta v", "orbital-mechanics", "alias"),
        ("telescpes", "telescopes", "typo"),
        ("spectrscopy", "spectroscopy", "typo"),
    ],
)
def test_resolve_tag(engine: SearchEngine, name: str, slug: str, how: str) -> None:
    """Slugs and titles resolve exactly, aliases as aliases, small typos as typos."""
    found = engine.resolve_tag(name)
    assert found.tag is not None and found.tag.slug == slug
    assert found.how == how


@pytest.mark.parametrize("name", ["", "zzzz", "weather forecast", "🎉"])
def test_resolve_unknown_tag(engine: SearchEngine, name: str) -> None:
    """An unknown name resolves to nothing, with at most three suggestions."""
    found = engine.resolve_tag(name)
    assert found.tag is None and found.how == "none" and len(found.suggestions) <= 3


def test_complete_tags(engine: SearchEngine) -> None:
    """Autocomplete: prefix matches first, at most 25, every tag for empty text."""
    assert engine.complete_tags("tele")[0].slug == "telescopes"
    assert engine.complete_tags("spec")[0].slug == "spectroscopy"
    assert len(engine.complete_tags("")) == 6
    assert len(engine.complete_tags("", limit=2)) == 2


def test_resources_for_tag_and_counts(engine: SearchEngine) -> None:
    """A tag's resources, beginner first; counts for every tag."""
    listed = engine.resources_for_tag("orbital-mechanics")
    assert [r.level for r in listed] == ["beginner", "beginner", "intermediate"]
    assert [r.id for r in engine.resources_for_tag("orbital-mechanics", kind="video")] == ["gravity-assist-video"]
    assert engine.tag_counts()["orbital-mechanics"] == 3
    assert set(engine.tag_counts()) == set(engine.catalog.tags)
    with pytest.raises(NotFound):
        engine.resources_for_tag("nope")


def test_empty_catalog() -> None:
    """An engine over no resources answers nothing, without error."""
    engine = SearchEngine(Catalog({}, ()))
    assert engine.search("anything at all").results == ()
    assert engine.tag_counts() == {}


NASTY = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(categories=["Mn", "Me", "Cc", "Cf", "So", "Zs"])),
    st.sampled_from(
        [
            "@everyone",
            "<@123> <#456> <:emoji:789>",
            "'; DROP TABLE resources; --",
            "**bold** `code` [link](http://x)",
            "مرحبا بالعالم שלום",
            "Z̷̧͙̈́a̴̰͝l̵̡̛g̶̣̈́o̸̧͝ orbit",
            "a" * 10_000,
            "orbit " * 3_000,
            "\x00\x01\x7f\u202e\ufeff",
        ]
    ),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=NASTY)
def test_search_never_raises(engine: SearchEngine, query: str) -> None:
    """Any text gives a well-formed response, never an exception."""
    response = engine.search(query)
    assert isinstance(response, SearchResponse)
    assert len(response.results) <= 5
    assert len(response.suggested_tags) <= 3
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)
    assert response.results or response.notice
    engine.resolve_tag(query)
    engine.complete_tags(query)


def _mini(*entries: tuple[str, str, str, tuple[str, ...]]) -> SearchEngine:
    """An engine over a tiny one-tag catalog of (id, title, description, keywords)."""
    tags = {"t": Tag("t", "Topic", "A topic.")}
    res = tuple(
        Resource(i, title, f"https://example.org/{i}", desc, ("t",), "article", "beginner", keywords=kw)
        for i, title, desc, kw in entries
    )
    return SearchEngine(Catalog(tags, res))


def test_word_inside_a_hyphenated_compound_counts_less() -> None:
    """A word found only inside a compound ("anti-matter") names another thing than the word
    alone, however often the compound repeats; the compound itself still matches in full."""
    engine = _mini(
        (
            "compound",
            "Anti-Matter Family",
            "From anti-matter to dark anti-matter and hot anti-matter.",
            ("anti-matter",),
        ),
        ("plain", "Matter basics", "What matter is made of.", ()),
        ("other", "Lenses", "Bending light.", ()),
    )
    assert ids(engine.search("matter"))[0] == "plain"
    assert ids(engine.search("anti-matter"))[0] == "compound"
    assert ids(engine.search("antimatter"))[0] == "compound"


def test_correction_onto_a_prose_only_word_is_no_evidence() -> None:
    """A typo read as a word the catalog has only in descriptions does not make a question
    answerable; read as a word in a title it does."""
    engine = _mini(
        ("a", "Prisms", "Light takes a bent path through glass ladders.", ()),
        ("b", "Lenses", "Glass bends light.", ()),
        ("c", "Mirrors", "Glass reflects light.", ()),
    )
    assert engine.search("ladderz").results == ()
    assert ids(engine.search("prismz")) == ["a"]


def test_first_letter_typo_is_less_certain() -> None:
    """A correction that changes a word's first letter is trusted less than one that does not."""
    engine = _mini(
        ("a", "Spectrograms", "Sound drawn over time.", ()),
        ("b", "Lenses", "Glass bends light.", ()),
        ("c", "Mirrors", "Glass reflects light.", ()),
    )
    inside, first = engine.search("spectrogrums").results, engine.search("xpectrograms").results
    assert [r.resource.id for r in inside] == [r.resource.id for r in first] == ["a"]
    assert first[0].score < inside[0].score


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        ("xpectrograms", True),  # one edit, and the first letter: two, within a long word's budget
        ("xpectrogrums", False),  # two edits and the first letter: three, over the budget
        ("blenses", False),  # a short word: the first letter alone uses its one edit, plus one more
    ],
)
def test_a_first_letter_change_counts_within_the_edit_budget(question: str, answered: bool) -> None:
    """A changed first letter is one more edit, and the corrections allowed stay within a word's budget."""
    engine = _mini(
        ("a", "Spectrograms", "Sound drawn over time.", ()),
        ("b", "Lenses", "Glass bends light.", ()),
        ("c", "Mirrors", "Glass reflects light.", ()),
    )
    assert bool(engine.search(question).results) == answered


def test_alias_expansion_to_a_multi_word_name_is_worth_one_word() -> None:
    """An alias also looks for its tag's name in resources' text; the name's words share one
    word's worth, so an untagged resource full of them stays well behind a tagged one."""
    tags = {
        "wave-optics": Tag("wave-optics", "Wave optics", "Light as a wave.", aliases=("interference",)),
        "other": Tag("other", "Other", "Other things."),
    }
    res = tuple(
        Resource(i, title, f"https://example.org/{i}", desc, (tag,), "article", "beginner")
        for i, title, desc, tag in (
            ("fringes", "Fringes", "Two slits make stripes on a screen.", "wave-optics"),
            ("toolkit", "Wave optics toolkit", "Wave optics simulations: waves, optics, lenses.", "other"),
            ("prisms", "Prisms", "Glass shapes.", "other"),
            ("mirrors", "Mirrors", "Glass reflects.", "other"),
        )
    )
    found = {r.resource.id: r.score for r in SearchEngine(Catalog(tags, res)).search("interference").results}
    assert found["fringes"] > 2 * found.get("toolkit", 0.0)


def test_repeating_a_word_in_a_field_adds_nothing() -> None:
    """A word counts once per field: saying it in several keywords is no better than in one,
    and a title about it beats a resource that only repeats it in keywords and description."""
    engine = _mini(
        (
            "repeats",
            "Night sky",
            "A comet, another comet, comet after comet.",
            ("comet tails", "comet dust", "comet orbits"),
        ),
        ("once", "Night sky", "A comet, another planet, moon after moon.", ("comet tails", "ion dust", "moon orbits")),
        ("titled", "Comets", "Dirty snowballs.", ("ice",)),
        *((w, w.title(), f"All about {w}.", ()) for w in ("lenses", "prisms", "mirrors", "planets", "moons", "stars")),
    )
    found = {r.resource.id: r.score for r in engine.search("comets", limit=10).results}
    assert found["repeats"] == pytest.approx(found["once"])
    assert ids(engine.search("comets"))[0] == "titled"


def test_hyphenated_word_with_dropped_parts_is_read_whole() -> None:
    """A hyphenated word whose parts are a stop word or a single letter ("O-type", "k-means")
    is read as its joined form, not dropped to nothing."""
    engine = _mini(
        ("otype", "O-Type Stars", "The hottest, bluest stars.", ()),
        *((w, w.title(), f"All about {w}.", ()) for w in ("lenses", "prisms", "mirrors", "planets")),
    )
    assert ids(engine.search("o-type")) == ["otype"]
    assert ids(engine.search("o-type stars"))[0] == "otype"


def test_confidence_is_the_share_of_the_question_answered(engine: SearchEngine) -> None:
    """Confidence is 1 for a fully covered question, lower when unknown words dilute it, 0 when refused."""
    full = engine.search("gravity assist").confidence
    diluted = engine.search("how do gravity assists work with my grandmother cooking recipes")
    refused = engine.search("lol")
    assert full == 1.0
    assert diluted.results and 0.5 <= diluted.confidence < full
    assert refused.results == () and refused.confidence < 0.5


def test_resolve_tag_typo_in_an_inflected_word() -> None:
    """A typo in a plural ("kernals") resolves through its stem when the word as typed is too far off."""
    tag = Tag("filters", "Image filters", "Small grids of weights slid over an image.", ("kernel", "blur"))
    resource = Resource(
        "blur-demo",
        "Blur demo",
        "https://example.org/blur",
        "Drag a kernel over a photo.",
        ("filters",),
        "interactive",
        "beginner",
    )
    small = SearchEngine(Catalog(tags={"filters": tag}, resources=(resource,)))
    found = small.resolve_tag("kernals")
    assert found.tag is not None and (found.tag.slug, found.how) == ("filters", "typo")
    assert small.resolve_tag("zzzzzzz").tag is None


def test_a_question_on_a_known_gap_is_refused_naming_it() -> None:
    """Nothing is returned for a topic the curators list as a gap, and the notice says which one."""
    tag = Tag("neural-networks", "Neural networks", "Layers of units.", ())
    resource = Resource(
        "nn", "Neural networks", "https://a.org/nn", "Layers.", ("neural-networks",), "article", "beginner"
    )
    gaps = {"graph-neural-networks": Gap("graph-neural-networks", "Graph neural networks", ("gnn", "gnns"))}
    engine = SearchEngine(Catalog({tag.slug: tag}, (resource,), None, gaps))
    assert ids(engine.search("how do neural networks work")) == ["nn"]
    response = engine.search("how do graph neural networks work")
    assert response.results == () and response.gaps == ("graph-neural-networks",)
    assert response.notice == 'The catalog has nothing on "Graph neural networks" yet.'
    assert engine.search("gnns, explained").to_json()["gaps"] == ["graph-neural-networks"]


@pytest.mark.parametrize("name", ["graph-neural-networks", "Graph neural networks", "gnns"])
def test_a_known_gap_is_not_read_as_a_misspelt_tag(name: str) -> None:
    """A gap's name given as a tag is an unknown tag (with the closest tags), never silently another tag."""
    tag = Tag("neural-networks", "Neural networks", "Layers of units.", ())
    resource = Resource(
        "nn", "Neural networks", "https://a.org/nn", "Layers.", ("neural-networks",), "article", "beginner"
    )
    gaps = {"graph-neural-networks": Gap("graph-neural-networks", "Graph neural networks", ("gnns",))}
    engine = SearchEngine(Catalog({tag.slug: tag}, (resource,), None, gaps))
    found = engine.resolve_tag(name)
    assert found.tag is None and found.how == "none"
    assert engine.resolve_tag("neural-network").tag == tag
