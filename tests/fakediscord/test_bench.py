"""The benchmark runs end to end on a handful of questions (no timing is asserted)."""

from __future__ import annotations

import time
from pathlib import Path

import discord.gateway
import discord.http
import pytest

from .bench import main, table


async def test_bench_runs_and_prints_one_row_per_client_and_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small counts: every question is answered and the table has a row per client and user count."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    rows = await main(6, [1, 3], baseline=True)
    assert [(r["client"], r["users"], r["questions"]) for r in rows] == [
        ("vizbot", 1, 6),
        ("vizbot", 3, 6),
        ("bare discord.py", 1, 6),
        ("bare discord.py", 3, 6),
    ]
    assert table(rows).count("\n") == 5


async def test_process_bench_runs_both_layouts(tmp_path: Path) -> None:
    """One process with both shards, then two with one each, on one database: every question answered, CPU counted."""
    from .bench_processes import run_layout, table as process_table

    rows: list[dict[str, object]] = []
    for label in ("1 process", "2 processes"):
        rows += await run_layout(label, str(tmp_path / f"{label[0]}.db"), 6, [2])
    assert [(r["layout"], r["users"], r["questions"]) for r in rows] == [("1 process", 2, 6), ("2 processes", 2, 6)]
    assert all(float(r["bot_cpu_ms"]) >= 0 and float(r["fake_cpu_ms"]) >= 0 for r in rows)  # type: ignore[arg-type]
    assert all(0 < float(r["rss_mib"]) <= float(r["peak_mib"]) for r in rows)  # type: ignore[arg-type]
    lines = process_table(rows).splitlines()
    assert len(lines) == 4 and "| 1.00x |" in lines[2]


def test_cpu_seconds_counts_a_busy_process() -> None:
    """The CPU column reads /proc: a child that spins for half a second of CPU shows at least 0.3 s."""
    import subprocess
    import sys

    from .bench_processes import cpu_seconds

    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass\ninput()",
        ],
        stdin=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while cpu_seconds([child.pid]) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0.3 <= cpu_seconds([child.pid]) < 5
    finally:
        child.communicate(b"\n", timeout=30)


def test_memory_reads_resident_and_peak_of_a_process_that_grew() -> None:
    """The memory columns read /proc: a child that touched 200 MiB and freed it shows a peak above its resident set."""
    import subprocess
    import sys

    from .bench_processes import memory_mib

    child = subprocess.Popen(
        [sys.executable, "-c", "b = bytearray(200 * 2**20)\ndel b\nprint('ready', flush=True)\ninput()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        rss, peak = memory_mib([child.pid])
        assert peak >= 200 and rss < peak - 100
    finally:
        child.communicate(b"\n", timeout=30)
