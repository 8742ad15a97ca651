"""Run ``vizbot run`` in its own OS process against a fake Discord: ``python bot_process.py BASE_URL GATEWAY_URL``.

Everything else comes from the environment as in production (``DISCORD_TOKEN``, ``VIZBOT_DB``,
``VIZBOT_SHARD_COUNT``, ``VIZBOT_SHARD_IDS`` ...); only discord.py's two addresses are pointed at
the fake, as the in-process fixture does. Tests and benchmarks use it for bots that share nothing
but their database, as separate machines would.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve()
if str(_HERE.parents[2]) not in sys.path:  # the checkout, for ``bot``
    sys.path.insert(0, str(_HERE.parents[2]))

import discord.gateway  # noqa: E402
import discord.http  # noqa: E402
import yarl  # noqa: E402

from bot.cli.main import main  # noqa: E402


def run(base_url: str, gateway_url: str) -> int:
    """Point discord.py at the fake and run the bot until it is stopped (SIGTERM: a clean exit)."""
    discord.http.Route.BASE = base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return main(["run"])


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1], sys.argv[2]))
