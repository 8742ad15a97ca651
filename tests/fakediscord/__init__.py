"""A fake Discord (REST + gateway on 127.0.0.1) for end-to-end tests of the real discord.py client."""

from .payloads import FakeGuild, FakeUser
from .server import Call, FakeDiscord, FakeInteraction, Frame

__all__ = ["Call", "FakeDiscord", "FakeGuild", "FakeInteraction", "FakeUser", "Frame"]
