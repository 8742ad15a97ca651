"""Benchmark: answers per second with one bot process against two, sharing one database, through the fake Discord.

Run from the checkout:  python tests/fakediscord/bench_processes.py [--db postgresql://...] [--questions 300]

Two servers sit on different shards of two. Layout "1 process" runs both shards in one
``vizbot run``; layout "2 processes" runs one shard in each of two ``vizbot run`` processes (as
two machines would, sharing only the database: a SQLite file by default, PostgreSQL with
``--db``). The fake Discord runs in this process, so it never shares an event loop with a bot.
Users ask in both servers at once, half the questions each; latency is from just before the
MESSAGE_CREATE frame is written to the moment the reply reaches the fake. The 1-process row is
the baseline of the ratio. CPU columns: the bot processes' user+system time (all of them) and the
fake's, per answer, during the scenario: on a machine with few cores they show where the time goes.
Memory columns: each bot process's resident set after the scenario and its peak since start
(Linux /proc ``VmRSS`` and ``VmHWM``), the largest over the layout's processes; the model and
the catalog's vectors are loaded in every process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve()
for _path in (_HERE.parents[2], _HERE.parents[1]):  # the checkout (for ``bot``) and tests/ (for ``fakediscord``)
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from bot.bench.stats import percentile  # noqa: E402
from fakediscord.bench import QUESTIONS, ReplyClock  # noqa: E402
from fakediscord.bot_process import spawn, stop  # noqa: E402
from fakediscord.payloads import FakeGuild, FakeUser, snowflake  # noqa: E402
from fakediscord.server import FakeDiscord  # noqa: E402

LAYOUTS = {"1 process": [(0, 1)], "2 processes": [(0,), (1,)]}


async def start_bots(
    fake: FakeDiscord, db: str, groups: list[tuple[int, ...]], home: int
) -> list[asyncio.subprocess.Process]:
    """One ``vizbot run`` per shard group, all pointed at the fake and the one database."""
    settings = {
        "DISCORD_TOKEN": fake.token,
        "VIZBOT_DB": db,
        "VIZBOT_SHARD_COUNT": "2",
        "VIZBOT_QUESTION_COOLDOWN": "0",
        "VIZBOT_HOME_GUILDS": str(home),
    }
    return [
        await spawn(fake.base_url, fake.gateway_url, {**settings, "VIZBOT_SHARD_IDS": ",".join(map(str, shards))})
        for shards in groups
    ]


async def ask(fake: FakeDiscord, clock: ReplyClock, user: FakeUser, guild: FakeGuild, question: str) -> float:
    """One mention question in ``guild``; returns seconds from dispatch to reply."""
    message_id = str(snowflake())
    reply = clock.expect(message_id)
    start = time.perf_counter()
    await fake.send_message(question, author=user, mention_bot=True, message_id=message_id, guild=guild)
    return await asyncio.wait_for(reply, timeout=60) - start


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` have used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def memory_mib(pids: list[int]) -> tuple[float, float]:
    """The largest resident set now and the largest peak resident set (MiB) among ``pids`` (Linux /proc)."""
    now = peak = 0.0
    for pid in pids:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
        now = max(now, int(fields["VmRSS"].split()[0]) / 1024)  # kB
        peak = max(peak, int(fields["VmHWM"].split()[0]) / 1024)
    return now, peak


async def scenario(
    fake: FakeDiscord, clock: ReplyClock, guilds: list[FakeGuild], users: int, questions: int, pids: list[int]
) -> dict[str, float]:
    """``users`` users at once, each asking its share one after another, alternating between the servers."""
    people = [FakeUser(snowflake(), f"user{i}") for i in range(users)]
    share = [questions // users + (1 if i < questions % users else 0) for i in range(users)]
    first = [sum(share[:i]) for i in range(users)]

    async def one_user(i: int) -> list[float]:
        return [
            await ask(fake, clock, people[i], guilds[(i + k) % 2], QUESTIONS[(first[i] + k) % len(QUESTIONS)])
            for k in range(share[i])
        ]

    bots_before, fake_before = cpu_seconds(pids), time.process_time()
    start = time.perf_counter()
    results = await asyncio.wait_for(asyncio.gather(*(one_user(i) for i in range(users))), timeout=600)
    wall = time.perf_counter() - start
    bots_cpu, fake_cpu = cpu_seconds(pids) - bots_before, time.process_time() - fake_before
    latencies = sorted(x for r in results for x in r)
    rss, peak = memory_mib(pids)
    return {
        "users": users,
        "questions": len(latencies),
        "qps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "mean": statistics.fmean(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "bot_cpu_ms": bots_cpu * 1000 / len(latencies),
        "fake_cpu_ms": fake_cpu * 1000 / len(latencies),
        "rss_mib": rss,
        "peak_mib": peak,
    }


async def run_layout(label: str, db: str, questions: int, users: list[int]) -> list[dict[str, object]]:
    """A fresh fake with two servers on two shards; the layout's bot processes; each scenario."""
    fake = await FakeDiscord(bucket_size=100_000).start()
    fake.shard_count = 2
    other = await fake.add_guild("Second Server")
    while (other.id >> 22) % 2 == (fake.guild.id >> 22) % 2:
        other.id += 1 << 22
    processes = await start_bots(fake, db, LAYOUTS[label], fake.guild.id)
    rows: list[dict[str, object]] = []
    try:
        await fake.wait_until(
            lambda: any(p.returncode is not None for p in processes) or (fake.connected and len(fake.sessions) == 2),
            timeout=120,
            what=f"{label} to connect",
        )
        if any(p.returncode is not None for p in processes):
            raise SystemExit(f"{label}: a bot process stopped during start-up")
        clock = ReplyClock(fake)
        pids = [p.pid for p in processes]
        await scenario(fake, clock, [fake.guild, other], 2, 20, pids)  # warm-up: imports, caches, database pages
        for count in users:
            rows.append({"layout": label, **await scenario(fake, clock, [fake.guild, other], count, questions, pids)})
    finally:
        await stop(processes)
        await fake.close()
    return rows


def table(rows: list[dict[str, object]]) -> str:
    """Markdown, with answers/s as a ratio of the 1-process row for the same number of users."""
    base = {r["users"]: float(r["qps"]) for r in rows if r["layout"] == "1 process"}  # type: ignore[arg-type]
    lines = [
        "| layout | users at once | questions | answers/s | vs 1 process | p50 ms | mean ms | p99 ms "
        "| bot CPU ms/answer | fake CPU ms/answer | bot RSS MiB | bot peak MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = float(r["qps"]) / base[r["users"]] if r["users"] in base else float("nan")  # type: ignore[arg-type]
        lines.append(
            f"| {r['layout']} | {r['users']} | {r['questions']} | {float(r['qps']):.0f} | {ratio:.2f}x "  # type: ignore[arg-type]
            f"| {float(r['p50']):.1f} | {float(r['mean']):.1f} | {float(r['p99']):.1f} "  # type: ignore[arg-type]
            f"| {float(r['bot_cpu_ms']):.2f} | {float(r['fake_cpu_ms']):.2f} "  # type: ignore[arg-type]
            f"| {float(r['rss_mib']):.0f} | {float(r['peak_mib']):.0f} |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def cli(argv: list[str] | None = None) -> int:
    """Parse arguments, run both layouts, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="the shared database (default: a temporary SQLite file)")
    parser.add_argument("--questions", type=int, default=300, help="questions per scenario (default 300)")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 50], help="users at once (default 1 50)")
    args = parser.parse_args(argv)
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label in LAYOUTS:
            db = args.db or str(Path(tmp) / f"{label.replace(' ', '-')}.db")
            print(f"measuring {label} ...", file=sys.stderr)
            rows += asyncio.run(run_layout(label, db, max(1, args.questions), [max(1, u) for u in args.users]))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
