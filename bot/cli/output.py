"""Printing helpers: results to standard output, messages to standard error."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from bot.console import CLI_HINTS, render_card
from bot.core.answers import AnswerCard


# Bytes that are not UTF-8 in a command-line argument or a --batch line reach Python as lone surrogates;
# written as they are, they would make standard output invalid UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def emit_json(data: Any) -> None:
    """Write one JSON document (complete, never truncated, valid UTF-8) to standard output."""
    sys.stdout.write(_LONE_SURROGATE.sub("\ufffd", json.dumps(data, ensure_ascii=False)) + "\n")


def error(message: str) -> None:
    """A one-line error on standard error."""
    sys.stderr.write(f"vizbot: error: {message}\n")


def info(message: str) -> None:
    """A message or progress line on standard error."""
    sys.stderr.write(message + "\n")


def card_text(card: AnswerCard) -> str:
    """A card as the command line prints it: the console's rendering, next steps worded as vizbot commands."""
    return render_card(card, CLI_HINTS)
