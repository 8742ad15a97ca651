"""The learned answer-or-refuse model's parts: features, fitting, threshold, and the engine's evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.embedder import load_embedder
from bot.core.question import Alt, Query, Unit
from bot.core.refusal import (
    FEATURE_NAMES,
    FEATURES,
    RefusalModel,
    features,
    fit_logistic,
    resource_coverage,
    threshold_for,
)
from bot.core.retrieval import WEAK_EVIDENCE
from bot.core.search import SearchEngine

COSINES = np.array([0.1 * i for i in range(12)], dtype=np.float32)  # best 1.1, 10th best 0.2, median 0.55


def test_at_most_thirteen_features_each_with_a_meaning() -> None:
    """The feature list is short, named once each, and every feature says what it means."""
    assert 0 < len(FEATURES) <= 13
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert all(meaning.strip() for _, meaning in FEATURES)


def named(x: np.ndarray) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, x.tolist()))


def test_features_of_a_question_the_words_answer() -> None:
    """Coverage, hits, the cosine statistics and the joint evidence come out as their meanings say."""
    x = named(features(0.8, True, COSINES, None, words=4, unknown=1, top_coverage=0.6, corrected=False))
    assert x["coverage"] == pytest.approx(0.8)
    assert x["lexical_hits"] == 1.0
    assert x["best_cosine"] == pytest.approx(1.1)
    assert x["cosine_margin"] == pytest.approx(1.1 - 0.2)
    assert x["cosine_lift"] == pytest.approx(1.1 - 0.55)
    assert x["unknown_pull"] == 0.0  # no second look taken
    assert x["unknown_share"] == pytest.approx(0.25)
    assert x["top_coverage"] == pytest.approx(0.6)
    assert x["corrected"] == 0.0
    assert x["joint"] == pytest.approx(0.8 * 1.1)


@pytest.mark.parametrize(
    ("best_without", "pull"),
    [
        (None, 0.0),  # not taken
        (0.6, 0.5),  # without the unknown words the best cosine rises by half of itself
        (0.2, 0.0),  # it falls: no pull (never negative)
    ],
)
def test_unknown_pull_is_the_relative_rise_without_unknown_words(best_without: float | None, pull: float) -> None:
    """The second look's rise, relative to the best cosine of the whole question, clipped at zero."""
    cosines = np.array([0.1, 0.4, 0.2], dtype=np.float64)
    x = named(features(0.5, True, cosines, best_without, 3, 1, 0.5, False))
    assert x["unknown_pull"] == pytest.approx(pull)


def test_words_without_a_lexical_hit_give_no_joint_evidence_and_empty_catalogs_give_zeros() -> None:
    """Joint evidence needs a lexical hit; no resource means no cosine evidence; out-of-range inputs are clipped."""
    x = named(features(1.4, False, COSINES, None, 2, 0, 1.7, True))
    assert x["joint"] == 0.0 and x["lexical_hits"] == 0.0
    assert x["coverage"] == 1.0 and x["top_coverage"] == 1.0 and x["corrected"] == 1.0
    empty = named(features(0.0, False, np.zeros(0, dtype=np.float32), None, 0, 0, 0.0, False))
    assert all(v == 0.0 for v in empty.values())


def test_resource_coverage_counts_prose_matches_at_a_discount() -> None:
    """A unit matched in a tag/title/keyword counts fully, one found only in prose counts less, chatter never."""
    q = Query(
        units=[
            Unit("alpha", (Alt("alpha", "exact", 1.0, "alpha"),), (0,)),
            Unit("beta", (Alt("beta", "exact", 1.0, "beta"),), (1,)),
        ],
        weights=[2.0, 1.0, 1.0],
        counted=[True, True, False],
        total=4.0,
    )
    assert resource_coverage(q, 0b0001) == pytest.approx(2.0 / 4.0)  # alpha, strong
    assert resource_coverage(q, 0b0010) == pytest.approx(2.0 * WEAK_EVIDENCE / 4.0)  # alpha, weak
    assert resource_coverage(q, 0b0101) == pytest.approx(3.0 / 4.0)  # both strong
    assert resource_coverage(q, 0) == 0.0
    assert resource_coverage(Query(), 0b1) == 0.0


def toy(n: int = 200, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A toy problem: the first column decides the label (with noise), the second is noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float)
    return x, y


def test_fit_is_deterministic_and_finds_the_informative_feature() -> None:
    """Fitting twice gives the same numbers bit for bit; the informative feature carries the weight."""
    x, y = toy()
    first, second = fit_logistic(x, y, 1.0), fit_logistic(x, y, 1.0)
    for a, b in zip(first, second):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    _, _, weights, _ = first
    assert weights[0] > 1.0 and abs(weights[1]) < 0.5 * weights[0]


def test_a_larger_penalty_shrinks_the_weights() -> None:
    """L2 regularisation: more penalty, smaller weights."""
    x, y = toy()
    small = fit_logistic(x, y, 0.1)[2]
    large = fit_logistic(x, y, 100.0)[2]
    assert np.linalg.norm(large) < np.linalg.norm(small)


def test_a_fitted_model_predicts_by_its_threshold() -> None:
    """The model's probability rises with the informative feature; it answers at or above its threshold."""
    x, y = toy()
    mean, scale, weights, bias = fit_logistic(x, y, 1.0)
    model = RefusalModel(("a", "b"), mean, scale, weights, bias, 0.5)
    low, high = model.probability(np.array([-2.0, 0.0])), model.probability(np.array([2.0, 0.0]))
    assert 0.0 < low < 0.5 < high < 1.0
    assert model.answers(np.array([2.0, 0.0])) and not model.answers(np.array([-2.0, 0.0]))


@pytest.mark.parametrize(
    ("max_lost", "threshold", "refused"),
    [
        (0.0, 0.1, 0),  # lose none: the lowest probability still answers
        (0.2, 0.3, 1),  # one of five may be refused
        (0.45, 0.5, 2),
        (1.0, 1.0, 5),
    ],
)
def test_threshold_keeps_the_loss_at_most_the_allowed_share(max_lost: float, threshold: float, refused: int) -> None:
    """The highest threshold refusing at most the allowed share of answerable questions."""
    probabilities = [0.5, 0.1, 0.9, 0.3, 0.7]
    t = threshold_for(probabilities, max_lost)
    assert t == pytest.approx(threshold)
    assert sum(1 for p in probabilities if p < t) == refused


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    """The shipped catalog, searched as vizbot ships."""
    cache: Path = tmp_path_factory.getbasetemp() / "shared-cache" / "vizbot"
    return SearchEngine(load_catalog(default_catalog_dir()), embedder=load_embedder(cache_dir=cache))


@pytest.mark.parametrize(
    "question",
    ["what is a convolution", "weather in paris tomorrow", "expalin transfomers", "how does LoRA fine-tuning work"],
)
def test_the_engines_evidence_agrees_with_its_answer(shipped: SearchEngine, question: str) -> None:
    """decision() says what search() does: the rule's decision and the ranking it returns."""
    decision = shipped.decision(question)
    assert decision is not None and decision.features.shape == (len(FEATURE_NAMES),)
    returned = tuple(r.resource.id for r in shipped.search(question, limit=10).results)
    assert returned == (decision.ranking[:10] if decision.rule_answers else ())


def test_the_engines_features_read_the_question(shipped: SearchEngine) -> None:
    """A named topic is covered by its words; an off-topic question is not; a typo shows as corrected."""
    topic = named(shipped.decision("what is a convolution").features)
    off = named(shipped.decision("weather in paris tomorrow").features)
    typo = named(shipped.decision("expalin transfomers").features)
    assert topic["coverage"] == 1.0 and topic["lexical_hits"] == 1.0 and topic["top_coverage"] > 0.5
    assert topic["best_cosine"] > off["best_cosine"]
    assert off["coverage"] < 0.5 and off["unknown_share"] > 0.5
    assert typo["corrected"] == 1.0 and topic["corrected"] == 0.0
    # "lora" is unknown and carried the subject: the second look's pull shows it
    assert named(shipped.decision("how does LoRA fine-tuning work").features)["unknown_pull"] > 0.0


def test_no_decision_without_a_topic_word_or_an_embedder(shipped: SearchEngine) -> None:
    """A question with no word to read, or a lexical engine, has no evidence to decide on."""
    assert shipped.decision("how does it work?") is None
    assert SearchEngine(shipped.catalog).decision("what is a convolution") is None


def test_the_shipped_model_loads_and_round_trips() -> None:
    """The model file the engine loads was fitted on exactly the engine's features, and survives to_dict/from_dict."""
    from bot.core.refusal import RefusalModel, shipped_model

    model = shipped_model()
    assert model.feature_names == FEATURE_NAMES and 0.0 < model.threshold < 1.0
    again = RefusalModel.from_dict(model.to_dict(fitted_on={"x": 1}))
    x = np.linspace(0.0, 1.0, len(FEATURE_NAMES))
    assert again.probability(x) == pytest.approx(model.probability(x))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{not json", "Expecting"),
        ('{"features": ["coverage"]}', "fitted on other features"),
        ("[1, 2]", "not a JSON object"),
    ],
)
def test_an_unusable_model_file_is_refused_with_its_reason(tmp_path: Path, content: str | None, message: str) -> None:
    """Missing, malformed or stale model files raise RefusalModelError naming the file and why."""
    from bot.core.refusal import RefusalModelError, load_model

    path = tmp_path / "refusal.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RefusalModelError, match=message) as info:
        load_model(path)
    assert str(path) in str(info.value)


def test_a_model_with_bad_numbers_is_refused() -> None:
    """Non-finite or non-numeric values, a zero scale, a degenerate threshold or bias are refused."""
    from bot.core.refusal import RefusalModel, RefusalModelError, shipped_model

    good = shipped_model().to_dict()
    n = len(FEATURE_NAMES)
    for field, value in (
        ("weights", [float("nan")] * n),
        ("scale", [0.0] * n),
        ("weights", ["0.45"] * n),
        ("mean", [True] * n),
        ("threshold", 1.5),
        ("threshold", 1.0),
        ("threshold", 0.0),
        ("threshold", True),
        ("threshold", None),
        ("bias", -1e308),
        ("bias", "2"),
    ):
        with pytest.raises(RefusalModelError):
            RefusalModel.from_dict({**good, field: value})


def test_the_engine_decides_by_the_model_it_is_given(shipped: SearchEngine) -> None:
    """A model that never answers refuses a question the shipped one answers; the rule is used when asked for."""
    from bot.core.fusion import FusionSettings
    from bot.core.refusal import RefusalModel

    n = len(FEATURE_NAMES)
    never = RefusalModel(FEATURE_NAMES, np.zeros(n), np.ones(n), np.zeros(n), -50.0, 0.5)
    assert shipped.search("what is a convolution").results
    refusing = SearchEngine(shipped.catalog, embedder=shipped.semantic.embedder, refusal=never)
    assert not refusing.search("what is a convolution").results
    rule = SearchEngine(
        shipped.catalog, embedder=shipped.semantic.embedder, fusion=FusionSettings(learned_refusal=False)
    )
    assert rule.refusal is None and rule.search("what is a convolution").results


def test_an_unusable_shipped_model_falls_back_to_the_rule(
    shipped: SearchEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """When the shipped file cannot be used the engine says so in the log and decides by the rule."""
    from bot.core import refusal, search

    def broken() -> refusal.RefusalModel:
        raise refusal.RefusalModelError("refusal.json: fitted on other features")

    monkeypatch.setattr(search, "shipped_model", broken)
    search._usable_shipped_model.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="bot.core.search"):
            engine = SearchEngine(shipped.catalog, embedder=shipped.semantic.embedder)
            again = SearchEngine(shipped.catalog, embedder=shipped.semantic.embedder)
    finally:
        search._usable_shipped_model.cache_clear()
    assert engine.refusal is None and again.refusal is None
    assert caplog.text.count("deciding by the hand-set rule") == 1  # said once, not per engine
    assert engine.search("what is a convolution").results
