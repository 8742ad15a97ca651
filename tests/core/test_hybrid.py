"""Hybrid search end to end with the real model: meaning where words fail, words where they win."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.embedder import load_embedder
from bot.core.fusion import FusionSettings
from bot.core.search import SearchEngine

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "catalogs" / "search_fixture"


@pytest.fixture(scope="module")
def astro(cache: Path) -> SearchEngine:
    """A small astronomy catalog the engine knows nothing about."""
    return SearchEngine(load_catalog(FIXTURE), embedder=load_embedder(cache_dir=cache))


def embedded_texts(engine: SearchEngine, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the engine embeds from now on (each question and any second text), in order."""
    assert engine.semantic is not None
    seen: list[str] = []
    real = engine.semantic.cosines

    def counted(text: str) -> np.ndarray:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(engine.semantic, "cosines", counted)
    return seen


def top_ids(engine: SearchEngine, question: str, n: int = 3, **filters: str) -> list[str]:
    return [r.resource.id for r in engine.search(question, limit=n, **filters).results]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("how do convolutions work?", "colah-understanding-convolutions"),
        ("backprop", "mazur-backprop-example"),
        ("what is a neural network", "3b1b-neural-networks"),
    ],
)
def test_named_topics_still_lead(shipped: SearchEngine, question: str, expected: str) -> None:
    """Exact names, abbreviations and tags keep their lexical strength."""
    assert expected in top_ids(shipped, question)


@pytest.mark.parametrize(
    ("title", "expected"),
    [("CNN Explainer", "cnn-explainer"), ("Transformer Explainer", "transformer-explainer")],
)
def test_a_resources_exact_title_leads(shipped: SearchEngine, title: str, expected: str) -> None:
    """A title asked as is comes first ("explainer" is not read as the tag alias "explainability")."""
    assert top_ids(shipped, title, n=1) == [expected]


def test_a_bare_abbreviation_the_model_cannot_read_is_answered(astro: SearchEngine) -> None:
    """'bh' means nothing to the embedding model; the tag alias carries it."""
    assert top_ids(astro, "bh", 1) == ["black-hole-visualizer"]


@pytest.mark.parametrize("question", ["weather in paris tomorrow", "best recipe for sourdough bread", "lol"])
def test_off_topic_questions_are_refused(shipped: SearchEngine, question: str) -> None:
    """Nothing comes back for a question about something else, and the notice says so."""
    response = shipped.search(question)
    assert response.results == ()
    assert response.notice


def test_a_resource_found_by_meaning_says_so(shipped: SearchEngine) -> None:
    """A result that meaning brought in explains itself with the resource's own words."""
    response = shipped.search(
        "models that start from pure noise and clean it up a little at each step until a picture appears"
    )
    assert response.results
    assert any("close in meaning to:" in r.why for r in response.results)
    assert {
        "diffusion-explainer",
        "illustrated-stable-diffusion",
        "annotated-diffusion",
        "lilian-weng-diffusion-models",
    } & {r.resource.id for r in response.results[:3]}


def test_filters_apply_to_results_found_by_meaning(shipped: SearchEngine) -> None:
    """--kind video keeps every result a video, however it was found."""
    results = shipped.search("a network guessing the next word again and again", kind="video", limit=10).results
    assert results and all(r.resource.kind == "video" for r in results)


@pytest.mark.parametrize(
    "question",
    ["", "   ", "x" * 10_000, "🤖" * 500, "\u202eevil\u200b", "@everyone <@&123> how do **cnns** work", "\x00\x07"],
)
def test_hostile_questions_never_raise(shipped: SearchEngine, question: str) -> None:
    """Empty, huge, emoji, control, right-to-left and markdown questions get a response, not a traceback."""
    response = shipped.search(question)
    assert response.query == question
    assert response.results or response.notice


def test_pages_do_not_overlap(shipped: SearchEngine) -> None:
    """offset pages through one fused ranking."""
    first = top_ids(shipped, "gradient descent", 3)
    second = [r.resource.id for r in shipped.search("gradient descent", limit=3, offset=3).results]
    assert first and second and not set(first) & set(second)


def test_without_an_embedder_the_engine_is_lexical(tmp_path: Path) -> None:
    """The same catalog with no embedder answers by words alone (VIZBOT_SEMANTIC=off)."""
    engine = SearchEngine(load_catalog(FIXTURE))
    assert not engine.hybrid
    assert engine.search("bh").results[0].resource.id == "black-hole-visualizer"


@pytest.mark.parametrize(
    ("question", "unwanted"),
    [("how do I file my taxes", "takes"), ("when is the next recall election in california", "detection")],
)
def test_correct_english_is_not_read_as_a_catalog_word(shipped: SearchEngine, question: str, unwanted: str) -> None:
    """A rightly spelt word the catalog lacks is not 'corrected' onto one it has, so off-topic stays off."""
    response = shipped.search(question)
    assert unwanted not in (response.notice or "")
    assert response.results == ()


def test_typos_are_read_before_the_question_is_embedded(shipped: SearchEngine) -> None:
    """A misspelt stop word is dropped and a misspelt topic is embedded as read."""
    response = shipped.search("expalin transfomers")
    assert response.notice == 'Read "transfomers" as "transformers".'
    assert response.results and "transformers" in response.results[0].resource.tags


def test_an_english_compound_is_not_split_into_known_words(shipped: SearchEngine) -> None:
    """'backbone' is not read as 'back' + 'bone'."""
    q = shipped.lexical.analyse("backbone")
    assert [u.label for u in q.units] == [] and q.unknown == ["backbone"]


@pytest.mark.parametrize(
    ("question", "read"), [("lsmt diagram", "lstm"), ("rleu activation", "relu"), ("pca vs tnse", "tsne")]
)
def test_a_four_letter_word_with_two_letters_swapped_is_read(shipped: SearchEngine, question: str, read: str) -> None:
    """Swapped neighbouring letters in a four-letter topic word are corrected; nothing else that short is."""
    response = shipped.search(question)
    assert f'as "{read}"' in (response.notice or "") and response.results


@pytest.mark.parametrize("question", ["react vs vue", "what is dropout"])
def test_a_refused_question_suggests_no_unrelated_tags(shipped: SearchEngine, question: str) -> None:
    """Nothing in the catalog covers these, so no result and no far-fetched tag (it was 'maths, notation, clustering')."""
    response = shipped.search(question)
    assert response.results == () and response.suggested_tags == ()


@pytest.mark.parametrize(
    "question", ["how does LoRA fine-tuning work", "capsule networks and dynamic routing explained"]
)
def test_a_subject_the_catalog_lacks_is_refused_despite_known_words(shipped: SearchEngine, question: str) -> None:
    """Known words ("fine-tuning", "networks") around a subject the catalog never names do not carry the answer."""
    assert shipped.search(question).results == ()


@pytest.mark.parametrize("learned", [False, True])
def test_the_second_look_can_be_switched_off(cache: Path, learned: bool) -> None:
    """The second look refuses on its own, under the rule and over a model that answers everything; with no
    margin that any cosine can reach, the same question is answered from its known words."""
    from bot.core.refusal import FEATURE_NAMES, RefusalModel

    n = len(FEATURE_NAMES)
    always = RefusalModel(FEATURE_NAMES, np.zeros(n), np.ones(n), np.zeros(n), 50.0, 0.5) if learned else None
    catalog, embedder = load_catalog(default_catalog_dir()), load_embedder(cache_dir=cache)

    def engine(pull: float) -> SearchEngine:
        settings = FusionSettings(unknown_pull=pull, learned_refusal=learned)
        return SearchEngine(catalog, embedder=embedder, fusion=settings, refusal=always)

    assert engine(FusionSettings().unknown_pull).search("how does LoRA fine-tuning work").results == ()
    assert engine(10.0).search("how does LoRA fine-tuning work").results != ()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("wat is backprop tbh", "mazur-backprop-example"),
        ("what's a jacobian, need it for my deep learning homework", "explained-ai-matrix-calculus"),
    ],
)
def test_chatter_the_catalog_lacks_does_not_refuse(shipped: SearchEngine, question: str, expected: str) -> None:
    """Unknown chatter ("tbh", "homework") around a known subject still gets its answer."""
    assert expected in top_ids(shipped, question)


@pytest.mark.parametrize(
    ("question", "runs"),
    [
        ("how does prefix fine-tuning work", 2),  # short, an unknown word, weak meaning: a second look
        (
            'ok so our prof keeps saying "attention is all you need" and I have no idea what query key value even means, halp',
            1,
        ),
        ("backprop", 1),  # every word known: no second look
    ],
)
def test_the_second_look_runs_only_for_short_questions_with_unknown_words(
    shipped: SearchEngine, monkeypatch: pytest.MonkeyPatch, question: str, runs: int
) -> None:
    """The extra model run is spent only where it can refuse, and never on a long question (latency budget)."""
    seen = embedded_texts(shipped, monkeypatch)
    shipped.search(question)
    assert len(seen) == runs


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("cos'è l'overfitting e come si evita?", "mlu-bias-variance"),  # an accent: another language
        ("como funciona o t-SNE? quero ver uma animação", "tsnejs"),  # the language's own words are dropped
        ("backpropagationとは何ですか", "mazur-backprop-example"),  # another script, written against the word
    ],
)
def test_a_topic_word_inside_another_language_is_answered(shipped: SearchEngine, question: str, expected: str) -> None:
    """Words of another language around a topic word are that language, not a missing subject."""
    assert expected in top_ids(shipped, question, n=5)


def test_an_accent_alone_does_not_make_a_question_another_language(shipped: SearchEngine) -> None:
    """A name with an accent in an English off-topic question does not turn on the other-language reading."""
    assert not shipped.search("what is the salary of a data scientist in São Paulo?").results


def test_another_language_embeds_what_the_model_can_read(
    shipped: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question in another language is embedded whole and as the words the catalog knows, never a second look."""
    seen = embedded_texts(shipped, monkeypatch)
    shipped.search("cos'è l'overfitting e come si evita?")
    assert len(seen) == 2 and "evita" in seen[0] and "evita" not in seen[1] and "overfitting" in seen[1]


@pytest.mark.parametrize(
    ("question", "expected"),
    [("what is mode collapse", "gan-lab"), ("what are induction heads", "transformer-circuits-thread")],
)
def test_a_phrase_found_only_in_a_description_answers(shipped: SearchEngine, question: str, expected: str) -> None:
    """Two words side by side in a resource's prose are a subject, not chatter, even where the model reads them weakly."""
    assert top_ids(shipped, question, n=1) == [expected]


def test_an_explanation_leads_a_tool_whose_main_topic_is_elsewhere(shipped: SearchEngine) -> None:
    """'How do CNNs work' leads with an explainer, not a CNN-drawing tool (main topic: diagrams); asking
    for the tool's own topic, or for tools, still finds it first."""
    tool = shipped.catalog.get("draw-convnet")
    assert tool is not None and tool.kind == "tool" and tool.tags[0] == "architecture-diagrams"
    assert top_ids(shipped, "how do CNNs work")[0] == "cnn-explainer"
    assert "draw-convnet" not in top_ids(shipped, "how do CNNs work")
    assert top_ids(shipped, "how can I draw my CNN architecture for a paper")[0] == "draw-convnet"
    assert "draw-convnet" in top_ids(shipped, "how do CNNs work", kind="tool")  # asked for tools: no penalty among them
    assert shipped.semantic is not None
    off = SearchEngine(shipped.catalog, embedder=shipped.semantic.embedder, fusion=FusionSettings(tool_off_topic=0.0))
    assert "draw-convnet" in top_ids(off, "how do CNNs work")  # the ordering rule is what moved it


def test_mentions_and_links_do_not_change_the_answer(shipped: SearchEngine) -> None:
    """Discord mentions, a role ping and a link's address are not words of the question (found by a tester)."""
    noisy = "@everyone **how** do _convolutions_ work <@&123> [link](http://evil.example.com) <@!42>"
    assert top_ids(shipped, noisy) == top_ids(shipped, "**how** do _convolutions_ work [link]") != []
    assert shipped.search(noisy).query == noisy  # the response keeps the question as asked


def test_terminal_escapes_do_not_change_the_answer(shipped: SearchEngine) -> None:
    """A question wrapped in escape sequences is searched as the question itself."""
    assert top_ids(shipped, "\x1b[2J\x1b[Hhow do convolutions work") == top_ids(shipped, "how do convolutions work")


def test_another_script_embeds_only_the_words_the_model_can_read(
    shipped: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question in Cyrillic around an English topic word costs one short model run, of the known words alone."""
    seen = embedded_texts(shipped, monkeypatch)
    response = shipped.search("Посоветуйте наглядное объяснение backpropagation, желательно видео")
    assert len(seen) == 1 and "backpropagation" in seen[0] and seen[0].isascii()
    assert response.results and "backprop" in response.results[0].resource.id


@pytest.mark.parametrize(
    ("question", "related"),
    [("how do graph neural networks work", {"neural-networks"}), ("what is a kalman filter", set())],
)
def test_a_refused_gap_question_gets_tags_related_in_meaning(
    shipped: SearchEngine, question: str, related: set[str]
) -> None:
    """A question on a known gap is refused naming it; its related tags are the main topics of resources close in
    meaning, or none, never tags its words merely resemble ("filter" is not image kernels)."""
    response = shipped.search(question)
    assert response.results == () and response.gaps
    assert related <= set(response.suggested_tags) and "image-kernels" not in response.suggested_tags
    if not related:
        assert response.suggested_tags == ()


def test_a_tag_named_by_an_alias_in_another_language_is_also_embedded_by_its_title(
    shipped: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model reads English: a question in another language naming a tag by an alias is also embedded with
    the tag's English title, so meaning adds to the words ("matriz de confusión" reads as model evaluation)."""
    seen = embedded_texts(shipped, monkeypatch)
    question = "necesito entender la matriz de confusión y la curva ROC para el examen del jueves"
    assert "mlu-roc-auc" in top_ids(shipped, question)
    assert any(text.endswith("Model evaluation") for text in seen)
