"""Search quality on blind-labelled questions and on a catalog from another domain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main

HELDOUT = Path(__file__).resolve().parents[1] / "data" / "heldout"
SHIPPED = None


@pytest.mark.parametrize(
    ("queries", "catalog", "floors"),
    [
        ("queries.yaml", SHIPPED, {"hit_at_3": 0.9, "refused_correctly": 0.75, "wrongly_refused": 0.05}),
        ("music_queries.yaml", "music", {"hit_at_3": 0.85, "refused_correctly": 0.6, "wrongly_refused": 0.1}),
    ],
    ids=["shipped-catalog", "music-catalog"],
)
def test_blind_questions_meet_floors(
    queries: str, catalog: str | None, floors: dict[str, float], capsys: pytest.CaptureFixture[str]
) -> None:
    """Blind-labelled questions keep hit@3 and refusal rates above their floors."""
    argv = ["eval", str(HELDOUT / queries), "--json"]
    if catalog:
        argv += ["--catalog", str(HELDOUT / catalog)]
    assert main(argv) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["hit_at_3"] >= floors["hit_at_3"]
    assert scores["refused_correctly"] >= floors["refused_correctly"]
    assert scores["wrongly_refused"] <= floors["wrongly_refused"]


def test_music_catalog_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """The other-domain catalog passes the same validation as the shipped one."""
    assert main(["catalog", "check", str(HELDOUT / "music")]) == 0
    assert "40 resources, 14 tags" in capsys.readouterr().out
