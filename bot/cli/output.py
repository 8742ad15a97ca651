"""Printing helpers: results to standard output, messages to standard error."""

from __future__ import annotations

import json
import sys
from typing import Any

from bot.console import CLI_HINTS, render_card
from bot.core.answers import AnswerCard


def emit_json(data: Any) -> None:
    """Write one JSON document (complete, never truncated) to standard output."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def error(message: str) -> None:
    """A one-line error on standard error."""
    sys.stderr.write(f"vizbot: error: {message}\n")


def info(message: str) -> None:
    """A message or progress line on standard error."""
    sys.stderr.write(message + "\n")


def card_text(card: AnswerCard) -> str:
    """A card as the command line prints it: the console's rendering, next steps worded as vizbot commands."""
    return render_card(card, CLI_HINTS)
