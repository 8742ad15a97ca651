"""The benchmark runs end to end on a handful of questions (no timing is asserted)."""

from __future__ import annotations

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
