"""The fake Discord, exercised with bare discord.py clients (no vizbot code)."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest
from discord import app_commands

from .fixtures import running_client
from .server import FakeDiscord, FakeInteraction


class EchoClient(discord.Client):
    """Replies to every message it can read, with AllowedMentions.none()."""

    def __init__(self, **kwargs):
        intents = kwargs.pop("intents", discord.Intents.default())
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), **kwargs)

    async def on_message(self, message: discord.Message) -> None:
        if message.author == self.user:
            return
        await message.reply(f"echo: {message.content}")


class Confirm(discord.ui.View):
    """A one-button view."""

    @discord.ui.button(label="Yes", custom_id="confirm:yes")
    async def yes(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.edit_message(content="confirmed", view=None)


class Why(discord.ui.Modal, title="Why?"):
    """A one-field modal."""

    reason = discord.ui.TextInput(label="Reason", custom_id="why:reason")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"because {self.reason.value}", ephemeral=True)


class TreeClient(discord.Client):
    """Syncs a few commands to the fake guild and answers them."""

    def __init__(self, guild_id: int):
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        self.guild_obj = discord.Object(guild_id)

        @self.tree.command(name="echo", description="Echo text")
        async def echo(interaction: discord.Interaction, text: str, loud: bool = False) -> None:
            await interaction.response.send_message(text.upper() if loud else text, ephemeral=not loud)

        @echo.autocomplete("text")
        async def echo_complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f"{current}{i}", value=f"{current}{i}") for i in range(30)][:25]

        @self.tree.command(name="slow", description="Defers then follows up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("done", ephemeral=True)

        @self.tree.command(name="confirm", description="Sends a button")
        async def confirm(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("sure?", view=Confirm())

        @self.tree.command(name="why", description="Opens a modal")
        async def why(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Why())

        @self.tree.context_menu(name="Count words")
        async def count(interaction: discord.Interaction, message: discord.Message) -> None:
            await interaction.response.send_message(f"{len(message.content.split())} words")

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.guild_obj)
        await self.tree.sync(guild=self.guild_obj)


async def test_login_calls_users_me_then_application_then_gateway(fake_discord: FakeDiscord) -> None:
    """discord.py logs in over REST, then IDENTIFIES with the token and gets READY on the fake."""
    async with running_client(EchoClient(), fake_discord) as client:
        routes = [c.route for c in fake_discord.requests]
        assert routes[:2] == ["/users/@me", "/oauth2/applications/@me"]
        identify = await fake_discord.wait_for_frame(2)
        assert identify.payload["d"]["token"] == "fake-token"
        assert client.user is not None and client.user.id == fake_discord.bot_user.id
        assert client.application_id == fake_discord.application_id


async def test_rejected_token_is_a_login_failure(fake_discord: FakeDiscord) -> None:
    """A wrong token gets a 401 and discord.py raises LoginFailure."""
    client = EchoClient()
    with pytest.raises(discord.LoginFailure):
        await asyncio.wait_for(client.start("wrong-token"), timeout=15)
    await client.close()
    assert fake_discord.requests[0].status == 401


async def test_mention_reaches_client_and_reply_is_recorded(fake_discord: FakeDiscord) -> None:
    """A mention is dispatched with its content; the reply is a POST with a message_reference."""
    async with running_client(EchoClient(), fake_discord):
        sent = await fake_discord.send_message("hello @everyone", mention_bot=True)
        reply = await fake_discord.wait_for_message(fake_discord.guild.general_id)
        call = fake_discord.find_requests("POST", "/channels/{channel_id}/messages")[0]
        assert reply["content"] == f"echo: <@{fake_discord.bot_user.id}> hello @everyone"
        assert reply["message_reference"]["message_id"] == sent["id"]
        assert call.json["allowed_mentions"]["parse"] == []
        assert reply["mention_everyone"] is False
        assert call.authorized


@pytest.mark.parametrize(
    ("mention", "expected"),
    [
        (False, "echo: "),
        (True, "echo: <@{bot}> what is a CNN?"),
    ],
)
async def test_message_content_is_blanked_without_the_intent(
    fake_discord: FakeDiscord, mention: bool, expected: str
) -> None:
    """Without Message Content, guild messages that do not mention the bot arrive empty (as on Discord)."""
    async with running_client(EchoClient(), fake_discord):
        await fake_discord.send_message("what is a CNN?", mention_bot=mention)
        reply = await fake_discord.wait_for_message()
        assert reply["content"] == expected.format(bot=fake_discord.bot_user.id)


async def test_direct_message_is_answered_in_the_dm_channel(fake_discord: FakeDiscord) -> None:
    """A DM is dispatched without guild_id and answered in the same DM channel."""
    async with running_client(EchoClient(), fake_discord):
        sent = await fake_discord.send_message("hi there", dm=True)
        reply = await fake_discord.wait_for_message(int(sent["channel_id"]))
        assert reply["content"] == "echo: hi there"
        assert "guild_id" not in reply


async def test_privileged_intent_not_enabled_closes_with_4014(fake_discord: FakeDiscord) -> None:
    """Asking for Message Content when the portal has not enabled it fails like Discord does."""
    client = EchoClient(intents=discord.Intents.default() | discord.Intents(message_content=True))
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(client.start("fake-token"), timeout=15)
    await client.close()


async def test_rate_limit_429_is_retried(fake_discord: FakeDiscord) -> None:
    """A 429 with Via and retry_after is slept on and retried by discord.py."""
    fake_discord.rate_limit("POST", "/channels/{channel_id}/messages", times=2, retry_after=0.05)
    async with running_client(EchoClient(), fake_discord):
        await fake_discord.send_message("again", mention_bot=True)
        await fake_discord.wait_for_message()
        statuses = [c.status for c in fake_discord.find_requests("POST", "/channels/{channel_id}/messages")]
        assert statuses == [429, 429, 200]


async def test_dropped_gateway_resumes_and_replays_missed_events(fake_discord: FakeDiscord) -> None:
    """After the socket closes with 4000 the client RESUMEs on resume_gateway_url and still answers."""
    async with running_client(EchoClient(), fake_discord):
        await fake_discord.drop_gateway(4000)
        await fake_discord.send_message("sent while down", mention_bot=True)
        resume = await fake_discord.wait_for_frame(6)
        assert resume.payload["d"]["session_id"] == fake_discord.session_id
        await fake_discord.wait_for_frame(0, direction="out", since=resume.index)
        reply = await fake_discord.wait_for_message()
        assert reply["content"].endswith("sent while down")
        assert not [f for f in fake_discord.frames if f.op == 2 and f.index > resume.index]


async def test_heartbeat_is_acknowledged(fake_discord: FakeDiscord) -> None:
    """The client heartbeats right after HELLO and the fake ACKs."""
    async with running_client(EchoClient(), fake_discord):
        beat = await fake_discord.wait_for_frame(1)
        await fake_discord.wait_for_frame(11, direction="out", since=beat.index)


async def test_unknown_route_is_logged_and_404(fake_discord: FakeDiscord) -> None:
    """A route the fake does not know answers 404 and is listed in ``fake.unknown``."""
    async with running_client(EchoClient(), fake_discord) as client:
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=1))
        assert [c.path for c in fake_discord.unknown] == ["/guilds/1/bans"]


async def test_invalid_embed_is_rejected_like_discord(fake_discord: FakeDiscord) -> None:
    """An embed title over 256 characters gets 400 Invalid Form Body and is listed in ``fake.invalid``."""
    async with running_client(EchoClient(), fake_discord) as client:
        channel = client.get_channel(fake_discord.guild.general_id)
        with pytest.raises(discord.HTTPException) as raised:
            await channel.send(embed=discord.Embed(title="x" * 257))
        assert raised.value.code == 50035
        assert "embeds.0.title" in fake_discord.invalid[0][1][0]


async def test_slash_command_through_a_command_tree(fake_discord: FakeDiscord) -> None:
    """Commands synced to the guild are dispatched with typed options and answered by callback."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        names = {c["name"] for c in fake_discord.commands[fake_discord.guild.id]}
        assert names == {"echo", "slow", "confirm", "why", "Count words"}
        inter = await fake_discord.slash("echo", text="hi", loud=True)
        callback = await fake_discord.wait_callback(inter)
        call = fake_discord.find_requests("POST", "/interactions/{interaction_id}/{token}/callback")[0]
        assert (callback["type"], callback["data"]["content"]) == (4, "HI")
        assert call.query == {"with_response": "1"}
        assert not call.authorized


async def test_autocomplete_returns_choices(fake_discord: FakeDiscord) -> None:
    """An autocomplete interaction gets a type 8 callback with at most 25 choices."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        inter = await fake_discord.autocomplete("echo", "text", text="ab")
        callback = await fake_discord.wait_callback(inter)
        assert callback["type"] == 8
        assert [c["value"] for c in callback["data"]["choices"]][:2] == ["ab0", "ab1"]
        assert not fake_discord.invalid


async def test_defer_then_followup_replaces_the_loading_message(fake_discord: FakeDiscord) -> None:
    """A deferred ephemeral answer followed up becomes the visible reply; follow-ups carry no Authorization."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        inter = await fake_discord.slash("slow")
        reply = await fake_discord.wait_reply(inter)
        assert reply["content"] == "done"
        assert reply["flags"] & 64
        followup = fake_discord.find_requests("POST", "/webhooks/{app_id}/{token}")[0]
        assert not followup.authorized


async def test_button_click_after_view_registered(fake_discord: FakeDiscord) -> None:
    """A click on a sent View's button reaches its callback (type 7 edit)."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        inter = await fake_discord.slash("confirm")
        message = await fake_discord.wait_reply(inter)
        click = await fake_discord.click(message, "confirm:yes")
        callback = await fake_discord.wait_callback(click)
        assert callback["type"] == 7
        assert fake_discord.messages[int(message["id"])]["content"] == "confirmed"


async def test_modal_submit_reaches_on_submit(fake_discord: FakeDiscord) -> None:
    """A modal sent with a type 9 callback can be submitted with values by custom_id."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        inter = await fake_discord.slash("why")
        modal = (await fake_discord.wait_callback(inter))["data"]
        submit = await fake_discord.submit_modal(modal, {"why:reason": "curious"})
        reply = await fake_discord.wait_reply(submit)
        assert reply["content"] == "because curious"


async def test_message_context_menu_resolves_the_target(fake_discord: FakeDiscord) -> None:
    """A message command carries target_id and the resolved message."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        target = await fake_discord.send_message("one two three", author=fake_discord.guild.moderator)
        inter = await fake_discord.message_command("Count words", target)
        reply = await fake_discord.wait_reply(inter)
        assert reply["content"] == "3 words"


async def test_second_callback_is_rejected(fake_discord: FakeDiscord) -> None:
    """Answering an interaction twice gets 40060 like on Discord."""
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        inter = await fake_discord.slash("echo", text="x")
        await fake_discord.wait_callback(inter)
        status = await _post_callback_again(fake_discord, inter)
        assert status == 400


async def _post_callback_again(fake: FakeDiscord, inter: FakeInteraction) -> int:
    url = f"{fake.base_url}/interactions/{inter.id}/{inter.token}/callback?with_response=1"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"type": 4, "data": {"content": "again"}}) as response:
            return response.status


async def test_callback_after_the_three_second_window_is_unknown(fake_discord: FakeDiscord) -> None:
    """A first answer later than the interaction window gets 404 Unknown interaction (10062)."""
    fake_discord.interaction_window = 0.0
    async with running_client(TreeClient(fake_discord.guild.id), fake_discord):
        await fake_discord.slash("echo", text="late")
        call = await fake_discord.wait_for_request("POST", "/interactions/{interaction_id}/{token}/callback")
        assert (call.status, call.response["code"]) == (404, 10062)


async def test_reconnect_op_makes_the_client_resume(fake_discord: FakeDiscord) -> None:
    """Op 7 RECONNECT: the client closes, RESUMEs with its session and gets RESUMED."""
    async with running_client(EchoClient(), fake_discord):
        since = len(fake_discord.frames)
        await fake_discord.request_reconnect()
        resume = await fake_discord.wait_for_frame(6, since=since)
        assert resume.payload["d"]["session_id"] == fake_discord.session_id
        resumed = await fake_discord.wait_until(
            lambda: [f for f in fake_discord.frames[resume.index :] if f.payload.get("t") == "RESUMED"]
        )
        assert resumed


async def test_invalid_session_makes_the_client_identify_again(fake_discord: FakeDiscord) -> None:
    """Op 9 INVALID_SESSION (false): the client starts a new session with IDENTIFY, and still answers."""
    async with running_client(EchoClient(), fake_discord):
        since = len(fake_discord.frames)
        await fake_discord.invalidate_session()
        await fake_discord.wait_for_frame(2, since=since)
        await fake_discord.wait_identified()
        await fake_discord.send_message("still there?", mention_bot=True)
        assert (await fake_discord.wait_for_message())["content"].endswith("still there?")
