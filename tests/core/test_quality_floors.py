"""Search quality holds its stored baseline on every development set (hybrid, shipped setting).

A baseline (``tests/data/baselines/NAME.json``) keeps each question's rank of the first good
answer (``null``: none in the top 10) or refusal. A set fails when more than two questions
regress on hit@1, hit@3, MRR or refusal. After a deliberate change, rewrite the baselines with
``python3 tests/core/test_quality_floors.py --update`` and say why in the commit.
The blind sets (``tests/data/blind/``) have aggregate floors only, so nothing here shows
which blind question fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.embedder import load_embedder
from bot.core.evaluate import Outcome, check_gold, engine_answer, evaluate, load_questions
from bot.core.search import SearchEngine

DATA = Path(__file__).resolve().parents[1] / "data"
BASELINES = DATA / "baselines"
ALLOWED_REGRESSIONS = 2
SETS = {  # name -> (questions, catalog directory or None for the shipped one)
    "queries": (DATA / "queries.yaml", None),
    "heldout": (DATA / "heldout" / "queries.yaml", None),
    "music": (DATA / "heldout" / "music_queries.yaml", DATA / "heldout" / "music"),
    "dev_learners": (DATA / "dev_learners.yaml", None),
    "dev_learners2": (DATA / "dev_learners2.yaml", None),
    "dev_learners3": (DATA / "dev_learners3.yaml", None),
    "dev_learners4": (DATA / "dev_learners4.yaml", None),
    "dev_learners5": (DATA / "dev_learners5.yaml", None),
    "dev_learners6": (DATA / "dev_learners6.yaml", None),
}


def _outcomes(name: str, cache_dir: Path) -> list[Outcome]:
    questions_file, catalog_dir = SETS[name]
    catalog = load_catalog(catalog_dir or default_catalog_dir())
    engine = SearchEngine(catalog, embedder=load_embedder(cache_dir=cache_dir))
    questions = load_questions(questions_file)
    check_gold(questions, catalog)
    return list(evaluate(questions, engine_answer(engine)).outcomes)


def _record(outcomes: list[Outcome]) -> dict[str, dict[str, object]]:
    return {o.question.q: {"rank": o.rank, "refused": o.refused} for o in outcomes}


def regressions(before: dict[str, dict[str, object]], outcomes: list[Outcome]) -> dict[str, list[str]]:
    """Questions worse than their baseline, by measure (hit@1, hit@3, MRR, refusal)."""
    found: dict[str, list[str]] = {"hit@1": [], "hit@3": [], "MRR": [], "refusal": []}
    for o in outcomes:
        old = before.get(o.question.q)
        if old is None:
            continue
        old_rank, new_rank = old["rank"], o.rank
        if o.question.answerable:
            if old_rank == 1 and new_rank != 1:
                found["hit@1"].append(o.question.q)
            if old_rank is not None and old_rank <= 3 and (new_rank is None or new_rank > 3):
                found["hit@3"].append(o.question.q)
            if (1 / old_rank if old_rank else 0.0) > (1 / new_rank if new_rank else 0.0) + 1e-9:
                found["MRR"].append(o.question.q)
            if o.refused and not old["refused"]:
                found["refusal"].append(o.question.q)
        elif old["refused"] and not o.refused:
            found["refusal"].append(o.question.q)
    return found


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for the module."""
    return tmp_path_factory.getbasetemp() / "shared-cache" / "vizbot"


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_more_than_two_questions_regress(name: str, cache_dir: Path) -> None:
    """Against the stored baseline, at most two questions get worse on any measure."""
    before = json.loads((BASELINES / f"{name}.json").read_text(encoding="utf-8"))
    outcomes = _outcomes(name, cache_dir)
    assert {o.question.q for o in outcomes} == set(before), "questions changed: update the baseline"
    worse = regressions(before, outcomes)
    assert all(len(qs) <= ALLOWED_REGRESSIONS for qs in worse.values()), worse


def test_regressions_are_counted_per_measure() -> None:
    """A question that drops from rank 1 to refused counts on every measure it touches."""
    from bot.core.evaluate import LabelledQuestion

    answerable = LabelledQuestion("a", ("x",))
    unanswerable = LabelledQuestion("b", ())
    before = {"a": {"rank": 1, "refused": False}, "b": {"rank": None, "refused": True}}
    now = [Outcome(answerable, (), None), Outcome(unanswerable, ("y",), None)]
    assert regressions(before, now) == {"hit@1": ["a"], "hit@3": ["a"], "MRR": ["a"], "refusal": ["a", "b"]}
    assert regressions(before, [Outcome(answerable, ("x",), 1), Outcome(unanswerable, (), None)]) == {
        "hit@1": [],
        "hit@3": [],
        "MRR": [],
        "refusal": [],
    }


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for set_name in sorted(SETS):
            path = BASELINES / f"{set_name}.json"
            path.write_text(
                json.dumps(_record(_outcomes(set_name, Path(tmp))), indent=1, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
            print(f"wrote {path}")


BLIND = json.loads((BASELINES / "blind.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(k for k in BLIND if not k.startswith("_")))
def test_blind_sets_hold_their_counts(name: str, cache_dir: Path) -> None:
    """Each blind set loses at most two questions on hit@1, hit@3 and either refusal count (aggregates only)."""
    spec = BLIND[name]
    catalog = load_catalog(DATA / spec["catalog"]) if spec["catalog"] else load_catalog(default_catalog_dir())
    engine = SearchEngine(catalog, embedder=load_embedder(cache_dir=cache_dir))
    questions = load_questions(DATA / spec["questions"])
    check_gold(questions, catalog)
    report = evaluate(questions, engine_answer(engine))
    now = {
        "hit_at_1": round(report.hit_at_1 * report.answerable),
        "hit_at_3": round(report.hit_at_3 * report.answerable),
        "refused_correctly": round(report.refused_correctly * report.unanswerable),
        "wrongly_refused": round(report.wrongly_refused * report.answerable),
    }
    assert now["hit_at_1"] >= spec["hit_at_1"] - ALLOWED_REGRESSIONS, now
    assert now["hit_at_3"] >= spec["hit_at_3"] - ALLOWED_REGRESSIONS, now
    assert now["refused_correctly"] >= spec["refused_correctly"] - ALLOWED_REGRESSIONS, now
    assert now["wrongly_refused"] <= spec["wrongly_refused"] + ALLOWED_REGRESSIONS, now
