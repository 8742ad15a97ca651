"""python -m bot.bench.feedback on a small run: the table and the verdict (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.bench.feedback import main

QUESTIONS = Path(__file__).resolve().parents[1] / "data" / "queries.yaml"


def test_small_run_reports_baseline_random_and_adversarial_rows(capsys: pytest.CaptureFixture[str]) -> None:
    """Random votes leave MRR@10 within tolerance; the JSON names every scenario."""
    status = main(
        [
            "--questions",
            str(QUESTIONS),
            "--votes",
            "100",
            "--seeds",
            "1",
            "--users",
            "20",
            "--troll-users",
            "5",
            "--json",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["ok"] is True
    assert result["random"] and result["worst_random_delta"]["mrr_at_10"] >= -0.01
    assert {"baseline", "helpful", "adversarial"} <= set(result)
