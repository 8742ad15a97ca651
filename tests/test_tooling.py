"""Lint, format and types: `ruff check`, `ruff format --check` and `mypy`, configured in pyproject.toml, find nothing.

Both come with the `test` extra (`pip install -e '.[test]'`) and run from this interpreter's
environment; a missing tool fails the test (it is never skipped), so CI cannot pass without them.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(tool) is None:
        pytest.fail(f"{tool} is not installed in {sys.prefix}; install the test extra: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_lint_finds_nothing() -> None:
    """`ruff check` (the rules in pyproject.toml) reports no finding in bot/ or tests/."""
    done = _run("ruff", "check", "--no-cache", "--output-format", "concise", "bot", "tests")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All checks passed" in done.stdout


def test_ruff_format_finds_nothing_to_change() -> None:
    """Every file in bot/ and tests/ is as `ruff format` writes it (run `ruff format bot tests` to fix)."""
    done = _run("ruff", "format", "--check", "--no-cache", "bot", "tests")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing() -> None:
    """`mypy` (files and options from pyproject.toml) reports no error in the bot package."""
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
    checked = re.search(r"Success: no issues found in (\d+) source files", done.stdout)
    assert checked is not None, done.stdout
    assert int(checked.group(1)) >= len(list((ROOT / "bot").rglob("*.py"))) - 1  # the whole package was checked


@pytest.mark.parametrize(
    ("tool", "source", "finding"),
    [
        ("ruff", "import os\n", "F401"),
        ("ruff", "def f(x=[]):\n    return x\n", "B006"),
        ("ruff-format", "x = {  'a':1 }\n", "would be reformatted"),
        ("mypy", "def f() -> int:\n    return 'text'\n", "return-value"),
    ],
    ids=["ruff-unused-import", "ruff-bugbear", "ruff-format", "mypy-wrong-return"],
)
def test_the_tools_do_report_findings(tmp_path: Path, tool: str, source: str, finding: str) -> None:
    """With the project's configuration, each tool does fail on a planted error (so the tests above can fail)."""
    planted = tmp_path / "planted.py"
    planted.write_text(source, encoding="utf-8")
    config = str(ROOT / "pyproject.toml")
    if tool == "ruff":
        done = _run("ruff", "check", "--no-cache", "--config", config, str(planted))
    elif tool == "ruff-format":
        done = _run("ruff", "format", "--check", "--no-cache", "--config", config, str(planted))
    else:
        done = _run("mypy", "--config-file", config, "--cache-dir", str(tmp_path / "cache"), str(planted))
    assert done.returncode != 0 and finding in done.stdout, done.stdout + done.stderr
