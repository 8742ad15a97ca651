"""python -m bot.bench.links on a small run: both rows, politeness held, the checkers agree (no timing assertions)."""

from __future__ import annotations

import json

import pytest

from bot.bench.links import main, plan


def test_small_run_reports_both_checkers_and_politeness(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON has the baseline and vizbot rows; no host ever had more than the limit in flight."""
    status = main(["--links", "60", "--hosts", "5", "--per-host", "2", "--delay", "0.01", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["ok"] is True
    assert [row[0].split(" ")[0] for row in result["rows"]] == ["naive", "vizbot"]
    assert 1 <= result["server_peak_in_flight"] <= 2 and result["checker_peak_in_flight"] <= 2
    assert result["disagreements"] == [] and result["requests"]["vizbot"] >= 60


def test_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: a markdown table with mean, p50 and p99, and the politeness verdict."""
    assert main(["--links", "20", "--hosts", "3", "--delay", "0", "--no-baseline"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("|"))
    assert [c.strip() for c in header.strip("|").split("|")][3:6] == ["mean ms/link", "p50 ms", "p99 ms"]
    assert "limit 2): OK" in out


def test_plan_is_seeded_and_skewed() -> None:
    """The same seed gives the same links; the first host holds the most."""
    assert plan(10, 100, 1) == plan(10, 100, 1)
    counts = [sum(1 for h, _, _ in plan(10, 1000, 1) if h == i) for i in range(10)]
    assert counts[0] == max(counts)
