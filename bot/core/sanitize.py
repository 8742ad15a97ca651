"""One rule for what user-supplied and catalog text may contain, used on the way in and on the way out."""

from __future__ import annotations

import re
import unicodedata

from bot.core.limits import QUESTION_MAX

# Cc: control characters; Cs: lone surrogates; Cf: invisible format characters such as the
# right-to-left override (U+202E) and zero-width spaces, which can disguise a title or URL.
_DROPPED = frozenset({"Cc", "Cs", "Cf"})
_BREAKS = "\t\n\r\x0b\x0c\x85\u2028\u2029"


# ASCII text (nearly everything) needs only a translation table: breaks to spaces, other controls dropped.
_ASCII = {i: (" " if chr(i) in _BREAKS else None) for i in (*range(32), 127)}
_ASCII_KEEP_NEWLINES = {**_ASCII, ord("\n"): "\n"}


# Terminal escape sequences (colours, cursor moves, window titles): the whole sequence goes, not only
# its escape character, so no "[31m" or "[2J" is left in a title or glued to the next word.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def strip_escapes(text: str) -> str:
    """``text`` with each terminal escape sequence replaced by a space."""
    return _ESCAPE.sub(" ", text) if "\x1b" in text else text


# Chat markup that is not words of a question: Discord's user, role and channel mentions, custom emoji
# and timestamps, @everyone/@here, and web addresses (a markdown link keeps its text, not its target).
_MARKUP = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::[a-zA-Z])?)>"
    r"|(?<![\w.])@(?:everyone|here)\b"
    r"|\]\(\s*<?[a-zA-Z][a-zA-Z0-9+.-]*://[^)\s]*>?\s*\)"
    r"|<?\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+"
)


def _unmarked(match: re.Match[str]) -> str:
    # A markdown link's target goes but its closing bracket stays: "[this](https://...)" reads as "[this]",
    # exactly as if the address had never been written (the embedding model sees the brackets).
    return "] " if match.group().startswith("]") else " "


def strip_markup(text: str) -> str:
    """``text`` with mentions, custom emoji, timestamps and web addresses replaced by a space (a
    markdown link keeps its text in its brackets)."""
    return _MARKUP.sub(_unmarked, text) if ("<" in text or "@" in text or "://" in text) else text


def strip_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without terminal escape sequences, control, surrogate or invisible format characters;
    other breaks become spaces."""
    text = strip_escapes(text)
    if text.isascii():
        return text.replace("\r\n", "\n").translate(_ASCII_KEEP_NEWLINES if keep_newlines else _ASCII)
    out = []
    for ch in text.replace("\r\n", "\n"):
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in _BREAKS:
            out.append(" ")
        elif unicodedata.category(ch) not in _DROPPED:
            out.append(ch)
    return "".join(out)


_SPACE = re.compile(r"\s+")
_BLANK_RUNS = re.compile(r"\n{3,}")


def clean_text(text: str | None, limit: int | None = None) -> str:
    """One line of text, as kept and shown: NFC, controls dropped, runs of whitespace collapsed, ends
    trimmed; longer than ``limit`` is shortened to ``limit`` characters ending with an ellipsis."""
    text = strip_controls(unicodedata.normalize("NFC", text or ""))
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "\u2026"
    return text


def clean_block(text: str | None) -> str:
    """Several lines of text (a note): as :func:`clean_text` for each line, but line breaks kept and
    runs of blank lines collapsed to one."""
    text = strip_controls(unicodedata.normalize("NFC", text or ""), keep_newlines=True)
    joined = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", joined).strip()


def clean_question(text: str | None) -> str:
    """The question as kept, searched and shown: one line, at most ``QUESTION_MAX`` characters."""
    return clean_text(text, QUESTION_MAX)
