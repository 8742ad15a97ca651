"""Segmentation: catalog terms found inside unspaced Chinese and Japanese, and before Korean particles."""

from __future__ import annotations

import pytest

from bot.core.segment import Segmenter, has_cjk

VOCABULARY = [
    "卷积神经网络",
    "卷积",
    "神经网络",
    "主成分分析",
    "ニューラルネットワーク",
    "ニューラルネットワークの図",
    "신경망",
    "합성곱",
    "곡선",
    "图",
    "cnn",
]


@pytest.fixture(scope="module")
def segmenter() -> Segmenter:
    """A segmenter over a small vocabulary (single characters and Latin words are never terms)."""
    return Segmenter(VOCABULARY)


@pytest.mark.parametrize(
    ("word", "pieces"),
    [
        ("卷积神经网络是什么", ["卷积神经网络", "是什么"]),  # the longest term wins over 卷积 and 神经网络
        ("什么是卷积", ["什么是", "卷积"]),
        ("卷积和神经网络的区别", ["卷积", "和", "神经网络", "的区别"]),
        ("有没有主成分分析的网页", ["有没有", "主成分分析", "的网页"]),
        ("ニューラルネットワークとは", ["ニューラルネットワーク", "とは"]),
        ("ニューラルネットワークの図を描く", ["ニューラルネットワークの図", "を描く"]),
        ("今天天气怎么样", ["今天天气怎么样"]),  # no term: the word whole
        ("图像", ["图像"]),  # a single character is not a term
        ("신경망", ["신경망"]),
        ("신경망이", ["신경망"]),  # a particle after a term is dropped
        ("곡선이랑", ["곡선"]),
        ("합성곱이란", ["합성곱"]),
        ("합성곱신경망은", ["합성곱", "신경망"]),
        ("신경망학", ["신경망학"]),  # not a particle: another word
        ("수학여행", ["수학여행"]),
        ("network", ["network"]),
    ],
)
def test_split(segmenter: Segmenter, word: str, pieces: list[str]) -> None:
    """Terms come out whole; the rest of a Han/kana run stays one word; Korean loses only particles."""
    assert segmenter.split(word) == pieces


@pytest.mark.parametrize(
    ("text", "expected"), [("卷积", True), ("とは", True), ("신경망", True), ("свёртка", False), ("cnn", False)]
)
def test_has_cjk(text: str, expected: bool) -> None:
    """Han, kana and hangul count; Cyrillic and Latin do not."""
    assert has_cjk(text) is expected


def test_an_empty_vocabulary_is_false() -> None:
    """A catalog without terms in these scripts gives a segmenter that says so."""
    assert not Segmenter(["cnn", "图"])
    assert Segmenter(["卷积"])
