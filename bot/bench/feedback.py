"""Benchmark: ranking quality on the labelled questions with and without random feedback votes.

``python -m bot.bench.feedback`` records random +1/-1 votes (on resources the engine
actually returned, as users would) through a real :class:`bot.store.Store` in a temporary
directory, builds ``SearchEngine(catalog, prior=store.feedback_prior())`` and compares
hit@1, hit@3, MRR@10 and nDCG@10 with the engine without votes. It exits 1 when random
votes cost more than ``--tolerance`` of MRR (the prior must stay gentle). Two more rows show
consistent feedback from ``--troll-users`` users: "helpful" (gold answers up, the rest down)
and "adversarial" (gold answers down, the rest up: the worst case).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from bot.bench.datasets import development_sets
from bot.core.catalog import load_catalog, resolve_catalog_dir
from bot.core.evaluate import LabelledQuestion, Report, engine_answer, evaluate, load_questions
from bot.core.errors import InvalidInput, VizbotError
from bot.core.model import Catalog
from bot.core.search import SearchEngine
from bot.store import Store

METRICS = ("hit_at_1", "hit_at_3", "mrr_at_10", "ndcg_at_10", "refused_correctly")


async def random_prior(
    catalog: Catalog, questions: Sequence[LabelledQuestion], *, votes: int, users: int, seed: int, db: Path
) -> dict[str, float]:
    """Record ``votes`` random votes through a store at ``db``; return its smoothed prior."""
    rng = random.Random(seed)
    plain = SearchEngine(catalog)
    shown = {q.q: [r.resource.id for r in plain.search(q.q, limit=5).results] for q in questions}
    ids = [r.id for r in catalog.resources]
    store = await Store.open(db, retention_days=None, suggestions_per_hour=10**6)
    try:
        for _ in range(votes):
            question = rng.choice(questions).q
            resource = rng.choice(shown[question] or ids)
            try:
                await store.vote(
                    user=f"user{rng.randrange(users)}",
                    question=question,
                    resource_id=resource,
                    value=rng.choice((1, -1)),
                )
            except InvalidInput:  # the set's empty question: it gets no answer, so nobody can vote on it
                continue
        return await store.feedback_prior()
    finally:
        await store.close()


async def consistent_prior(
    catalog: Catalog, questions: Sequence[LabelledQuestion], *, users: int, db: Path, gold_value: int
) -> dict[str, float]:
    """Every gold answer voted ``gold_value`` by ``users`` users and every other resource the opposite.

    ``gold_value=-1`` is the adversarial worst case; ``+1`` is feedback that agrees with the labels.
    """
    gold = {g for q in questions for g in q.gold}
    store = await Store.open(db, retention_days=None)
    try:
        for resource in catalog.resources:
            value = gold_value if resource.id in gold else -gold_value
            for user in range(users):
                await store.vote(user=f"troll{user}", question="any", resource_id=resource.id, value=value)
        return await store.feedback_prior()
    finally:
        await store.close()


def scores(report: Report) -> dict[str, float]:
    """The metrics of one evaluation, rounded."""
    data = report.to_json()
    return {m: data[m] for m in METRICS}


def run(
    catalog: Catalog,
    questions: list[LabelledQuestion],
    *,
    volumes: Sequence[int],
    seeds: int,
    users: int,
    troll_users: int,
) -> dict[str, Any]:
    """Evaluate the engine without votes, with random votes (each volume x seed), and adversarially."""
    baseline = scores(evaluate(questions, engine_answer(SearchEngine(catalog))))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for volume in volumes:
            for seed in range(seeds):
                started = time.perf_counter()
                prior = asyncio.run(
                    random_prior(
                        catalog, questions, votes=volume, users=users, seed=seed, db=Path(tmp) / f"r{volume}-{seed}.db"
                    )
                )
                record_s = time.perf_counter() - started
                got = scores(evaluate(questions, engine_answer(SearchEngine(catalog, prior=prior))))
                rows.append(
                    {
                        "votes": volume,
                        "seed": seed,
                        "voted_resources": len(prior),
                        "record_seconds": round(record_s, 2),
                        **got,
                    }
                )
        consistent = {}
        for name, value in (("helpful", 1), ("adversarial", -1)):
            db = Path(tmp) / f"{name}.db"
            prior = asyncio.run(consistent_prior(catalog, questions, users=troll_users, db=db, gold_value=value))
            consistent[name] = scores(evaluate(questions, engine_answer(SearchEngine(catalog, prior=prior))))
    worst = {m: round(min(float(r[m]) for r in rows) - baseline[m], 4) for m in METRICS} if rows else {}
    return {
        "questions": len(questions),
        "baseline": baseline,
        "random": rows,
        "worst_random_delta": worst,
        "consistent_users": troll_users,
        "helpful": consistent["helpful"],
        "adversarial": consistent["adversarial"],
    }


def _table(result: dict[str, Any]) -> str:
    head = f"{'votes':>11} {'seed':>4} " + " ".join(f"{m:>17}" for m in METRICS)
    lines = [f"feedback benchmark on {result['questions']} labelled questions", head]
    base = result["baseline"]
    lines.append(f"{'none':>11} {'-':>4} " + " ".join(f"{base[m]:>17.4f}" for m in METRICS))
    for row in result["random"]:
        lines.append(
            f"{row['votes']:>11} {row['seed']:>4} "
            + " ".join(f"{row[m]:>10.4f} ({row[m] - base[m]:+.3f})" for m in METRICS)
        )
    for name in ("helpful", "adversarial"):
        row = result[name]
        lines.append(f"{name:>11} {'-':>4} " + " ".join(f"{row[m]:>10.4f} ({row[m] - base[m]:+.3f})" for m in METRICS))
    lines.append("worst random delta: " + ", ".join(f"{m} {v:+.4f}" for m, v in result["worst_random_delta"].items()))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when random votes lower MRR@10 by more than the tolerance."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench.feedback", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions",
        type=Path,
        help="labelled questions YAML (default: the development set "
        "queries.yaml, from the checkout's tests/data or the installed package)",
    )
    parser.add_argument("--catalog", type=Path, help="catalog directory (default: the shipped one)")
    parser.add_argument("--votes", default="200,1000,5000", help="comma-separated vote volumes (default 200,1000,5000)")
    parser.add_argument("--seeds", type=int, default=3, help="random seeds per volume (default 3)")
    parser.add_argument("--users", type=int, default=100, help="distinct random voters (default 100)")
    parser.add_argument(
        "--troll-users", type=int, default=50, help="voters in the helpful and adversarial rows (default 50)"
    )
    parser.add_argument("--tolerance", type=float, default=0.01, help="allowed MRR@10 drop (default 0.01)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    try:
        catalog = load_catalog(resolve_catalog_dir(args.catalog))
        questions = load_questions(args.questions or development_sets()[0])
    except VizbotError as exc:
        sys.stderr.write(f"python -m bot.bench.feedback: error: {exc}\n")
        return 1
    volumes = [int(v) for v in args.votes.split(",") if v.strip()]
    result = run(catalog, questions, volumes=volumes, seeds=args.seeds, users=args.users, troll_users=args.troll_users)
    ok = not result["random"] or result["worst_random_delta"]["mrr_at_10"] >= -args.tolerance
    result["ok"] = ok
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    else:
        sys.stdout.write(_table(result))
        sys.stdout.write("OK: random votes do not lower quality\n" if ok else "FAIL: random votes lowered MRR@10\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
