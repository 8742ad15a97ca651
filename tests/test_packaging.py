"""Packaging: every package is listed in pyproject, and the build ships the catalog as bot.catalog_data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _setuptools_config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["setuptools"]


def _package_dirs() -> list[str]:
    """Dotted names of every directory under bot/ holding Python files."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if "__pycache__" not in path.parts:
            found.append(".".join(path.parent.relative_to(ROOT).parts))
    return sorted(set(found))


def test_every_package_is_listed_in_pyproject():
    """A package missing from [tool.setuptools] packages would be left out of the wheel."""
    listed = set(_setuptools_config()["packages"])
    assert [name for name in _package_dirs() if name not in listed] == []


def test_catalog_ships_as_bot_catalog_data():
    """pyproject maps bot.catalog_data to catalog/ and includes its YAML files."""
    config = _setuptools_config()
    assert "bot.catalog_data" in config["packages"]
    assert config["package-dir"]["bot.catalog_data"] == "catalog"
    assert set(config["package-data"]["bot.catalog_data"]) >= {"*.yaml", "resources/*.yaml"}


@pytest.fixture(scope="module")
def built_lib(tmp_path_factory) -> Path:
    """Run setuptools' build_py (the step that decides what the wheel contains) on a copy of the repo."""
    base = tmp_path_factory.mktemp("build")
    source = base / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("bot", "catalog", "tests/data"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    lib = base / "lib"
    done = subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py", "--build-lib", str(lib)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return lib


def test_build_contains_catalog_and_every_module(built_lib: Path):
    """The built tree has bot/catalog_data/tags.yaml, every resource file and every module."""
    assert (built_lib / "bot" / "catalog_data" / "tags.yaml").is_file()
    shipped = sorted(p.name for p in (built_lib / "bot" / "catalog_data" / "resources").glob("*.yaml"))
    assert shipped == sorted(p.name for p in (ROOT / "catalog" / "resources").glob("*.yaml"))
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py") if "__pycache__" not in p.parts}
    built = {p.relative_to(built_lib).as_posix() for p in (built_lib / "bot").rglob("*.py")}
    assert sorted(modules - built) == []


def test_installed_copy_finds_its_catalog_from_any_directory(built_lib: Path, tmp_path: Path):
    """Run from the built tree (as after `pip install .`), the shipped catalog is found and checks clean."""
    env = {k: v for k, v in os.environ.items() if k != "VIZBOT_CATALOG"}
    env["PYTHONPATH"] = str(built_lib)
    where = subprocess.run(
        [sys.executable, "-c", "from bot.core.catalog import default_catalog_dir as d; print(d())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert where.stdout.strip() == str(built_lib / "bot" / "catalog_data"), where.stderr
    check = subprocess.run(
        [sys.executable, "-m", "bot", "catalog", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr


def test_build_ships_the_development_questions_and_never_the_blind_sets(built_lib: Path):
    """bot/bench_data has the development sets (for `python -m bot.bench` from a wheel) and nothing blind."""
    from bot.bench.datasets import DEVELOPMENT_SETS

    shipped = {
        p.relative_to(built_lib / "bot" / "bench_data").as_posix()
        for p in (built_lib / "bot" / "bench_data").rglob("*.yaml")
    }
    assert shipped == set(DEVELOPMENT_SETS) and "dev_learners2.yaml" in shipped
    assert not any("blind" in name for name in shipped)


def test_build_ships_the_refusal_model(built_lib: Path):
    """The refusal model the engine loads is in the build, and it loads from there."""
    from bot.core.refusal import load_model

    path = built_lib / "bot" / "core" / "data" / "refusal.json"
    assert path.is_file() and load_model(path).threshold > 0


def test_build_ships_the_embedding_model(built_lib: Path):
    """The int8 embedding model is in the build, with the size the embedder pins."""
    from bot.core.embedder import MODEL_FILE, MODEL_SIZE

    path = built_lib / "bot" / "core" / "data" / MODEL_FILE.name
    assert path.is_file() and path.stat().st_size == MODEL_SIZE


@pytest.mark.parametrize(
    "argv",
    [
        [
            "bot.bench",
            "--sizes",
            "300",
            "--generator",
            "zipf",
            "--queries",
            "20",
            "--no-baseline",
            "--no-semantic",
            "--repeat",
            "1",
        ],
        ["bot.bench.feedback", "--votes", "20", "--seeds", "1", "--users", "5", "--troll-users", "5", "--json"],
    ],
)
def test_benchmarks_run_from_an_installed_copy(built_lib: Path, tmp_path: Path, argv: list[str]):
    """From the built tree (no checkout around it), both benchmarks run on the shipped development questions."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIZBOT_")}
    env["PYTHONPATH"] = str(built_lib)
    done = subprocess.run(
        [sys.executable, "-m", *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    if argv[0] == "bot.bench":
        assert "queries.yaml" in done.stdout and "hit@3" in done.stdout
    else:
        assert json.loads(done.stdout)["ok"] is True
