"""python -m bot.bench.refusal: the cross-validation of the learned decision against the hand-set rule."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bot.bench import refusal as bench
from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.embedder import load_embedder
from bot.core.evaluate import LabelledQuestion, engine_answer, evaluate, load_questions, summarise
from bot.core.fusion import FusionSettings
from bot.core.refusal import FEATURE_NAMES, shipped_model
from bot.core.search import SearchEngine

DATA = Path(__file__).resolve().parents[1] / "data"


def row(name: str, answerable: bool, signal: float, rule: bool, i: int) -> bench.Row:
    """A constructed row: the first feature carries the label, the rest is constant."""
    x = np.zeros(len(FEATURE_NAMES))
    x[0] = signal
    gold = ("good",) if answerable else ()
    return bench.Row(name, LabelledQuestion(f"{name} {i}", gold), x, rule, ("other", "good"))


def constructed() -> list[bench.Row]:
    """Three sets of 30 where the first feature separates the labels (the same values in every
    set, so a threshold from the training sets holds on the test set); the rule answers every
    answerable question and half the others."""
    rows = []
    for name in ("a", "b", "c"):
        for i in range(30):
            answerable = i % 3 != 0
            signal = (1.0 if answerable else -1.0) + 0.1 * (i % 5)
            rows.append(row(name, answerable, signal, rule=answerable or i % 2 == 0, i=i))
    return rows


def test_a_refused_answerable_question_loses_its_hit() -> None:
    """Answering returns the ranking (gold at rank 2); refusing returns nothing and no rank."""
    r = row("a", True, 1.0, True, 0)
    assert bench.outcome(r, True).rank == 2
    assert bench.outcome(r, False).refused and bench.outcome(r, False).rank is None


def test_cross_validation_leaves_one_set_out_and_pools_every_question() -> None:
    """One line per set then the pooled one; the pooled reports hold every question once; reruns agree."""
    rows = constructed()
    results = bench.cross_validate(rows)
    assert [name for name, *_ in results] == ["a", "b", "c", "pooled"]
    pooled_rule, pooled_learned = results[-1][1], results[-1][2]
    assert len(pooled_rule.outcomes) == len(pooled_learned.outcomes) == len(rows)
    assert pooled_rule.refused_correctly == pytest.approx(0.5)  # the constructed rule refuses every other one
    assert pooled_learned.refused_correctly == 1.0 and pooled_learned.wrongly_refused == 0.0  # separable
    again = bench.cross_validate(rows)
    assert [(n, r.scores(), lr.scores(), t) for n, r, lr, t in results[:-1]] == [
        (n, r.scores(), lr.scores(), t) for n, r, lr, t in again[:-1]
    ]


def test_the_threshold_never_loses_more_than_the_rule_on_the_training_questions() -> None:
    """Fitted on rows where the rule loses nothing, the model loses no training question either."""
    rows = [r for r in constructed() if r.set != "a"]
    rows = [bench.Row(r.set, r.question, r.features, r.question.answerable, r.ranking) for r in rows]
    model = bench.fit(rows)
    assert all(model.answers(r.features) for r in rows if r.question.answerable)


@pytest.mark.parametrize("learned", [False, True])
def test_the_rows_are_what_the_engine_returns(tmp_path: Path, learned: bool) -> None:
    """The evidence the tool collects reproduces the engine's own answers, under the hand-set rule
    and under the shipped model (with the second look's veto), as the tool scores each."""
    rows = bench.collect(DATA, tmp_path, sets=("queries", "dev_learners2"))
    catalog = load_catalog(default_catalog_dir())
    settings = FusionSettings(learned_refusal=learned)
    engine = SearchEngine(catalog, embedder=load_embedder(cache_dir=tmp_path), fusion=settings)
    questions = load_questions(DATA / "queries.yaml") + load_questions(DATA / "dev_learners2.yaml")
    expected = evaluate(questions, engine_answer(engine))
    model = shipped_model()
    offline = summarise(
        [bench.outcome(r, bench.learned_answers(model, r) if learned else r.rule_answers) for r in rows]
    )
    assert [o.returned for o in offline.outcomes] == [o.returned for o in expected.outcomes]


def test_the_tool_prints_the_table_with_the_rule_as_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    """Per fold and pooled, a row for the rule and one for the learned decision, then the information tables."""
    assert bench.main([]) == 0
    out = capsys.readouterr().out
    for fold in ("queries", "heldout", "dev_learners", "music", "pooled"):
        assert re.search(rf"^\| {fold} \| .* \| hand-set rule \(baseline\) \|", out, re.M), fold
        assert re.search(rf"^\| {fold} \| .* \| learned \+ second look \(shipped\) \|", out, re.M), fold
    assert "## Out-of-fold trade-off" in out and "| (bias) |" in out
    assert all(f"| {name} |" in out for name in FEATURE_NAMES)
