"""The ``vizbot`` command line: parses, calls the core, prints; turns domain errors into exit codes."""

from bot.cli.main import main

__all__ = ["main"]
