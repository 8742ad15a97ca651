"""Words inside text written without spaces: Chinese and Japanese runs of Han and kana, and
Korean words with a particle attached ("신경망이").

:func:`bot.core.text.words` splits text at spaces and punctuation, so "卷积神经网络是什么" is one
word. A :class:`Segmenter` finds the catalog's own terms inside such a word: its vocabulary is
every word of a tag phrase (slug, title, alias) or of a known gap's name written in these scripts,
handed in by the question reader. Nothing here names a topic; the particles below are Korean
grammar (like the stop words of :mod:`bot.core.text`).
"""

from __future__ import annotations

import re
from typing import Iterable

# Han ideographs (with extension A and the compatibility block), hiragana and katakana: Chinese
# and Japanese, written without spaces between words.
_HAN_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_CJK = re.compile(_HAN_KANA.pattern[:-1] + _HANGUL.pattern[1:])
_ALL_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+")

# Korean particles and copula endings that attach to a noun ("신경망이", "곡선이랑", "합성곱이란").
PARTICLES: frozenset[str] = frozenset(
    """
    은 는 이 가 을 를 의 에 로 으로 와 과 도 만 랑 이랑 하고 나 이나 란 이란 라는 이라는 라고 이라고
    에서 에게 한테 께 보다 부터 까지 처럼 이나 든 이든 에는 에서는 으로는 로는 에도 으로도 로도 과는 와는
    요 야 이야 예요 이에요 인가요 가요 죠 이죠 은요 는요 도요 에요 인데 인지 란게 이란게 이랑은 랑은
    """.split()
)
MIN_TERM = 2  # a single character is never read as a term on its own (图, 网)


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a Han, kana or hangul character."""
    return _CJK.search(text) is not None


class Segmenter:
    """Splits one normalised word of Han/kana or hangul into the vocabulary's terms and the rest."""

    def __init__(self, vocabulary: Iterable[str]):
        self._terms = frozenset(w for w in vocabulary if len(w) >= MIN_TERM and not w.isascii() and has_cjk(w))
        self._longest = max(map(len, self._terms), default=0)

    def __bool__(self) -> bool:
        return bool(self._terms)

    def split(self, word: str) -> list[str]:
        """``word`` as terms and the words between them. In Han and kana, greedy longest match
        (what lies between two terms is one unknown word); a hangul word that is a term, or terms
        followed by a particle, is those terms. Any other word comes back whole."""
        if word in self._terms or not has_cjk(word):
            return [word]
        if _ALL_HANGUL.fullmatch(word):
            return self._hangul(word)
        return self._han_kana(word)

    def _longest_at(self, word: str, start: int) -> int:
        """Length of the longest term starting at ``start`` (0: none)."""
        for length in range(min(self._longest, len(word) - start), MIN_TERM - 1, -1):
            if word[start : start + length] in self._terms:
                return length
        return 0

    def _han_kana(self, word: str) -> list[str]:
        out: list[str] = []
        rest = 0  # start of the characters not yet part of a term
        i = 0
        while i < len(word):
            length = self._longest_at(word, i)
            if length:
                if rest < i:
                    out.append(word[rest:i])
                out.append(word[i : i + length])
                i = rest = i + length
            else:
                i += 1
        if not out:
            return [word]
        if rest < len(word):
            out.append(word[rest:])
        return out

    def _hangul(self, word: str) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(word):
            length = self._longest_at(word, i)
            if not length:
                return out if out and word[i:] in PARTICLES else [word]
            out.append(word[i : i + length])
            i += length
        return out
