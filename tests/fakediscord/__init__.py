"""A fake Discord (REST + gateway on 127.0.0.1) for end-to-end tests of the real discord.py client.

Typical use (``fixtures.fake_discord`` does the first three lines with monkeypatch)::

    fake = await FakeDiscord().start()                       # random port on 127.0.0.1
    discord.http.Route.BASE = fake.base_url                  # REST, webhooks, interaction callbacks
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = fake.gateway_url
    ...start the client with token "fake-token"...
    sent = await fake.send_message("how do CNNs work?", mention_bot=True)
    reply = await fake.wait_for_message(int(sent["channel_id"]))
    inter = await fake.slash("ask", fake.guild.member, question="attention")
    answer = await fake.wait_reply(inter)                    # after defer + follow-up too
    click = await fake.click(answer, "vizbot:more:...")      # a component interaction
    fake.rate_limit("POST", "/channels/{channel_id}/messages", times=2)   # 429s with Via
    await fake.drop_gateway(4000)                            # the client RESUMEs

Modules: ``server`` (REST routes, gateway, waiting, faults), ``interactions`` (callbacks and
webhook follow-ups), ``actions`` (what users do), ``payloads`` (Discord-shaped JSON),
``validate`` (Discord's documented limits: bodies it would reject get 400 and land in
``fake.invalid``), ``records`` (what is recorded), ``reading`` (links and custom_ids of a
message), ``fixtures`` (pytest fixtures), ``bench`` (the speed benchmark).
Unknown routes answer 404 and are listed in ``fake.unknown`` (and logged).
"""

from .payloads import FakeGuild, FakeUser
from .records import Call, FakeInteraction, Frame
from .server import FakeDiscord

__all__ = ["Call", "FakeDiscord", "FakeGuild", "FakeInteraction", "FakeUser", "Frame"]
