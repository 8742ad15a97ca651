"""The one normaliser: normalise, tokenize, stem, stop words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.text import STOP_WORDS, americanise, is_stop, normalise, stem, stems, tokenize, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Convolution", "convolution"),
        ("  many   spaces\there ", "many spaces here"),
        ("café naïve", "cafe naive"),
        ("Z̷͙a̴l̵g̶o̸", "zalgo"),
        ("ﬁlter", "filter"),  # NFKC ligature
        ("ＣＮＮ", "cnn"),  # full-width
        ("a\x00b\x1bc", "a b c"),
        ("\u202eRTL\u202c text", "rtl text"),
        ("STRASSE Straße", "strasse strasse"),
        ("バックプロパゲーションですか", "バックプロパゲーションですか"),  # kana keep their voiced marks
        ("ｶﾞｳｽ", "ガウス"),  # half-width kana
        ("", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    """Casefolds, folds compatibility forms, strips marks and control characters."""
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("t-SNE", ["t", "sne"]),
        ("R-CNN and matrix-multiplication", ["r", "cnn", "and", "matrix", "multiplication"]),
        ("what's up?", ["what", "s", "up"]),
        ("@everyone <@123>", ["everyone", "123"]),
        ("gpt-2, 3x3", ["gpt", "2", "3x3"]),
        ("🎉🎉 ---", []),
    ],
)
def test_tokenize(raw: str, expected: list[str]) -> None:
    """Words split into their hyphen parts; punctuation and emoji dropped."""
    assert tokenize(raw) == expected


def test_words_keeps_hyphen_groups() -> None:
    """A hyphenated word stays one group of parts."""
    assert words("t-sne plots") == [["t", "sne"], ["plots"]]


@pytest.mark.parametrize(
    "group",
    [
        ["convolution", "convolutions", "convolutional"],
        ["visualising", "visualizing", "visualization", "visualisation", "visualize"],
        ["network", "networks"],
        ["optimiser", "optimizer", "optimizers"],
        ["regularisation", "regularization"],
        ["cnn", "cnns", "CNNs".lower()],
        ["llm", "llms"],
    ],
)
def test_inflections_share_a_stem(group: list[str]) -> None:
    """Inflections and British spellings reduce to one stem."""
    assert len({stem(w) for w in group}) == 1
    assert stems(group) == [stem(w) for w in group]


@pytest.mark.parametrize(("word", "expected"), [("visualise", "visualize"), ("noise", "noise"), ("raise", "raise")])
def test_americanise(word: str, expected: str) -> None:
    """Only long -ise words are respelled."""
    assert americanise(word) == expected


@pytest.mark.parametrize("word", ["the", "hey", "thx", "anyone", "good", "visual", "explain", "how", "what", "please"])
def test_generic_filler_is_stop(word: str) -> None:
    """Question words, greetings and filler carry no topic."""
    assert is_stop(word)


@pytest.mark.parametrize(
    "word", ["convolution", "attention", "network", "learning", "gradient", "image", "visualization"]
)
def test_topic_words_are_not_stop(word: str) -> None:
    """Stop words are generic English, never catalog vocabulary."""
    assert word not in STOP_WORDS


@given(st.text(max_size=300))
def test_normalise_is_idempotent(text: str) -> None:
    """Normalising twice changes nothing, and never raises."""
    once = normalise(text)
    assert normalise(once) == once
    assert all(tok == normalise(tok) for tok in tokenize(text))


@pytest.mark.parametrize(
    ("word", "misspelt"),
    [
        ("expalin", True),
        ("thnaks", True),
        ("becuase", True),
        ("explain", False),
        ("kernal", False),
        ("relu", False),
        ("tanh", False),
    ],
)
def test_misspelt_stop_words(word: str, misspelt: bool) -> None:
    """A word one edit (or one swap) from a stop word of five letters or more is that stop word misspelt."""
    from bot.core.text import misspelt_stop

    assert misspelt_stop(word) is misspelt


@pytest.mark.parametrize(
    ("word", "known"), [("taxes", True), ("election", True), ("transfomers", False), ("kernals", False)]
)
def test_english_words(word: str, known: bool) -> None:
    """The embedding model's vocabulary says which words are spelt right."""
    from bot.core.text import english_words

    assert (word in english_words()) is known


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[2J\x1b[Hhow do convolutions work", "how do convolutions work"),  # cursor moves
        ("\x1b]0;pwned\x07what is attention", "what is attention"),  # a window title
        ("\x1b[31mred\x1b[0m text", "red text"),  # colours
        ("backpropagationとは何", "backpropagation とは何"),  # Latin against kana
        ("transformerのattention", "transformer の attention"),
        ("CNN는 뭐야", "cnn 는 뭐야"),  # hangul
        ("naïve café", "naive cafe"),  # accents still folded, no split inside Latin
    ],
)
def test_normalise_drops_terminal_escapes_and_parts_latin_from_cjk(text: str, expected: str) -> None:
    """Escape sequences leave no letters behind, and a Latin word written against CJK or kana stands alone."""
    assert normalise(text) == expected
