"""Questions in Chinese, Japanese and Korean: tag aliases found inside unspaced text, end to end."""

from __future__ import annotations


import numpy as np
import pytest

from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.search import SearchEngine
from bot.core.segment import Segmenter


@pytest.fixture(scope="module")
def hybrid(shipped: SearchEngine) -> SearchEngine:
    """The shipped catalog, searched as vizbot ships (tests/core/conftest.py)."""
    return shipped


@pytest.fixture(scope="module")
def lexical() -> SearchEngine:
    """The shipped catalog, by words alone."""
    return SearchEngine(load_catalog(default_catalog_dir()))


@pytest.fixture(params=["hybrid", "lexical"])
def engine(request: pytest.FixtureRequest) -> SearchEngine:
    """Each engine in turn."""
    return request.getfixturevalue(request.param)


def _top_tags(engine: SearchEngine, question: str, n: int = 3) -> list[tuple[str, ...]]:
    return [r.resource.tags for r in engine.search(question, limit=n).results]


SCRIPTS = [  # (question, the tag its answers carry)
    ("卷积神经网络是什么", "cnn"),  # Simplified Chinese
    ("卷積神經網路是什麼？", "cnn"),  # Traditional Chinese
    ("畳み込みニューラルネットワークとは何ですか", "cnn"),  # Japanese
    ("합성곱 신경망이 뭐야?", "cnn"),  # Korean, a particle attached
    ("합성곱신경망이란?", "cnn"),  # Korean written together
    ("反向传播算法的直观解释", "backpropagation"),
    ("誤差逆伝播法をわかりやすく説明して", "backpropagation"),
    ("역전파 알고리즘을 쉽게 설명해줘", "backpropagation"),
    ("CNN是什么", "cnn"),  # mixed scripts
    ("什么是attention机制", "attention"),
    ("t-SNEのperplexityって何を変えるパラメータですか？", "dimensionality-reduction"),
    ("ROC 곡선이랑 AUC가 뭔지 쉽게 설명해 주실 분?", "model-evaluation"),
]


@pytest.mark.parametrize(("question", "tag"), SCRIPTS)
def test_each_script_is_answered_with_the_tags_resources(engine: SearchEngine, question: str, tag: str) -> None:
    """A question naming a tag in Chinese, Japanese or Korean gets that tag's resources first."""
    tops = _top_tags(engine, question)
    assert tops, "refused"
    assert all(tag in tags for tags in tops)


ANSWERABLE = [  # own CJK questions (not in any development set): (question, tag)
    ("什么是梯度下降？学习率怎么选", "gradient-descent"),
    ("过拟合怎么避免，正则化有什么用", "regularization"),
    ("自注意力机制是怎么计算的", "attention"),
    ("想直观理解主成分分析和降维", "dimensionality-reduction"),
    ("循環神經網路和長短期記憶有什麼差別？", "rnn"),
    ("決策樹和隨機森林的視覺化教學", "decision-trees"),
    ("強化学習の入門におすすめの教材はありますか", "reinforcement-learning"),
    ("活性化関数のReLUとシグモイドの違いは？", "activation-functions"),
    ("트랜스포머의 위치 인코딩이 궁금해요", "transformers"),
    ("확산 모델은 어떻게 이미지를 만드나요?", "diffusion"),
]
UNANSWERABLE = [  # own CJK questions on what the catalog lacks
    "量子计算机是怎么工作的？",
    "今天北京的天气怎么样",
    "红烧肉的做法",
    "東京から大阪まで新幹線でいくらかかりますか",
    "おすすめのラーメン屋を教えてください",
    "주식 투자는 어떻게 시작하나요?",
    "김치찌개 맛있게 끓이는 법",
    "區塊鏈的原理是什麼",
    "パスポートの更新に必要な書類は？",
    "축구 경기 규칙을 알려줘",
]


@pytest.mark.parametrize(("question", "tag"), ANSWERABLE)
def test_own_answerable_questions(hybrid: SearchEngine, question: str, tag: str) -> None:
    """The first answer to each carries the tag the question names."""
    tops = _top_tags(hybrid, question, 1)
    assert tops and tag in tops[0]


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_own_unanswerable_questions_are_refused(engine: SearchEngine, question: str) -> None:
    """A question in these scripts on something the catalog lacks is still refused."""
    assert engine.search(question).results == ()


@pytest.mark.parametrize(
    ("question", "shown"),
    [
        ("卷积神经网络是什么", '"卷积神经网络": tag cnn (alias)'),
        ("합성곱 신경망이 뭐야?", '"합성곱 신경망": tag cnn (alias)'),
    ],
)
def test_why_shows_the_term_as_found(engine: SearchEngine, question: str, shown: str) -> None:
    """The explanation quotes the term found in the question (without its particle), and its tag."""
    assert engine.search(question).results[0].why.startswith(shown)


@pytest.mark.parametrize(
    ("question", "embedded"),
    [
        ("卷积神经网络是什么", "Convolutional neural networks"),
        ("합성곱 신경망이 뭐야?", "Convolutional neural networks"),
        ("有没有直观解释 PCA 主成分分析的互动网页？", "pca Dimensionality reduction"),
        ("정밀도랑 재현율 차이를 눈으로 보면서 이해하고 싶어요", "Model evaluation"),  # one tag: its title once
        ("活性化関数のReLUとシグモイドの違いは？", "Activation functions relu"),
    ],
)
def test_the_model_reads_the_named_tags_in_english(
    hybrid: SearchEngine, monkeypatch: pytest.MonkeyPatch, question: str, embedded: str
) -> None:
    """The embedding model (English only) is given the named tags' titles and the known Latin words,
    not the unspaced text it cannot read."""
    assert hybrid.semantic is not None
    seen: list[str] = []
    real = hybrid.semantic.cosines

    def recorded(text: str) -> np.ndarray:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(hybrid.semantic, "cosines", recorded)
    hybrid.search(question)
    assert seen == [embedded]


ENGLISH = [
    "what is a convolutional neural network",
    "backprop intuition pls",
    "t-sne vs umap",
    "explain transfomers visually",
    "best recipe for sourdough bread",
    "qu'est-ce que la rétropropagation",
    "что такое свёрточная нейронная сеть",
]


@pytest.mark.parametrize("question", ENGLISH)
def test_other_questions_read_as_without_segmentation(engine: SearchEngine, question: str) -> None:
    """A question without Chinese, Japanese or Korean reads and ranks as if segmentation did not exist."""
    reader = engine.lexical.reader
    with_it = engine.search(question, limit=10)
    analysed = reader.analyse(question)
    segmenter = reader._segmenter
    try:
        reader._segmenter = Segmenter([])
        without = engine.search(question, limit=10)
        assert reader.analyse(question) == analysed
    finally:
        reader._segmenter = segmenter
    assert [(r.resource.id, r.why) for r in with_it.results] == [(r.resource.id, r.why) for r in without.results]
    assert analysed.cjk_words == []
