"""Benchmark: checking 2,000 links on local servers, vizbot's polite checker against a naive one.

``python -m bot.bench.links`` starts ``--hosts`` web servers on 127.0.0.1 (each a separate host to
the checker), spreads ``--links`` links over them (a few hosts hold many links, as real catalogs
do), and answers each request after a random latency (most fast, some slow), with a realistic mix
of 200s, 404s, permanent redirects and 500s. It times, in the same run:

- **naive sequential** (the baseline): one ``aiohttp`` GET after another, called the way aiohttp's
  documentation calls it (``async with session.get(url) as response: response.status``);
- **vizbot**: :func:`bot.links.check_links` with :class:`bot.links.LinkChecker` (HEAD first, retries,
  per-host limit and delay) recording every result in a real store in a temporary directory.

The servers count the requests each has in flight; the run fails (exit 1) if any host ever had
more than the politeness limit at once, or if the two checkers disagree on which links work.
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import aiohttp
from aiohttp import web

from bot.bench.stats import percentile
from bot.links import LinkTarget, check_links
from bot.links.checker import LinkChecker
from bot.links.outcome import MOVED, OK
from bot.store import Store

SLOW_SHARE = 0.02  # requests answered slowly
SLOW_SECONDS = 0.25


@dataclass
class Host:
    """One local server: its links' behaviour and how many requests it had in flight at most."""

    rng: random.Random
    latency: tuple[float, float]
    in_flight: int = 0
    peak: int = 0
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)  # link number -> status
    runner: web.AppRunner | None = None
    port: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.requests += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            low, high = self.latency
            await asyncio.sleep(SLOW_SECONDS if self.rng.random() < SLOW_SHARE else self.rng.uniform(low, high))
            kind, _, number = request.match_info["tail"].partition("/")
            if kind == "moved":
                return web.Response(text="the new page")
            status = self.statuses.get(int(number), 200)
            if status == 301:
                return web.Response(status=301, headers={"Location": f"/moved/{number}"})
            return web.Response(status=status, text="x" * 2000)
        finally:
            self.in_flight -= 1

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def plan(hosts: int, links: int, seed: int) -> list[tuple[int, int, int]]:
    """``(host, link number, status)`` for every link: hosts weighted 1/sqrt(rank), so a few big sites
    hold many links (the shipped catalog: 147 links on 66 hosts, the largest holding 12)."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.5 for rank in range(hosts)]
    chosen = rng.choices(range(hosts), weights=weights, k=links)
    statuses = rng.choices([200, 404, 301, 500], weights=[90, 5, 3, 2], k=links)
    return [(h, i, s) for i, (h, s) in enumerate(zip(chosen, statuses))]


@dataclass
class Timing:
    """One checker's run."""

    name: str
    seconds: float
    per_link: list[float]
    working: dict[str, bool]  # url -> judged working (ok or moved)

    def row(self, baseline: "Timing | None") -> list[str]:
        ordered = sorted(self.per_link)
        mean = sum(ordered) / len(ordered) if ordered else 0.0
        cells = [
            self.name,
            f"{self.seconds:.2f}",
            f"{len(ordered) / self.seconds:.0f}" if self.seconds else "-",
            f"{mean * 1000:.1f}",
            f"{percentile(ordered, 0.5) * 1000:.1f}",
            f"{percentile(ordered, 0.99) * 1000:.1f}",
        ]
        cells.append(f"{baseline.seconds / self.seconds:.2f}x" if baseline and self.seconds else "1.00x")
        return cells


async def naive_sequential(urls: Sequence[str], timeout: float) -> Timing:
    """The baseline: one GET at a time, redirects followed by aiohttp, as its documentation shows."""
    per_link, working = [], {}
    started = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        for url in urls:
            t0 = time.perf_counter()
            try:
                async with session.get(url) as response:
                    working[url] = response.status < 400
            except (aiohttp.ClientError, asyncio.TimeoutError):
                working[url] = False
            per_link.append(time.perf_counter() - t0)
    return Timing("naive sequential (baseline)", time.perf_counter() - started, per_link, working)


async def vizbot_checker(
    targets: list[LinkTarget], *, concurrency: int, per_host: int, delay: float, timeout: float, db: Path
) -> tuple[Timing, dict[str, int]]:
    """vizbot's checker through a real store; returns the timing and its own per-host peaks."""
    store = await Store.open(db, retention_days=None)
    try:
        started = time.perf_counter()
        async with LinkChecker(per_host=per_host, delay=delay, timeout=timeout, backoff=0.05, retries=1) as checker:
            summary = await check_links(targets, checker, store, concurrency=concurrency)
        seconds = time.perf_counter() - started
    finally:
        await store.close()
    working = {c.target.url: c.result.outcome in (OK, MOVED) for c in summary.checked}
    name = f"vizbot (concurrency {concurrency}, {per_host}/host, delay {delay:g} s)"
    return Timing(name, seconds, [c.result.elapsed for c in summary.checked], working), summary.peaks


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


async def run(args: argparse.Namespace) -> dict[str, object]:
    """Start the servers, time both checkers, stop the servers; the figures as a dict."""
    layout = plan(args.hosts, args.links, args.seed)
    hosts = [Host(random.Random(args.seed * 1000 + h), (args.min_latency, args.max_latency)) for h in range(args.hosts)]
    for h, number, status in layout:
        hosts[h].statuses[number] = status
    for host in hosts:
        await host.start()
    try:
        urls = [f"http://127.0.0.1:{hosts[h].port}/page/{number}" for h, number, _ in layout]
        targets = [LinkTarget(url, f"link-{i}") for i, url in enumerate(urls)]
        with tempfile.TemporaryDirectory(prefix="vizbot-bench-links-") as tmp:
            ours, own_peaks = await vizbot_checker(
                targets,
                concurrency=args.concurrency,
                per_host=args.per_host,
                delay=args.delay,
                timeout=args.timeout,
                db=Path(tmp) / "bench.db",
            )
        server_peak = max(host.peak for host in hosts)
        ours_requests = sum(host.requests for host in hosts)
        for host in hosts:
            host.peak = host.requests = 0
        baseline = await naive_sequential(urls, args.timeout) if not args.no_baseline else None
        baseline_requests = sum(host.requests for host in hosts)
    finally:
        for host in hosts:
            await host.close()
    disagree = [u for u in urls if baseline is not None and baseline.working.get(u) != ours.working.get(u)]
    return {
        "links": len(urls),
        "hosts": args.hosts,
        "per_host_limit": args.per_host,
        "delay": args.delay,
        "concurrency": args.concurrency,
        "latency_ms": [args.min_latency * 1000, args.max_latency * 1000],
        "slow_share": SLOW_SHARE,
        "slow_ms": SLOW_SECONDS * 1000,
        "largest_host_links": max(sum(1 for h, _, _ in layout if h == i) for i in range(args.hosts)),
        "rows": [t.row(baseline) for t in ([baseline] if baseline else []) + [ours]],
        "vizbot_seconds": ours.seconds,
        "baseline_seconds": baseline.seconds if baseline else None,
        "speedup": baseline.seconds / ours.seconds if baseline and ours.seconds else None,
        "server_peak_in_flight": server_peak,
        "checker_peak_in_flight": max(own_peaks.values(), default=0),
        "requests": {"vizbot": ours_requests, "baseline": baseline_requests if baseline else None},
        "disagreements": disagree,
        "ok": server_peak <= args.per_host and not disagree,
    }


HEADERS = ["checker", "total s", "links/s", "mean ms/link", "p50 ms", "p99 ms", "speed-up"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 when a host got more than the limit at once or the checkers disagree."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench.links", description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds between requests to one host (default 0.05)")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--min-latency", type=float, default=0.002, help="seconds (default 0.002)")
    parser.add_argument("--max-latency", type=float, default=0.04, help="seconds (default 0.04)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive sequential run")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
        return 0 if result["ok"] else 1
    print(
        f"{result['links']} links on {result['hosts']} local hosts (the largest holds {result['largest_host_links']}); "
        f"latency {args.min_latency * 1000:g}-{args.max_latency * 1000:g} ms, {SLOW_SHARE:.0%} at {SLOW_SECONDS * 1000:g} ms"
    )
    print()
    print(table(HEADERS, result["rows"]))  # type: ignore[arg-type]
    print()
    print(f"requests sent: vizbot {result['requests']['vizbot']}, baseline {result['requests']['baseline']}")  # type: ignore[index]
    print(
        f"politeness: at most {result['server_peak_in_flight']} request(s) in flight on any host, counted by the "
        f"servers (limit {args.per_host}): {'OK' if result['server_peak_in_flight'] <= args.per_host else 'VIOLATED'}"
    )
    disagreements = list(result["disagreements"])  # type: ignore[call-overload]
    if disagreements:
        print(f"the checkers disagree on {len(disagreements)} link(s), e.g. {disagreements[0]}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
