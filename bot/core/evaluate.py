"""Ranking quality over labelled questions: hit@k, MRR, nDCG and refusal rates.

The labelled file is a YAML list of ``{q, type, gold: [resource ids], filters: {tag, kind, level}}``;
an empty ``gold`` means nothing in the catalog fits and the right answer is to refuse; an entry
without ``gold`` is an error (a misspelt key must not turn a question into one to refuse).
:func:`evaluate` takes any ``answer(question) -> [resource ids]`` so the benchmark can score
other rankers (BM25) the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import yaml

from bot.core.errors import InvalidInput
from bot.core.model import Catalog

FILTER_KEYS = ("tag", "kind", "level")
DEPTH = 10  # MRR and nDCG look at this many results


@dataclass(frozen=True)
class LabelledQuestion:
    """One question and the resources that answer it (none: it should be refused)."""

    q: str
    gold: tuple[str, ...]
    type: str = "plain"
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        """True when some resource should be returned."""
        return bool(self.gold)


@dataclass(frozen=True)
class Outcome:
    """What came back for one question, and where the first good answer was."""

    question: LabelledQuestion
    returned: tuple[str, ...]
    rank: int | None  # 1-based rank of the first gold id within DEPTH, or None

    @property
    def refused(self) -> bool:
        """True when nothing came back."""
        return not self.returned

    @property
    def failed(self) -> bool:
        """Answerable with no gold id in the top 3, or unanswerable yet answered."""
        if self.question.answerable:
            return self.rank is None or self.rank > 3
        return not self.refused

    def ndcg(self) -> float:
        """Binary-relevance nDCG at DEPTH."""
        gold = set(self.question.gold)
        dcg = sum(1.0 / math.log2(i + 2) for i, rid in enumerate(self.returned[:DEPTH]) if rid in gold)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(gold), DEPTH)))
        return dcg / ideal if ideal else 0.0


@dataclass(frozen=True)
class Report:
    """Aggregate scores; rates over answerable (hit, MRR, nDCG) or unanswerable questions."""

    outcomes: tuple[Outcome, ...]
    hit_at_1: float
    hit_at_3: float
    mrr_at_10: float
    ndcg_at_10: float
    refused_correctly: float  # share of unanswerable questions that got nothing
    wrongly_refused: float  # share of answerable questions that got nothing
    answerable: int
    unanswerable: int

    def by_type(self) -> dict[str, "Report"]:
        """The same scores for each kind of question (``type`` in the labels), sorted by kind."""
        kinds: dict[str, list[Outcome]] = {}
        for o in self.outcomes:
            kinds.setdefault(o.question.type, []).append(o)
        return {kind: summarise(kinds[kind]) for kind in sorted(kinds)}

    def scores(self) -> dict[str, object]:
        """The aggregate numbers alone (no outcomes), as ``--json`` shows them."""
        return {
            "questions": len(self.outcomes),
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "hit_at_1": round(self.hit_at_1, 4),
            "hit_at_3": round(self.hit_at_3, 4),
            "mrr_at_10": round(self.mrr_at_10, 4),
            "ndcg_at_10": round(self.ndcg_at_10, 4),
            "refused_correctly": round(self.refused_correctly, 4),
            "wrongly_refused": round(self.wrongly_refused, 4),
        }

    @property
    def failures(self) -> tuple[Outcome, ...]:
        """Every question that failed (see :attr:`Outcome.failed`)."""
        return tuple(o for o in self.outcomes if o.failed)

    def to_json(self) -> dict:
        """The ``vizbot eval --json`` shape: the scores, the scores per kind of question, every failure."""
        return {
            **self.scores(),
            "by_type": {kind: report.scores() for kind, report in self.by_type().items()},
            "failures": [
                {
                    "q": o.question.q,
                    "type": o.question.type,
                    "gold": list(o.question.gold),
                    "returned": list(o.returned),
                    "rank": o.rank,
                }
                for o in self.failures
            ],
        }


def _as_question(entry: object, number: int) -> LabelledQuestion:
    where = f"question {number}"
    if not isinstance(entry, dict):
        raise InvalidInput(where, "must be a mapping with q and gold")
    q = entry.get("q")
    if "gold" not in entry:
        raise InvalidInput(
            where, "has no gold: give a list of resource ids, or gold: [] when the right answer is to refuse"
        )
    gold = entry["gold"]
    filters = entry.get("filters") or {}
    if not isinstance(q, str):
        raise InvalidInput(where, "q must be a string")
    if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
        raise InvalidInput(where, "gold must be a list of resource ids")
    if not isinstance(filters, dict) or not set(filters) <= set(FILTER_KEYS):
        raise InvalidInput(where, f"filters may only hold {', '.join(FILTER_KEYS)}")
    return LabelledQuestion(q, tuple(gold), str(entry.get("type", "plain")), {k: str(v) for k, v in filters.items()})


def load_questions(path: Path) -> list[LabelledQuestion]:
    """Read a labelled-questions YAML file (raises ``InvalidInput`` on any problem)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as exc:
        raise InvalidInput("questions file", f"cannot read {path}: {exc.strerror or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InvalidInput("questions file", f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, list) or not data:
        raise InvalidInput("questions file", f"{path} must be a non-empty YAML list")
    questions = []
    for i, entry in enumerate(data, 1):
        try:
            questions.append(_as_question(entry, i))
        except InvalidInput as exc:
            line = _item_line(text, i - 1)
            at = f"{path} line {line}" if line else str(path)
            raise InvalidInput(exc.field, f"{exc.reason} (at {at})") from None
    return questions


def _item_line(text: str, index: int) -> int | None:
    """The 1-based line where item ``index`` of the YAML list in ``text`` starts (``None`` if unknown)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.SequenceNode) or index >= len(node.value):
        return None
    return int(node.value[index].start_mark.line) + 1


def check_gold(questions: Iterable[LabelledQuestion], catalog: Catalog) -> None:
    """Raise ``InvalidInput`` when a gold id is not in the catalog (a stale label)."""
    missing = sorted({g for q in questions for g in q.gold if catalog.get(g) is None})
    if missing:
        raise InvalidInput("gold", "ids not in the catalog: " + ", ".join(missing))


def evaluate(questions: Sequence[LabelledQuestion], answer: Callable[[LabelledQuestion], Sequence[str]]) -> Report:
    """Score ``answer`` (question -> ranked resource ids, empty = refused) on ``questions``."""
    outcomes = []
    for question in questions:
        returned = tuple(answer(question))[:DEPTH]
        gold = set(question.gold)
        rank = next((i for i, rid in enumerate(returned, 1) if rid in gold), None)
        outcomes.append(Outcome(question, returned, rank))
    return summarise(outcomes)


def summarise(outcomes: Sequence[Outcome]) -> Report:
    """The aggregate scores of some outcomes (all of a run, or one kind of question)."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]

    def share(items: list[Outcome], test: Callable[[Outcome], bool]) -> float:
        return sum(1 for o in items if test(o)) / len(items) if items else 0.0

    return Report(
        outcomes=tuple(outcomes),
        hit_at_1=share(answerable, lambda o: o.rank == 1),
        hit_at_3=share(answerable, lambda o: o.rank is not None and o.rank <= 3),
        mrr_at_10=sum(1.0 / o.rank for o in answerable if o.rank) / len(answerable) if answerable else 0.0,
        ndcg_at_10=sum(o.ndcg() for o in answerable) / len(answerable) if answerable else 0.0,
        refused_correctly=share(unanswerable, lambda o: o.refused),
        wrongly_refused=share(answerable, lambda o: o.refused),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
    )


def engine_answer(engine: object, depth: int = DEPTH) -> Callable[[LabelledQuestion], list[str]]:
    """An ``answer`` function backed by a :class:`bot.core.search.SearchEngine`."""

    def answer(question: LabelledQuestion) -> list[str]:
        response = engine.search(question.q, limit=depth, **question.filters)  # type: ignore[attr-defined]
        return [r.resource.id for r in response.results]

    return answer
