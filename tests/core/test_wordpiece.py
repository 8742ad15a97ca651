"""The plain-Python WordPiece tokenizer gives the reference tokenizer's ids."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.wordpiece import WordPiece, basic_tokens, unicode_tokens

# Ids produced by Hugging Face `tokenizers` from all-MiniLM-L6-v2's tokenizer.json (no padding, no truncation).
REFERENCE = [
    ("How do CNNs work?", [101, 2129, 2079, 13229, 2015, 2147, 1029, 102]),
    (
        "¿alguien tiene una visualización de backpropagation?",
        [
            101,
            1094,
            2632,
            25698,
            2368,
            5495,
            2638,
            14477,
            5107,
            21335,
            10446,
            2139,
            2067,
            21572,
            4502,
            12540,
            1029,
            102,
        ],
    ),
    (
        "naïve café 東京 — émoji 🤖 \u202e rtl",
        [101, 15743, 7668, 1879, 1755, 1517, 7861, 29147, 2072, 100, 19387, 2140, 102],
    ),
    ("t-SNE vs. UMAP!!", [101, 1056, 1011, 1055, 2638, 5443, 1012, 8529, 9331, 999, 999, 102]),
    ("x\x00y\u200bz", [101, 1060, 2100, 2480, 102]),
    (
        "ResNet's skip-connections; O(n^2)",
        [101, 24501, 7159, 1005, 1055, 13558, 1011, 7264, 1025, 1051, 1006, 1050, 1034, 1016, 1007, 102],
    ),
]


@pytest.fixture(scope="module")
def tokenizer() -> WordPiece:
    """The shipped vocabulary."""
    return WordPiece()


@pytest.mark.parametrize(("text", "ids"), REFERENCE, ids=[t[:20] for t, _ in REFERENCE])
def test_ids_match_the_reference_tokenizer(tokenizer: WordPiece, text: str, ids: list[int]) -> None:
    """Accents, CJK, emoji, punctuation, control and format characters as BERT handles them."""
    assert tokenizer.encode(text, 512) == ids


def test_long_text_is_cut_and_still_closed(tokenizer: WordPiece) -> None:
    """A 10,000-character question becomes at most max_length ids, ending in [SEP]."""
    ids = tokenizer.encode("convolution " * 1000, 64)
    assert len(ids) == 64 and ids[0] == tokenizer.cls and ids[-1] == tokenizer.sep


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", []), ("   \t\n", []), ("Hello, World!", ["hello", ",", "world", "!"]), ("a" * 150, ["a" * 150])],
)
def test_basic_tokens(text: str, expected: list[str]) -> None:
    """White space and punctuation split; nothing else is dropped before WordPiece."""
    assert basic_tokens(text) == expected


def test_overlong_word_is_unknown(tokenizer: WordPiece) -> None:
    """A word over 100 characters is one [UNK], as in BERT."""
    assert tokenizer.encode("a" * 150, 16) == [tokenizer.cls, tokenizer.unk, tokenizer.sep]


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
@settings(max_examples=500, deadline=None)
def test_ascii_road_gives_the_same_tokens_as_the_unicode_one(text: str) -> None:
    """The shortcut for ASCII text splits every ASCII string exactly as the general steps do."""
    assert basic_tokens(text) == unicode_tokens(text)
