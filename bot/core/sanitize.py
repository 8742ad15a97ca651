"""One rule for what user-supplied and catalog text may contain, used on the way in and on the way out."""

from __future__ import annotations

import unicodedata

# Cc: control characters; Cs: lone surrogates; Cf: invisible format characters such as the
# right-to-left override (U+202E) and zero-width spaces, which can disguise a title or URL.
_DROPPED = frozenset({"Cc", "Cs", "Cf"})
_BREAKS = "\t\n\r\x0b\x0c\x85\u2028\u2029"


# ASCII text (nearly everything) needs only a translation table: breaks to spaces, other controls dropped.
_ASCII = {i: (" " if chr(i) in _BREAKS else None) for i in (*range(32), 127)}
_ASCII_KEEP_NEWLINES = {**_ASCII, ord("\n"): "\n"}


def strip_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without control, surrogate or invisible format characters; other breaks become spaces."""
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
