"""BERT's uncased WordPiece tokenizer, in plain Python, for the sentence-embedding model.

The same steps as Hugging Face's ``BertNormalizer`` + ``BertPreTokenizer`` + ``WordPiece``
(the tokenizer all-MiniLM-L6-v2 was trained with): drop control characters, put spaces
around CJK ideographs, lowercase, strip accents, split on white space and punctuation,
then cut each word into the longest vocabulary pieces from the left ("##" marks a piece
inside a word). The vocabulary ships in ``bot/core/data/minilm-vocab.txt`` (Apache-2.0,
see ``data/NOTICE``). Queries are a few dozen tokens, so plain Python costs tens of
microseconds; tests compare its ids with the reference tokenizer's.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

VOCAB_PATH = Path(__file__).parent / "data" / "minilm-vocab.txt"
MAX_WORD_CHARS = 100  # longer "words" become [UNK], as in BERT


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _clean(text: str) -> str:
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        elif _is_cjk(cp):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    return "".join(out)


# ASCII text (most questions) takes a shorter road to the same tokens: control characters
# dropped (tab, newline and return become spaces), lower case, then runs of letters and digits,
# each other printable character (all ASCII punctuation for BERT) a token of its own. Measured
# over the development questions it saves about 0.05 ms a question (~8% of the Python time outside
# the model run); a test compares the two roads on random ASCII text.
_ASCII_CLEAN = {cp: None for cp in (*range(32), 127)} | {ord("\t"): " ", ord("\n"): " ", ord("\r"): " "}
_ASCII_TOKEN = re.compile(r"[a-z0-9]+|[^a-z0-9 ]")


def basic_tokens(text: str) -> list[str]:
    """``text`` normalised and split into words and punctuation marks, BERT-style."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text.translate(_ASCII_CLEAN).lower())
    return unicode_tokens(text)


def unicode_tokens(text: str) -> list[str]:
    """:func:`basic_tokens` for any text: every step as BERT's normaliser and pre-tokenizer take it."""
    text = unicodedata.normalize("NFD", _clean(text).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    tokens: list[str] = []
    for word in text.split():
        start = 0
        for i, ch in enumerate(word):
            if _is_punctuation(ch):
                if start < i:
                    tokens.append(word[start:i])
                tokens.append(ch)
                start = i + 1
        if start < len(word):
            tokens.append(word[start:])
    return tokens


class WordPiece:
    """Text -> token ids for a BERT uncased vocabulary."""

    def __init__(self, vocab_path: Path = VOCAB_PATH):
        lines = vocab_path.read_text(encoding="utf-8").split("\n")
        self.vocab = {token: i for i, token in enumerate(lines) if token}
        self.cls, self.sep, self.unk = self.vocab["[CLS]"], self.vocab["[SEP]"], self.vocab["[UNK]"]
        self._word = lru_cache(maxsize=8192)(self._pieces)

    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        vocab, ids, start = self.vocab, [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = vocab.get(piece)
                if found is not None:
                    ids.append(found)
                    break
                end -= 1
            else:
                return (self.unk,)
            start = end
        return tuple(ids)

    def encode(self, text: str, max_length: int = 256) -> list[int]:
        """``[CLS] pieces… [SEP]``, cut to ``max_length`` ids in all."""
        ids = [self.cls]
        for word in basic_tokens(text):
            ids.extend(self._word(word))
            if len(ids) >= max_length - 1:
                break
        return ids[: max_length - 1] + [self.sep]
