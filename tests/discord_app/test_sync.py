"""Command tree sync: guild at start-up when configured, else globally only when the tree changed."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.config import Settings
from bot.discord_app import sync


class RecordingTree(app_commands.CommandTree):
    """A real command tree whose sync records the call instead of calling Discord."""

    def __init__(self, application_id: int | None = None) -> None:
        super().__init__(discord.Client(intents=discord.Intents.none(), application_id=application_id))
        self.synced: list[int | None] = []
        self.registered: list[dict] = []  # what Discord lists (fetch_commands)

    async def sync(self, *, guild: discord.abc.Snowflake | None = None) -> list[app_commands.AppCommand]:
        self.synced.append(guild.id if guild else None)
        return []


def as_discord_lists(payload: dict) -> dict:
    """An uploaded command as Discord lists it back: ids, a version, its defaults spelled out."""
    options = [{**o, "required": o.get("required", False), "autocomplete": False} for o in payload.get("options", [])]
    return {
        **payload,
        "id": "1",
        "application_id": "2",
        "version": "3",
        "options": options,
        "default_member_permissions": None,
        "nsfw": False,
        "dm_permission": True,
    }


def make_tree(description: str = "Find learning visualizations", application_id: int | None = None) -> RecordingTree:
    """A tree with one /ask command."""
    tree = RecordingTree(application_id)

    @tree.command(name="ask", description=description)
    async def ask(interaction: discord.Interaction, question: str) -> None:  # pragma: no cover - never invoked
        """Unused."""

    return tree


@pytest.fixture(autouse=True)
def listing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Discord's list of registered commands is the tree's ``registered`` (no network)."""

    async def listed(tree: RecordingTree) -> list[dict]:
        return list(tree.registered)

    monkeypatch.setattr(sync, "listed_commands", listed)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose data directory is a temporary one."""
    return Settings(db_path=tmp_path / "data" / "vizbot.db")


async def test_first_start_syncs_globally_and_stores_the_hash(settings: Settings) -> None:
    """No stored hash: sync globally and remember the tree."""
    tree = make_tree()
    await sync.sync_commands(tree, settings)
    assert tree.synced == [None]
    assert sync.read_hash(sync.hash_path(settings)) == sync.tree_hash(tree)


async def test_unchanged_tree_is_not_synced_again(settings: Settings) -> None:
    """Same tree, second start: no sync."""
    await sync.sync_commands(make_tree(), settings)
    again = make_tree()
    report = await sync.sync_commands(again, settings)
    assert again.synced == [] and "unchanged" in report[0]


async def test_changed_tree_is_synced(settings: Settings) -> None:
    """A changed description changes the hash and triggers a sync."""
    await sync.sync_commands(make_tree(), settings)
    changed = make_tree("Something else")
    await sync.sync_commands(changed, settings)
    assert changed.synced == [None]


async def test_force_syncs_even_when_unchanged(settings: Settings) -> None:
    """vizbot sync always syncs."""
    await sync.sync_commands(make_tree(), settings)
    forced = make_tree()
    await sync.sync_commands(forced, settings, force=True)
    assert forced.synced == [None]


async def test_dev_guild_is_synced_at_start_up(settings: Settings) -> None:
    """With VIZBOT_GUILD_ID only the guild is synced (instantly), not the global tree."""
    tree = make_tree()
    await sync.sync_commands(tree, settings.with_overrides(guild_id=42))
    assert tree.synced == [42]
    assert [c.name for c in tree.get_commands(guild=discord.Object(42))] == ["ask"]


async def test_with_a_dev_guild_force_syncs_that_scope_alone(settings: Settings) -> None:
    """vizbot sync with a development guild set syncs the guild only: never both scopes (duplicates there)."""
    tree = make_tree()
    await sync.sync_commands(tree, settings.with_overrides(guild_id=42), force=True)
    assert tree.synced == [42]


def test_the_hash_belongs_to_one_application() -> None:
    """The same commands under another application id hash differently (that bot must sync its own)."""
    assert sync.tree_hash(make_tree(application_id=1)) != sync.tree_hash(make_tree(application_id=2))
    assert sync.tree_hash(make_tree(application_id=1)) == sync.tree_hash(make_tree(application_id=1))


def test_hash_is_stable() -> None:
    """The same tree gives the same hash."""
    assert sync.tree_hash(make_tree()) == sync.tree_hash(make_tree())


def test_unwritable_hash_file_is_only_a_warning(tmp_path: Path) -> None:
    """A hash that cannot be stored does not raise."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    sync.write_hash(blocker / "sub" / "hash", "abc")


async def test_real_tree_hash_is_stable(settings: Settings) -> None:
    """Two start-ups of the real bot build the same tree hash, so a restart does not re-sync."""
    from bot.discord_app.client import VizbotClient

    hashes = []
    for _ in range(2):
        client = VizbotClient(object(), settings, sync=False)
        await client.setup_hook()
        hashes.append(sync.tree_hash(client.tree))
        await client.close()
    assert hashes[0] == hashes[1]


def test_the_hash_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash goes to a temp file renamed over the old one: a failed write keeps the old hash, no debris."""
    path = tmp_path / "data" / sync.HASH_FILE
    sync.write_hash(path, "a" * 64)
    assert sync.read_hash(path) == "a" * 64

    def broken(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(sync.os, "replace", broken)
    sync.write_hash(path, "b" * 64)
    assert sync.read_hash(path) == "a" * 64
    assert sorted(p.name for p in path.parent.iterdir()) == [sync.HASH_FILE]
    monkeypatch.undo()
    sync.write_hash(path, "c" * 64)
    assert sync.read_hash(path) == "c" * 64
    assert sorted(p.name for p in path.parent.iterdir()) == [sync.HASH_FILE]


async def test_without_a_stored_hash_an_unchanged_registration_is_not_uploaded(settings: Settings) -> None:
    """A new data directory: the commands Discord lists are the tree's, so no sync; the hash is stored."""
    tree = make_tree()
    tree.registered = [as_discord_lists(c) for c in sync.tree_payload(tree)]
    report = await sync.sync_commands(tree, settings)
    assert tree.synced == [] and "already registered" in report[-1]
    assert sync.read_hash(sync.hash_path(settings)) == sync.tree_hash(tree)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: {**c, "description": "old text"},
        lambda c: {**c, "options": []},
        lambda c: {**c, "default_member_permissions": "32"},
    ],
)
async def test_without_a_stored_hash_a_different_registration_is_synced(settings: Settings, change) -> None:
    """Discord lists something else (an old description, options, permissions): sync."""
    tree = make_tree()
    tree.registered = [change(as_discord_lists(c)) for c in sync.tree_payload(tree)]
    await sync.sync_commands(tree, settings)
    assert tree.synced == [None]
