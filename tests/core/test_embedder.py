"""The embedding model: checked before use, cached on disk, and refused with one clear reason."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.core import embedder as embedder_module
from bot.core.embedder import (
    MODEL_SIZE,
    QUERY_TOKENS,
    EmbeddingCache,
    SemanticUnavailable,
    default_model_path,
    load_embedder,
)


@pytest.fixture(scope="module")
def model() -> Path:
    """The installed model file."""
    return default_model_path()


def test_paraphrase_is_closer_than_an_unrelated_text(tmp_path: Path) -> None:
    """Vectors are unit length and a paraphrase scores above an unrelated sentence."""
    emb = load_embedder(cache_dir=tmp_path)
    question = emb.query("how does a network learn which weights caused the error")
    docs = emb.documents(
        [
            "Backpropagation runs the chain rule backwards to get each weight's gradient.",
            "A recipe for sourdough bread.",
        ]
    )
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-4)
    assert float(docs[0] @ question) > float(docs[1] @ question) + 0.2


@pytest.mark.parametrize(
    ("damage", "reason"),
    [("missing", "cannot read"), ("truncated", "bytes, expected"), ("altered", "sha256")],
)
def test_a_damaged_model_is_refused_with_the_reason(model: Path, tmp_path: Path, damage: str, reason: str) -> None:
    """A missing, truncated or altered file raises SemanticUnavailable naming what is wrong."""
    bad = tmp_path / "model.onnx"
    if damage == "truncated":
        bad.write_bytes(model.read_bytes()[: MODEL_SIZE // 2])
    elif damage == "altered":
        data = bytearray(model.read_bytes())
        data[MODEL_SIZE // 2] ^= 0xFF
        bad.write_bytes(bytes(data))
    with pytest.raises(SemanticUnavailable, match=reason):
        load_embedder(bad)


def test_vectors_come_from_the_cache_and_a_changed_text_is_embedded_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second process (a new embedder) reads the disk cache; only the new text runs the model."""
    texts = ["Convolution slides a kernel over an image.", "Attention weighs every token against the others."]
    first = load_embedder(cache_dir=tmp_path).documents(texts)
    fresh = load_embedder(cache_dir=tmp_path)
    runs: list[int] = []
    real_run = fresh._run
    monkeypatch.setattr(fresh, "_run", lambda batch: runs.append(len(batch)) or real_run(batch))
    again = fresh.documents(texts + ["A brand new entry about t-SNE."])
    assert runs == [1]
    assert np.allclose(again[:2], first, atol=1e-6)


def test_an_unreadable_cache_is_ignored_and_rewritten(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Garbage in the cache file costs a re-embedding and a warning, never an error."""
    cache = EmbeddingCache(tmp_path)
    cache.path.write_bytes(b"not an npz file")
    with caplog.at_level(logging.WARNING):
        vecs = load_embedder(cache_dir=tmp_path).documents(["Decision trees split the data."])
    assert vecs.shape == (1, 384)
    assert "unreadable embedding cache" in caplog.text
    assert len(EmbeddingCache(tmp_path).load()) == 1


def test_the_cache_file_is_readable_by_others(tmp_path: Path) -> None:
    """Written with mode 0644, so a catalog's shipped vectors work for every user."""
    load_embedder(cache_dir=tmp_path).documents(["Gradient descent walks downhill."])
    assert EmbeddingCache(tmp_path).path.stat().st_mode & 0o777 == 0o644


def test_the_default_model_ships_in_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The default model is bot/core/data's file; when it is missing, the reason names its path."""
    assert default_model_path() == embedder_module.MODEL_FILE
    assert default_model_path().parent == Path(embedder_module.__file__).resolve().parent / "data"
    gone = tmp_path / "gone.onnx"
    monkeypatch.setattr(embedder_module, "MODEL_FILE", gone)
    with pytest.raises(SemanticUnavailable, match=f"cannot read the embedding model {gone}"):
        load_embedder()


def test_the_shipped_catalog_ships_its_vectors(tmp_path: Path) -> None:
    """catalog/embeddings/ holds a vector for every shipped resource (run `vizbot catalog embed` after editing)."""
    from bot.core.catalog import default_catalog_dir, load_catalog
    from bot.core.embedder import text_key
    from bot.core.semantic import resource_text

    directory = default_catalog_dir()
    catalog = load_catalog(directory)
    shipped = EmbeddingCache.shipped_with(directory)
    assert shipped is not None
    stored = shipped.load()
    stale = [r.id for r in catalog.resources if text_key(resource_text(r, catalog)) not in stored]
    assert stale == [], "run: vizbot catalog embed"
    assert len(stored) == len(catalog.resources)
    shutil.copy(shipped.path, tmp_path / "copy.npz")  # a plain file, readable without vizbot
    with np.load(tmp_path / "copy.npz") as data:
        assert data["vectors"].shape == (len(catalog.resources), 384)


def test_a_long_first_embedding_shows_progress_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hundreds of texts to embed draw a progress bar on standard error when it is a terminal, not otherwise."""
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    texts = [f"resource number {i} about topic {i % 7}" for i in range(embedder_module.LONG_RUN)]
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    load_embedder(cache_dir=tmp_path / "a").documents(texts)
    assert "embedding:" in screen.getvalue() and f"0/{len(texts)}" in screen.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    load_embedder(cache_dir=tmp_path / "b").documents(texts)
    assert pipe.getvalue() == ""


def test_tokens_counts_what_the_model_runs_on() -> None:
    """A question's token count includes [CLS] and [SEP] and stops at the query cap."""
    embedder = load_embedder()
    assert embedder.tokens("hello") == 3
    assert embedder.tokens("word " * 500) == QUERY_TOKENS


@pytest.mark.parametrize(("query_cache", "runs"), [(0, 3), (256, 2)])
def test_a_question_is_not_embedded_twice_in_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query_cache: int, runs: int
) -> None:
    """Without the question cache (benchmarks) the last question's vector is still reused; with it, every one is."""
    embedder = load_embedder(cache_dir=tmp_path, query_cache=query_cache)
    seen: list[int] = []
    real = embedder._run
    monkeypatch.setattr(embedder, "_run", lambda tokens: (seen.append(len(tokens)), real(tokens))[1])
    first = embedder.query("how do convolutions work")
    assert np.array_equal(embedder.query("how do convolutions work"), first)
    embedder.query("what is attention")
    embedder.query("how do convolutions work")
    assert len(seen) == runs
