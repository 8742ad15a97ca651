"""Benchmark: suggestions per second from several processes at once, SQLite against PostgreSQL.

``python -m bot.bench.store [--postgres URL] [--processes 4] [--users 50] [--per-user 4]`` starts
``--processes`` worker processes; each opens one :class:`bot.store.Store` (as one bot process does)
and runs ``--users`` users at once, each submitting ``--per-user`` new suggestions and then one more,
which the rate limit (``--per-user`` an hour) must refuse. The baseline is SQLite (one file in WAL
mode, in a temporary directory), measured in the same run; PostgreSQL runs when ``--postgres`` names
a throw-away database (the bench adds rows to it). Each row checks its outcome: exactly
``processes x users x per-user`` suggestions stored and exactly one refusal per user. A second table
times ``--changes`` changes from one store to another that follows them as the bot does: a poll every
``--sync-seconds`` on SQLite, ``NOTIFY`` on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Sequence

from bot.bench.stats import percentile
from bot.core.errors import RateLimited, StoreError
from bot.core.model import Tag
from bot.core.results import TagLookup
from bot.core.suggestion_schema import validate_suggestion
from bot.store import Store


_CNN = Tag("cnn", "Convolutional neural networks", "Filters over images.")


def _lookup(name: str) -> TagLookup:
    """The one tag every benchmark suggestion carries."""
    return TagLookup(_CNN if name == "cnn" else None, (), "exact" if name == "cnn" else "none")


async def _worker(db: str, process: int, users: int, per_user: int, start_at: float, run: str) -> dict[str, object]:
    store = await Store.open(db, suggestions_per_hour=per_user, retention_days=None)
    latencies: list[float] = []
    refused = failed = 0

    async def user(u: int) -> None:
        nonlocal refused, failed
        who = f"{run}-p{process}-u{u}"
        for n in range(per_user + 1):
            draft = validate_suggestion(f"https://example.org/{who}/{n}", f"Resource {who} {n}", ("cnn",), "", _lookup)
            began = time.perf_counter()
            try:
                await store.submit(draft, user=who)
            except RateLimited:
                refused += 1
                continue
            except StoreError:
                failed += 1
                continue
            latencies.append(time.perf_counter() - began)

    try:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        began = time.time()
        await asyncio.gather(*(user(u) for u in range(users)))
        ended = time.time()
    finally:
        await store.close()
    return {"began": began, "ended": ended, "latencies": latencies, "refused": refused, "failed": failed}


async def _prepare(db: str) -> None:
    """Create and migrate the database before the clock starts."""
    store = await Store.open(db, retention_days=None)
    await store.close()


async def _count(db: str, run: str) -> int:
    async with await Store.open(db, retention_days=None, read_only=True) as store:
        every = await store.suggestions(status=None, limit=1_000_000)
    return sum(1 for s in every if s.user.startswith(run + "-"))


def measure(name: str, db: str, *, processes: int, users: int, per_user: int) -> dict[str, object]:
    """One backend: start the workers together, then check and summarise what they did."""
    asyncio.run(_prepare(db))
    run = uuid.uuid4().hex[:8]
    start_at = time.time() + 1.0 + 0.3 * processes
    command = [sys.executable, "-m", "bot.bench.store", "--worker", db, "--users", str(users)]
    command += ["--per-user", str(per_user), "--start-at", str(start_at), "--run", run]
    workers = [subprocess.Popen([*command, "--process", str(p)], stdout=subprocess.PIPE) for p in range(processes)]
    outcomes = []
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        if worker.returncode != 0:
            raise SystemExit(f"a worker failed ({worker.returncode})")
        outcomes.append(json.loads(out))
    latencies = [x for o in outcomes for x in o["latencies"]]
    wall = max(o["ended"] for o in outcomes) - min(o["began"] for o in outcomes)
    stored = asyncio.run(_count(db, run))
    expected = processes * users * per_user
    refused = sum(int(o["refused"]) for o in outcomes)
    return {
        "backend": name,
        "suggestions": len(latencies),
        "seconds": round(wall, 3),
        "per_second": round(len(latencies) / wall, 1) if wall > 0 else None,
        "p50_ms": round(percentile(sorted(latencies), 0.5) * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(sorted(latencies), 0.99) * 1000, 2),
        "stored": stored,
        "expected": expected,
        "refused": refused,
        "failed": sum(int(o["failed"]) for o in outcomes),
        "exact": stored == expected and refused == processes * users,
    }


async def _propagation(db: str, changes: int, poll: float, seed: int) -> list[float]:
    """Seconds from the start of a publishing call in one store to another store, following as the bot
    does (``wait_for_change(poll)`` then ``events_after``), holding the change; at random moments."""
    rng = random.Random(seed)
    delays = []
    async with await Store.open(db, retention_days=None) as writer, await Store.open(db, retention_days=None) as reader:
        await reader.wait_for_change(0.01)  # PostgreSQL: starts listening (and returns at once)
        last = await reader.last_event_id()
        for _ in range(changes):

            async def follow(after: int) -> tuple[float, int]:
                while True:
                    await reader.wait_for_change(poll)
                    seen = await reader.events_after(after)
                    if seen:
                        return time.perf_counter(), seen[-1].id

            task = asyncio.create_task(follow(last))
            await asyncio.sleep(rng.uniform(0.0, poll))
            began = time.perf_counter()
            await writer.publish("catalog")
            arrived, last = await asyncio.wait_for(task, timeout=poll * 10 + 30)
            delays.append(arrived - began)
    return delays


def propagation(name: str, db: str, *, changes: int, poll: float) -> dict[str, object]:
    """One backend's change propagation, summarised."""
    delays = asyncio.run(_propagation(db, changes, poll, seed=1))
    return {
        "backend": name,
        "changes": len(delays),
        "poll_seconds": poll,
        "p50_ms": round(percentile(sorted(delays), 0.5) * 1000, 1),
        "mean_ms": round(statistics.fmean(delays) * 1000, 1),
        "p99_ms": round(percentile(sorted(delays), 0.99) * 1000, 1),
    }


def propagation_table(rows: list[dict[str, object]]) -> str:
    """Markdown: how soon a change made by one process is seen by another, mean as a ratio of SQLite's."""
    base = float(rows[0]["mean_ms"])  # type: ignore[arg-type]
    lines = [
        "| backend | how the follower learns | changes | p50 ms | mean ms | p99 ms | mean vs SQLite |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        how = (
            f"poll every {r['poll_seconds']} s"
            if str(r["backend"]).startswith("SQLite")
            else "NOTIFY (poll as fallback)"
        )
        lines.append(
            f"| {r['backend']} | {how} | {r['changes']} | {r['p50_ms']} | {r['mean_ms']} | {r['p99_ms']} "
            f"| {float(r['mean_ms']) / base:.3f}x |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def table(rows: list[dict[str, object]]) -> str:
    """Markdown: one row per backend, with the ratio of suggestions/s against SQLite (the first row)."""
    base = rows[0]["per_second"]
    lines = [
        "| backend | suggestions | suggestions/s | vs SQLite | p50 ms | mean ms | p99 ms | stored/expected | refused | exact |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio = f"{float(r['per_second']) / float(base):.2f}x" if r["per_second"] and base else "-"  # type: ignore[arg-type]
        lines.append(
            f"| {r['backend']} | {r['suggestions']} | {r['per_second']} | {ratio} | {r['p50_ms']} | {r['mean_ms']} "
            f"| {r['p99_ms']} | {r['stored']}/{r['expected']} | {r['refused']} | {'yes' if r['exact'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a backend stored the wrong rows or missed a rate limit."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench.store", description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="a throw-away PostgreSQL database to measure too")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--per-user", type=int, default=4)
    parser.add_argument("--changes", type=int, default=20, help="changes timed from one store to another (0: none)")
    parser.add_argument(
        "--sync-seconds", type=float, default=2.0, help="the follower's poll, as VIZBOT_SYNC_SECONDS (default 2)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--worker", metavar="DB", help=argparse.SUPPRESS)
    parser.add_argument("--process", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--run", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        done = asyncio.run(_worker(args.worker, args.process, args.users, args.per_user, args.start_at, args.run))
        sys.stdout.write(json.dumps(done))
        return 0
    sizes = {"processes": args.processes, "users": args.users, "per_user": args.per_user}
    with tempfile.TemporaryDirectory(prefix="vizbot-bench-") as tmp:
        print(f"measuring SQLite ({args.processes} processes x {args.users} users) ...", file=sys.stderr)
        rows = [measure("SQLite (WAL file)", os.path.join(tmp, "bench.db"), **sizes)]
        if args.postgres:
            print("measuring PostgreSQL ...", file=sys.stderr)
            rows.append(measure("PostgreSQL", args.postgres, **sizes))
        spread: list[dict[str, object]] = []
        if args.changes > 0:
            print(f"timing {args.changes} changes from one store to another ...", file=sys.stderr)
            spread.append(
                propagation(
                    "SQLite (WAL file)", os.path.join(tmp, "bench.db"), changes=args.changes, poll=args.sync_seconds
                )
            )
            if args.postgres:
                spread.append(propagation("PostgreSQL", args.postgres, changes=args.changes, poll=args.sync_seconds))
    if args.json:
        sys.stdout.write(json.dumps({"setup": sizes, "rows": rows, "propagation": spread}) + "\n")
    else:
        print(
            f"Suggestions from {args.processes} processes x {args.users} users at once, {args.per_user} each (+1 refused)\n"
        )
        print(table(rows))
        if spread:
            print("\nA change (an event, as an approval publishes) seen by another store following as the bot does\n")
            print(propagation_table(spread))
    return 0 if all(r["exact"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
