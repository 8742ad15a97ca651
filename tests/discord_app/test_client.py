"""The client: no prefix commands, the background refresh's lifecycle, submitter ids."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.config import Settings
from bot.discord_app.client import VizbotClient
from bot.discord_app.notify import discord_user_id


class _Service:
    store = None

    def __init__(self) -> None:
        self.refreshed = 0

    async def refresh(self) -> None:
        self.refreshed += 1


async def test_no_prefix_commands_and_messages_never_reach_the_command_machinery(tmp_path: Path) -> None:
    """Only application commands exist; on_message does not call process_commands (AskCog listens)."""
    client = VizbotClient(_Service(), Settings(db_path=tmp_path / "v.db", home_guilds=(42,)), sync=False)  # type: ignore[arg-type]
    await client.setup_hook()
    assert client.commands == set()
    assert {c.name for c in client.tree.get_commands()} >= {"ask", "suggest", "Find visualizations"}

    async def boom(message: object) -> None:
        raise AssertionError("process_commands called")

    client.process_commands = boom  # type: ignore[method-assign]
    await client.on_message(SimpleNamespace(content="<@1> help"))  # type: ignore[arg-type]
    await client.close()


async def test_background_refresh_runs_after_ready_and_stops_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """on_ready starts the loop once (reconnects do not add another); close cancels it."""
    service = _Service()
    client = VizbotClient(service, Settings(db_path=tmp_path / "v.db"), sync=False, refresh_seconds=0.01)  # type: ignore[arg-type]
    await client.on_ready()
    task = client._refresh_task
    await client.on_ready()
    assert client._refresh_task is task
    for _ in range(200):
        if service.refreshed >= 2:
            break
        await asyncio.sleep(0.01)
    assert service.refreshed >= 2
    await client.close()
    assert task is not None and task.done()


@pytest.mark.parametrize(
    ("user", "expected"),
    [("123456789012345678", 123456789012345678), ("local:ann", None), ("", None), (None, None), ("12", None)],
)
def test_only_snowflakes_are_dmed(user: str | None, expected: int | None) -> None:
    """CLI submitters (local:NAME) and junk have nobody to DM."""
    assert discord_user_id(user) == expected


@pytest.mark.parametrize(("homes", "moderation"), [((42, 43), {"review", "reload"}), ((), set())])
async def test_moderation_commands_exist_only_in_the_home_servers(
    tmp_path: Path, homes: tuple[int, ...], moderation: set[str]
) -> None:
    """/review and /reload are guild commands of each home server, never global; with no home, nowhere."""
    import discord

    client = VizbotClient(_Service(), Settings(db_path=tmp_path / "v.db", home_guilds=homes), sync=False)  # type: ignore[arg-type]
    await client.setup_hook()
    assert not {"review", "reload"} & {c.name for c in client.tree.get_commands()}
    for home in homes:
        assert {c.name for c in client.tree.get_commands(guild=discord.Object(id=home))} == moderation
    assert not client.tree.get_commands(guild=discord.Object(id=44))
    await client.close()


@pytest.mark.parametrize(("listen", "content"), [((), False), ((123,), True)])
def test_intents_are_the_minimal_set(listen: tuple[int, ...], content: bool) -> None:
    """Servers, server messages and DMs; Message Content only for listening channels; nothing else."""
    import discord

    from bot.discord_app.client import make_intents

    intents = make_intents(Settings(listen_channels=listen))
    expected = discord.Intents.none()
    expected.guilds = expected.guild_messages = expected.dm_messages = True
    expected.message_content = content
    assert intents == expected
