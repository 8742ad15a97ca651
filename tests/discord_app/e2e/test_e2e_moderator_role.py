"""VIZBOT_MOD_ROLE: a member without Manage Server moderates when they hold the named (or numbered) role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import bot_settings, start_bot
from fakediscord import FakeDiscord
from fakediscord.fixtures import stop_task
from fakediscord.payloads import EPHEMERAL, MANAGE_GUILD, MEMBER_PERMISSIONS, FakeGuild, FakeUser, snowflake

CURATOR_ROLE = snowflake()


@pytest.fixture
def curator(monkeypatch: pytest.MonkeyPatch) -> FakeUser:
    """A member holding a "Curators" role that grants no Manage Server (the guild lists the role)."""
    listed = FakeGuild.roles

    def roles(self: FakeGuild) -> list[dict[str, Any]]:
        role = {
            **listed(self)[0],
            "id": str(CURATOR_ROLE),
            "name": "Curators",
            "position": 1,
            "permissions": str(MEMBER_PERMISSIONS),
        }
        return [*listed(self), role]

    monkeypatch.setattr(FakeGuild, "roles", roles)
    return FakeUser(snowflake(), "curator", roles=(CURATOR_ROLE,))


async def _review_answer(fake: FakeDiscord, user: FakeUser) -> str:
    fake.guild.allow_command("review", CURATOR_ROLE)  # as the README says: Server Settings > Integrations > vizbot
    inter = await fake.slash("review", user)
    callback = await fake.wait_callback(inter)
    reply = callback["data"] if callback["type"] == 4 else await fake.wait_reply(inter)
    assert reply["flags"] & EPHEMERAL
    return str(reply)


@pytest.mark.parametrize(
    ("mod_role", "allowed"),
    [("Curators", True), (str(CURATOR_ROLE), True), ("Moderator", False), (None, False), ("curators", False)],
    ids=["by-name", "by-id", "another-role", "unset", "name-is-case-sensitive"],
)
async def test_moderator_role_grants_review(
    fake_discord: FakeDiscord, tmp_path: Path, curator: FakeUser, mod_role: str | None, allowed: bool
) -> None:
    """/review in the home server: the curator (no Manage Server) is let in exactly when VIZBOT_MOD_ROLE names their role."""
    fake = fake_discord
    assert not fake.guild.permissions_of(curator) & MANAGE_GUILD  # the role alone must be what lets them in
    task = await start_bot(fake, bot_settings(fake, tmp_path, mod_role=mod_role))
    try:
        said = await _review_answer(fake, curator)
        if allowed:
            assert "No pending suggestions" in said and "Only moderators" not in said
        else:
            assert "Only moderators" in said
            assert (f"the {mod_role} role" in said) is (mod_role is not None)
    finally:
        await stop_task(task)
