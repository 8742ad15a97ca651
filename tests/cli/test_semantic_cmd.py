"""Hybrid search from the command line: on by default, off on request, lexical when the model is broken."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.cli.main import main
from bot.core import embedder as embedder_module

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURE = DATA / "catalogs" / "search_fixture"
DESCRIBED = "the thing where you slide a small grid over a picture to blur it or find edges"


def ask_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[dict, str]:
    assert main(["ask", *argv, "--json", "--no-log"]) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_default_is_hybrid_and_explains_meaning(capsys: pytest.CaptureFixture[str]) -> None:
    """With no setting, a question answered partly by meaning says 'close in meaning to'."""
    data, err = ask_json(
        capsys, "models that start from pure noise and clean it up a little at each step until a picture appears"
    )
    assert data["results"] and any("close in meaning to:" in r["why"] for r in data["results"])
    assert "semantic search is off" not in err


def test_semantic_off_answers_by_words_alone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """VIZBOT_SEMANTIC=off never loads the model: no result is explained by meaning."""
    monkeypatch.setenv("VIZBOT_SEMANTIC", "off")
    monkeypatch.setattr(embedder_module, "load_embedder", lambda *a, **k: pytest.fail("model loaded"))
    data, _ = ask_json(capsys, DESCRIBED)
    assert all("close in meaning" not in r["why"] for r in data["results"])


def test_a_broken_model_warns_once_and_answers_lexically(tmp_path: Path) -> None:
    """A truncated model file (VIZBOT_MODEL): one warning on standard error naming the problem, answers still come."""
    bad = tmp_path / "model.onnx"
    bad.write_bytes(embedder_module.default_model_path().read_bytes()[:1000])
    env = {**os.environ, "VIZBOT_MODEL": str(bad)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "bh", "--json", "--no-log", "--catalog", str(FIXTURE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0
    assert [r["id"] for r in json.loads(done.stdout)["results"]][:1] == ["black-hole-visualizer"]
    assert done.stderr.count("semantic search is off") == 1 and "bytes, expected" in done.stderr


def test_bad_semantic_setting_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """VIZBOT_SEMANTIC=maybe exits 2 with the variable named."""
    monkeypatch.setenv("VIZBOT_SEMANTIC", "maybe")
    assert main(["ask", "cnn", "--no-log"]) == 2
    assert "VIZBOT_SEMANTIC" in capsys.readouterr().err


def test_catalog_embed_writes_vectors_the_engine_reads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`vizbot catalog embed DIR --json` writes DIR/embeddings/MODEL.npz with one vector per resource."""
    catalog = tmp_path / "catalog"
    shutil.copytree(FIXTURE, catalog)
    assert main(["catalog", "embed", str(catalog), "--json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["resources"] > 0 and Path(report["file"]).parent == catalog / "embeddings"
    with np.load(report["file"]) as stored:
        assert stored["vectors"].shape == (report["resources"], 384)
    assert main(["catalog", "check", str(catalog)]) == 0


def test_eval_reports_per_kind_and_the_refusal_trade_off(capsys: pytest.CaptureFixture[str]) -> None:
    """Text output has the trade-off line and a row per kind; --summary lists no failing question."""
    assert (
        main(
            [
                "eval",
                str(DATA / "heldout" / "music_queries.yaml"),
                "--catalog",
                str(DATA / "heldout" / "music"),
                "--summary",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "refusal trade-off" in out and "by kind of question" in out
    assert "(not listed: --summary)" in out and "    got:" not in out
    assert (
        main(
            [
                "eval",
                str(DATA / "heldout" / "music_queries.yaml"),
                "--catalog",
                str(DATA / "heldout" / "music"),
                "--json",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data["by_type"]) >= {"typo", "unanswerable"}
    assert set(data["by_type"]["typo"]) == {k for k in data if k not in ("by_type", "failures", "catalog")}
    assert data["catalog"] == str(DATA / "heldout" / "music")


@pytest.mark.parametrize("threads", ["0", "-1", "5", "1000", "two"])
def test_catalog_embed_threads_outside_the_processors_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, threads: str
) -> None:
    """--threads is from 1 to the number of processors (4 here): anything else exits 2 before loading the model."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    catalog = tmp_path / "catalog"
    shutil.copytree(FIXTURE, catalog)
    with pytest.raises(SystemExit) as exited:
        main(["catalog", "embed", str(catalog), "--threads", threads])
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and "--threads" in err
    assert ("must be from 1 to 4" in err) or ("not a whole number" in err and threads == "two")
    assert not (catalog / "embeddings").exists()


def test_catalog_embed_help_states_the_threads_range(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help names the range and this machine's processor count."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    with pytest.raises(SystemExit):
        main(["catalog", "embed", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "from 1 to the number of processors (3 here; default 2)" in help_text
