"""Every catalog command names the catalog it read, and warns inside a checkout whose catalog/ differs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.catalog import default_catalog_dir

PYPROJECT = '[project]\nname = "vizbot"\nversion = "0"\n'
WARNING = "vizbot: warning: reading the catalog installed with vizbot"


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh clone's layout (pyproject.toml naming vizbot, catalog/) holding a copy of the shipped
    catalog, as the working directory."""
    root = tmp_path / "clone"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    shutil.copytree(default_catalog_dir(), root / "catalog", ignore=shutil.ignore_patterns("embeddings"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("VIZBOT_DB", str(tmp_path / "vizbot.db"))
    return root


def _add_entry(root: Path) -> None:
    (root / "catalog" / "resources" / "zz-new.yaml").write_text(
        "- id: brand-new-entry\n  title: A brand new pooling demo\n  url: https://example.org/brand-new\n"
        "  description: Drag a window over a grid and watch max pooling keep the largest value.\n"
        "  tags: [cnn, convolution]\n  kind: interactive\n  level: beginner\n",
        encoding="utf-8",
    )


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["catalog", "check"],
        ["catalog", "export", "--json"],
        ["tags"],
        ["tag", "cnn"],
        ["ask", "how do convolutions work", "--no-log"],
    ],
    ids=" ".join,
)
def test_a_differing_checkout_catalog_is_pointed_out(
    checkout: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Run inside a checkout whose catalog/ was edited, a command reading the installed catalog says so
    and how to read the checkout's instead."""
    _add_entry(checkout)
    code, _, err = _run(capsys, *argv)
    assert code == 0
    assert WARNING in err and f"{default_catalog_dir()}" in err
    assert "add --catalog catalog" in err


def test_the_hint_reads_the_checkouts_catalog(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Following the hint checks the edited catalog: one more resource, and no warning."""
    code, out, _ = _run(capsys, "catalog", "check")
    shipped, tags, gaps = int(out.split()[0]), int(out.split()[2]), int(out.split()[4])
    _add_entry(checkout)
    code, out, err = _run(capsys, "catalog", "check", "--catalog", "catalog")
    assert code == 0 and WARNING not in err
    assert out == f"{shipped + 1} resources, {tags} tags, {gaps} known gaps (0 warnings) in catalog\n"


def test_an_identical_checkout_catalog_is_not_pointed_out(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No warning when the checkout's catalog is the same as the one read."""
    code, _, err = _run(capsys, "catalog", "check")
    assert code == 0 and WARNING not in err


def test_a_subdirectory_of_the_checkout_counts(
    checkout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checkout is found from a folder inside it, and the hint gives the path from there."""
    _add_entry(checkout)
    (checkout / "docs").mkdir()
    monkeypatch.chdir(checkout / "docs")
    err = _run(capsys, "catalog", "check")[2]
    assert WARNING in err and "add --catalog ../catalog" in err


def test_a_named_catalog_is_never_second_guessed(
    checkout: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--catalog or VIZBOT_CATALOG is the user's choice: no warning."""
    _add_entry(checkout)
    assert WARNING not in _run(capsys, "catalog", "check", str(default_catalog_dir()))[2]
    monkeypatch.setenv("VIZBOT_CATALOG", str(default_catalog_dir()))
    assert WARNING not in _run(capsys, "tags")[2]


def test_other_projects_are_not_checkouts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder with a catalog/ but another project's pyproject.toml is left alone."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "tags.yaml").write_text("x: {}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert WARNING not in _run(capsys, "catalog", "check")[2]


@pytest.mark.parametrize(
    ("argv", "key"),
    [
        (["ask", "how do convolutions work", "--no-log", "--json"], "catalog"),
        (["tags", "--json"], "catalog"),
        (["tag", "cnn", "--json"], "catalog"),
        (["catalog", "check", "--json"], "catalog"),
    ],
    ids=" ".join,
)
def test_json_names_the_catalog_read(
    argv: list[str],
    key: str,
    capsys: pytest.CaptureFixture[str],
    valid_catalog_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every --json document of a command that reads the catalog names the directory it read."""
    monkeypatch.setenv("VIZBOT_DB", str(tmp_path / "vizbot.db"))
    code, out, _ = _run(capsys, *argv, "--catalog", str(valid_catalog_dir))
    assert code == 0 and json.loads(out)[key] == str(valid_catalog_dir)


@pytest.mark.parametrize(
    ("argv", "stream", "line"),
    [
        (["catalog", "check"], "out", "3 resources, 2 tags, 0 known gaps (0 warnings) in {dir}\n"),
        (["catalog", "export"], "err", "3 resources from {dir}\n"),
        (["tags"], "err", "2 tags, 3 resources (catalog {dir})\n"),
    ],
    ids=" ".join,
)
def test_text_summary_names_the_catalog_read(
    argv: list[str],
    stream: str,
    line: str,
    capsys: pytest.CaptureFixture[str],
    valid_catalog_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The summary line of a catalog command names the directory it read."""
    monkeypatch.setenv("VIZBOT_DB", str(tmp_path / "vizbot.db"))
    code, out, err = _run(capsys, *argv, "--catalog", str(valid_catalog_dir))
    assert code == 0 and (out if stream == "out" else err).endswith(line.format(dir=valid_catalog_dir))


@pytest.mark.parametrize("edit", ["remove", "change"])
def test_an_edited_gaps_file_counts_as_a_differing_catalog(
    checkout: Path, edit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Known gaps are part of the catalog: removing or editing gaps.yaml in the checkout is pointed out too."""
    gaps = checkout / "catalog" / "gaps.yaml"
    if edit == "remove":
        gaps.unlink()
    else:
        gaps.write_text(gaps.read_text(encoding="utf-8") + "\nbrand-new-gap:\n  title: Brand new gap\n  aliases: []\n")
    code, _, err = _run(capsys, "ask", "how do convolutions work", "--no-log")
    assert code == 0 and WARNING in err
