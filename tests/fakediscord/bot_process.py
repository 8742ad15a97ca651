"""Run ``vizbot run`` in its own OS process against a fake Discord: ``python bot_process.py BASE_URL GATEWAY_URL``.

Everything else comes from the environment as in production (``DISCORD_TOKEN``, ``VIZBOT_DB``,
``VIZBOT_SHARD_COUNT``, ``VIZBOT_SHARD_IDS`` ...); only discord.py's two addresses are pointed at
the fake, as the in-process fixture does. Tests and benchmarks use it for bots that share nothing
but their database, as separate machines would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Mapping

_HERE = Path(__file__).resolve()
if str(_HERE.parents[2]) not in sys.path:  # the checkout, for ``bot``
    sys.path.insert(0, str(_HERE.parents[2]))

import discord.gateway  # noqa: E402
import discord.http  # noqa: E402
import yarl  # noqa: E402

from bot.cli.main import main  # noqa: E402


async def spawn(base_url: object, gateway_url: object, env: Mapping[str, str]) -> asyncio.subprocess.Process:
    """Start one ``vizbot run`` in its own process against the fake, with this environment added to ours."""
    return await asyncio.create_subprocess_exec(
        sys.executable, str(_HERE), str(base_url), str(gateway_url), env={**os.environ, **env}
    )


async def stop(processes: list[asyncio.subprocess.Process], *, timeout: float = 30) -> None:
    """SIGTERM (the bot's clean stop) to every process still running, then wait; kill what does not stop."""
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            await asyncio.wait_for(process.wait(), timeout=timeout)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()


def run(base_url: str, gateway_url: str) -> int:
    """Point discord.py at the fake and run the bot until it is stopped (SIGTERM: a clean exit)."""
    discord.http.Route.BASE = base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return main(["run"])


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1], sys.argv[2]))
