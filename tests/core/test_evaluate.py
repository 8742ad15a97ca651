"""Evaluation metrics over labelled questions, and the floors on tests/data/queries.yaml."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.errors import InvalidInput
from bot.core.evaluate import LabelledQuestion, check_gold, engine_answer, evaluate, load_questions
from bot.core.model import Catalog, Resource, Tag
from bot.core.search import SearchEngine

QUERIES = Path(__file__).resolve().parent.parent / "data" / "queries.yaml"


def _fixed(answers: dict[str, list[str]]):
    return lambda question: answers[question.q]


def test_metrics_on_a_known_ranking() -> None:
    """hit@k, MRR, nDCG and refusal shares match hand computation."""
    questions = [
        LabelledQuestion("a", ("x",)),
        LabelledQuestion("b", ("y",)),
        LabelledQuestion("c", ("z",)),
        LabelledQuestion("d", ()),
        LabelledQuestion("e", ()),
    ]
    report = evaluate(questions, _fixed({"a": ["x", "q"], "b": ["q", "r", "y"], "c": [], "d": [], "e": ["x"]}))
    assert report.hit_at_1 == pytest.approx(1 / 3)
    assert report.hit_at_3 == pytest.approx(2 / 3)
    assert report.mrr_at_10 == pytest.approx((1 + 1 / 3) / 3)
    assert report.ndcg_at_10 == pytest.approx((1 + 1 / math.log2(4)) / 3)
    assert report.refused_correctly == pytest.approx(1 / 2)
    assert report.wrongly_refused == pytest.approx(1 / 3)
    assert [o.question.q for o in report.failures] == ["c", "e"]
    data = report.to_json()
    assert data["questions"] == 5 and len(data["failures"]) == 2
    assert set(data["failures"][0]) == {"q", "type", "gold", "returned", "rank"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "non-empty YAML list"),
        ("- q: 1\n  gold: []\n", "q must be a string"),
        ("- q: hi\n  gold: x\n", "gold must be a list"),
        ("- q: hi\n  gold: []\n  filters: {colour: red}\n", "filters may only hold"),
        ("- [unclosed\n", "not valid YAML"),
        ("- just a string\n", "must be a mapping"),
        ("- q: hi\n", "has no gold"),
        ("- q: hi\n  glod: [cnn-explainer]\n", "has no gold"),
    ],
)
def test_load_questions_rejects_bad_files(tmp_path: Path, text: str, message: str) -> None:
    """A malformed questions file raises InvalidInput naming the problem."""
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        load_questions(path)


def test_an_entry_without_gold_names_the_file_the_entry_and_its_line(tmp_path: Path) -> None:
    """A misspelt gold key is an error naming where it is, not a question that should be refused."""
    path = tmp_path / "q.yaml"
    path.write_text("- q: fine\n  gold: []\n\n# answerable\n- q: cnn\n  glod: [cnn-explainer]\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_questions(path)
    assert caught.value.field == "question 2"
    assert caught.value.reason.startswith("has no gold") and caught.value.reason.endswith(f"(at {path} line 5)")


def test_empty_gold_is_still_a_question_to_refuse(tmp_path: Path) -> None:
    """gold: [] means the right answer is to refuse."""
    path = tmp_path / "q.yaml"
    path.write_text("- q: where to buy saplings\n  gold: []\n", encoding="utf-8")
    assert load_questions(path) == [LabelledQuestion("where to buy saplings", ())]


def test_load_questions_missing_file(tmp_path: Path) -> None:
    """A missing file is a domain error, not an OSError."""
    with pytest.raises(InvalidInput, match="cannot read"):
        load_questions(tmp_path / "nope.yaml")


def test_check_gold_names_stale_ids() -> None:
    """Gold ids missing from the catalog are reported."""
    catalog = Catalog(
        {"t": Tag("t", "T", "d")}, (Resource("a", "A", "https://e.org", "d", ("t",), "tool", "beginner"),)
    )
    check_gold([LabelledQuestion("q", ("a",))], catalog)
    with pytest.raises(InvalidInput, match="ghost"):
        check_gold([LabelledQuestion("q", ("a", "ghost"))], catalog)


def test_labelled_questions_cover_every_kind() -> None:
    """At least 80 questions, 10% unanswerable, every kind of question the issue lists."""
    questions = load_questions(QUERIES)
    assert len(questions) >= 80
    assert sum(not q.answerable for q in questions) >= 0.1 * len(questions)
    kinds = {q.type for q in questions}
    assert {"plain", "filler", "inflection", "alias", "phrase", "typo", "hyphen", "filter", "unanswerable"} <= kinds


def test_quality_floors_on_the_shipped_catalog() -> None:
    """hit@3 >= 0.9, unanswerable refused >= 0.9, answerable wrongly refused <= 0.05."""
    catalog = load_catalog(default_catalog_dir())
    questions = load_questions(QUERIES)
    check_gold(questions, catalog)
    report = evaluate(questions, engine_answer(SearchEngine(catalog)))
    assert report.hit_at_3 >= 0.9
    assert report.refused_correctly >= 0.9
    assert report.wrongly_refused <= 0.05
