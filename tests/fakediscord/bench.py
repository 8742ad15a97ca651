"""Benchmark: questions per second and the bot's added latency, through the fake Discord.

Run from the checkout:  python tests/fakediscord/bench.py [--questions 200] [--users 50]

Rows for a bare discord.py client that answers with a fixed embed give the floor (the fake
and discord.py themselves, sharing the one event loop); vizbot's own cost is the difference.
Latency is measured from just before the MESSAGE_CREATE frame is written to the bot's
gateway socket to the moment the bot's reply (POST /channels/{id}/messages referencing
that message) reaches the fake, on 127.0.0.1. Cooldown is 0 and the database is a
temporary file, as in the end-to-end tests; the fake's rate-limit buckets are made huge so
that discord.py never queues (real Discord allows 5 messages per 5 s per channel: this
measures the bot, not Discord's limits).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve()
for _path in (_HERE.parents[2], _HERE.parents[1]):  # the checkout (for ``bot``) and tests/ (for ``fakediscord``)
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import discord  # noqa: E402
import discord.gateway  # noqa: E402
import discord.http  # noqa: E402

from bot.bench.stats import percentile  # noqa: E402
from bot.config import Settings  # noqa: E402
from fakediscord.payloads import FakeUser, snowflake  # noqa: E402
from fakediscord.server import Call, FakeDiscord  # noqa: E402


def _labelled_questions() -> tuple[str, ...]:
    """Every distinct development question (333): a question is asked twice only past that many,
    so caches of repeated questions do not flatter the figures."""
    import yaml

    data = _HERE.parents[1] / "data"
    seen: dict[str, None] = {}
    for name in ("queries.yaml", "heldout/queries.yaml", "dev_learners.yaml"):
        for entry in yaml.safe_load((data / name).read_text(encoding="utf-8")):
            seen.setdefault(entry["q"], None)
    return tuple(seen)


QUESTIONS = _labelled_questions()


class ReplyClock:
    """Matches each reply POST to the question it references and keeps the arrival time."""

    def __init__(self, fake: FakeDiscord):
        self.waiting: dict[str, asyncio.Future[float]] = {}
        fake.listeners.append(self.on_call)

    def expect(self, message_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[message_id] = future
        return future

    def on_call(self, call: Call) -> None:
        if call.route != "/channels/{channel_id}/messages" or call.method != "POST" or call.status != 200:
            return
        reference = (call.json or {}).get("message_reference") or {}
        future = self.waiting.pop(str(reference.get("message_id")), None)
        if future is not None and not future.done():
            future.set_result(call.received_at)


async def ask(fake: FakeDiscord, clock: ReplyClock, user: FakeUser, question: str) -> float:
    """One mention question; returns seconds from dispatch to reply."""
    message_id = str(snowflake())
    reply = clock.expect(message_id)
    start = time.perf_counter()
    await fake.send_message(question, author=user, mention_bot=True, message_id=message_id)
    return await asyncio.wait_for(reply, timeout=30) - start


async def scenario(fake: FakeDiscord, clock: ReplyClock, users: int, questions: int) -> dict[str, float]:
    """``users`` users each asking their share of ``questions`` one after another, all at once."""
    people = [FakeUser(snowflake(), f"user{i}") for i in range(users)]
    share = [questions // users + (1 if i < questions % users else 0) for i in range(users)]

    first = [sum(share[:i]) for i in range(users)]  # every user asks different questions

    async def one_user(index: int) -> list[float]:
        return [
            await ask(fake, clock, people[index], QUESTIONS[(first[index] + k) % len(QUESTIONS)])
            for k in range(share[index])
        ]

    start = time.perf_counter()
    results = await asyncio.wait_for(asyncio.gather(*(one_user(i) for i in range(users))), timeout=300)
    wall = time.perf_counter() - start
    latencies = sorted(x for r in results for x in r)
    return {
        "users": users,
        "questions": len(latencies),
        "wall": wall,
        "qps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "max": latencies[-1] * 1000,
    }


class BaselineClient(discord.Client):
    """The floor: a bare discord.py client that replies to mentions with one fixed embed."""

    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=discord.AllowedMentions.none())
        self.embed = discord.Embed(title="Answer", description="**1. [A link](https://example.org/)**")

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None and self.user in message.mentions:
            await message.reply(embed=self.embed, mention_author=False)


async def run_scenarios(
    fake: FakeDiscord, task: asyncio.Task, questions: int, users: list[int], label: str, needs_commands: bool
) -> list[dict[str, float]]:
    """Wait for the client behind ``task`` to connect, warm up, run each scenario, stop it."""
    rows = []
    try:
        await fake.wait_until(
            lambda: (
                task.done()
                or (
                    fake.connected
                    and (not needs_commands or bool(fake.commands.get(fake.guild.id)))  # one PUT uploads them all
                )
            ),
            timeout=60,
            what=f"{label} to start",
        )
        if task.done():
            raise SystemExit(f"{label} stopped during start-up: {task.result()!r}")
        clock = ReplyClock(fake)
        await scenario(fake, clock, 1, 20)  # warm-up: imports, caches, sqlite pages
        for count in users:
            rows.append({"client": label, **await scenario(fake, clock, count, questions)})
        fake.listeners.remove(clock.on_call)
    finally:
        task.cancel()
        try:
            await asyncio.wait_for(task, timeout=15)
        except (asyncio.CancelledError, Exception):
            pass
    return rows


async def main(questions: int, users: list[int], baseline: bool) -> list[dict[str, float]]:
    """The real bot (``run_bot``) and, for comparison, a bare discord.py client, each against a fresh fake."""
    from bot.discord_app.runner import run_bot

    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        fake = await FakeDiscord(bucket_size=100_000).start()
        discord.http.Route.BASE = fake.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url
        settings = Settings(
            db_path=Path(tmp) / "bench.db",
            question_cooldown_seconds=0,
            discord_token=fake.token,
            guild_id=fake.guild.id,
            home_guilds=(fake.guild.id,),
        )
        try:
            rows += await run_scenarios(
                fake, asyncio.create_task(run_bot(settings, handle_signals=False)), questions, users, "vizbot", True
            )
        finally:
            await fake.close()
    if baseline:
        fake = await FakeDiscord(bucket_size=100_000).start()
        discord.http.Route.BASE = fake.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url
        client = BaselineClient()
        try:
            rows += await run_scenarios(
                fake, asyncio.create_task(client.start(fake.token)), questions, users, "bare discord.py", False
            )
        finally:
            await client.close()
            await fake.close()
    return rows


def table(rows: list[dict[str, float]]) -> str:
    """A Markdown table of the results."""
    lines = [
        "| client | users at once | questions | wall (s) | questions/s | p50 (ms) | p99 (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['client']} | {r['users']:.0f} | {r['questions']:.0f} | {r['wall']:.2f} | {r['qps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['max']:.1f} |"
        )
    return "\n".join(lines)


def cli(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200, help="questions per scenario (default 200)")
    parser.add_argument(
        "--users", type=int, nargs="+", default=[1, 50], help="concurrent users per scenario (default 1 50)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare discord.py client rows")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    rows = asyncio.run(main(max(1, args.questions), [max(1, u) for u in args.users], not args.no_baseline))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())
