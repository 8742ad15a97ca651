"""``vizbot catalog check`` and ``vizbot catalog export``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main

EXPORT_KEYS = {"id", "title", "url", "description", "tags", "keywords", "kind", "level"}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No VIZBOT_CATALOG from the caller, and no .env from the working directory."""
    monkeypatch.delenv("VIZBOT_CATALOG", raising=False)
    monkeypatch.chdir(tmp_path)


def run(capsys, *argv):
    code = main(["catalog", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_valid_prints_summary(capsys, valid_catalog_dir):
    """A clean catalog: summary on stdout, nothing on stderr, exit 0."""
    assert run(capsys, "check", str(valid_catalog_dir)) == (
        0,
        f"3 resources, 2 tags, 0 known gaps (0 warnings) in {valid_catalog_dir}\n",
        "",
    )


def test_check_accepts_catalog_option(capsys, valid_catalog_dir):
    """--catalog DIR works like the positional DIR."""
    assert run(capsys, "check", "--catalog", str(valid_catalog_dir))[0] == 0


def test_check_reads_env_variable(capsys, monkeypatch, valid_catalog_dir):
    """VIZBOT_CATALOG names the catalog when no directory is given."""
    monkeypatch.setenv("VIZBOT_CATALOG", str(valid_catalog_dir))
    assert run(capsys, "check")[1] == f"3 resources, 2 tags, 0 known gaps (0 warnings) in {valid_catalog_dir}\n"


def test_check_errors_go_to_stderr_and_exit_1(capsys, catalogs_dir):
    """Each problem is one 'file:line: severity [id] field: message' line on stderr (a catalog outside the
    current directory: absolute paths)."""
    code, out, err = run(capsys, "check", str(catalogs_dir / "duplicate_id"))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{catalogs_dir}/duplicate_id/resources/c-extra.yaml:1: error [image-kernels] id: "
        f"duplicate id, first used at {catalogs_dir}/duplicate_id/resources/a-kernels.yaml:1",
        f"{catalogs_dir / 'duplicate_id'}: 1 error, 0 warnings",
    ]


def test_check_warnings_are_problems_too(capsys, catalogs_dir):
    """A warning is printed and fails the check (exit 1), though the catalog still loads and is summarised."""
    code, out, err = run(capsys, "check", str(catalogs_dir / "unused_tag"))
    assert (code, out) == (1, f"3 resources, 3 tags, 0 known gaps (1 warning) in {catalogs_dir / 'unused_tag'}\n")
    assert err == f"{catalogs_dir}/unused_tag/tags.yaml:9: warning [vision] no resource uses this tag\n"


def test_check_without_line_or_id(capsys, catalogs_dir):
    """A problem with no line or entry leaves those parts out."""
    err = run(capsys, "check", str(catalogs_dir / "no_resources"))[2]
    assert err.splitlines()[0] == f"{catalogs_dir}/no_resources/resources: error no resource files (*.yaml) found"


@pytest.mark.parametrize(
    ("fixture", "code", "loads", "errors", "warnings"),
    [("valid", 0, True, 0, 0), ("unused_tag", 1, True, 0, 1), ("many_problems", 1, False, 5, 0)],
)
def test_check_json_shape(capsys, catalogs_dir, fixture, code, loads, errors, warnings):
    """--json prints one complete document on stdout and nothing on stderr; ok means no problem at all."""
    status, out, err = run(capsys, "check", "--json", str(catalogs_dir / fixture))
    data = json.loads(out)
    assert (status, err) == (code, "")
    assert set(data) == {"catalog", "ok", "loads", "resources", "tags", "gaps", "errors", "warnings", "problems"}
    assert (data["ok"], data["loads"], data["errors"], data["warnings"]) == (code == 0, loads, errors, warnings)
    assert (data["resources"] is None) == (not loads)
    assert len(data["problems"]) == errors + warnings
    for problem in data["problems"]:
        assert set(problem) == {"file", "line", "severity", "id", "field", "message"}


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_check_names_files_that_open_from_the_current_directory(capsys, monkeypatch, catalogs_dir, tmp_path, as_json):
    """Problem files open from where the check ran: relative under the current directory (``c1/resources/...``,
    not relative to the catalog's parent), absolute outside it (``../c1`` given from a sibling directory)."""
    shutil.copytree(catalogs_dir / "duplicate_id", tmp_path / "c1")
    (tmp_path / "sub").mkdir()
    for here, given, prefix in [
        (tmp_path, "c1", "c1/"),
        (tmp_path / "c1", ".", ""),
        (tmp_path / "sub", "../c1", f"{tmp_path}/c1/"),
    ]:
        monkeypatch.chdir(here)
        code, out, err = run(capsys, "check", given, *(["--json"] if as_json else []))
        if as_json:
            files = [(p["file"], p["line"]) for p in json.loads(out)["problems"]]
        else:
            files = [tuple(line.split(":")[:2]) for line in err.splitlines()[:-1]]
            files = [(name, int(line)) for name, line in files]
        assert code == 1 and files == [(f"{prefix}resources/c-extra.yaml", 1)], (here, files)
        assert all(Path(name).is_file() for name, _ in files)


def test_check_rejects_two_different_directories(capsys, catalogs_dir, valid_catalog_dir):
    """DIR and --catalog naming different directories is a usage error (exit 2), not a silent choice."""
    code, out, err = run(capsys, "check", str(valid_catalog_dir), "--catalog", str(catalogs_dir / "unused_tag"))
    assert (code, out) == (2, "")
    assert err.startswith("vizbot: error: --catalog: give the catalog directory once")
    code, out, _ = run(capsys, "check", str(valid_catalog_dir), "--catalog", str(catalogs_dir / "unused_tag"), "--json")
    assert code == 2 and json.loads(out)["error"] | {"message": ""} == {
        "code": "usage",
        "message": "",
        "field": "--catalog",
        "suggestions": [],
    }


def test_check_missing_directory(capsys, tmp_path):
    """A directory that does not exist is one error line, exit 2 (a usage problem)."""
    code, out, err = run(capsys, "check", str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert err == f"vizbot: error: catalog directory {tmp_path / 'nope'} does not exist\n"


@pytest.mark.parametrize("variable", [None, "elsewhere"])
def test_check_missing_directory_blames_the_argument(capsys, monkeypatch, tmp_path, valid_catalog_dir, variable):
    """With --json, a DIR that does not exist is the argument's fault (field DIR), set VIZBOT_CATALOG or not."""
    if variable:
        monkeypatch.setenv("VIZBOT_CATALOG", str(valid_catalog_dir))
    code, out, _ = run(capsys, "check", str(tmp_path / "nope"), "--json")
    assert code == 2 and json.loads(out)["error"]["field"] == "DIR"
    code, out, _ = run(capsys, "check", "--catalog", str(tmp_path / "nope"), "--json")
    assert code == 2 and json.loads(out)["error"]["field"] == "--catalog"


def test_check_oversized_file_is_one_clear_line(capsys, tmp_path):
    """A 5 MB resource file is named, with no traceback."""
    (tmp_path / "cat" / "resources").mkdir(parents=True)
    (tmp_path / "cat" / "tags.yaml").write_text("cnn: {title: C, description: D, aliases: []}\n", encoding="utf-8")
    (tmp_path / "cat" / "resources" / "big.yaml").write_bytes(b"#" * (5 * 1024 * 1024))
    code, _, err = run(capsys, "check", str(tmp_path / "cat"))
    assert code == 1
    assert "cat/resources/big.yaml: error is 5.2 MB; files larger than 1.0 MB are refused" in err
    assert "Traceback" not in err


def test_export_json_lists_every_resource(capsys, valid_catalog_dir):
    """export --json is a list of resources with the documented keys, in catalog order."""
    code, out, err = run(capsys, "export", "--json", "--catalog", str(valid_catalog_dir))
    data = json.loads(out)
    assert (code, err) == (0, f"3 resources from {valid_catalog_dir}\n")
    assert [item["id"] for item in data] == ["image-kernels", "cs231n-convnets", "convnetjs-classify2d"]
    assert all(set(item) == EXPORT_KEYS for item in data)
    assert data[1] == {
        "id": "cs231n-convnets",
        "title": "CS231n: Convolutional Neural Networks",
        "url": "https://cs231n.github.io/convolutional-networks/",
        "description": "Course notes with an animated demo of filters sliding over a volume.",
        "tags": ["cnn", "kernels"],
        "keywords": ["stride", "padding"],
        "kind": "course",
        "level": "intermediate",
    }


def test_export_plain_is_one_line_per_resource(capsys, valid_catalog_dir):
    """Without --json, one tab-separated line per resource."""
    out = run(capsys, "export", "--catalog", str(valid_catalog_dir))[1]
    first = (
        "image-kernels\tinteractive\tbeginner\thttps://setosa.io/ev/image-kernels/\tImage Kernels Explained Visually"
    )
    assert out.splitlines()[0] == first
    assert len(out.splitlines()) == 3


def test_export_of_broken_catalog_fails_cleanly(capsys, catalogs_dir):
    """A catalog with errors exports nothing (the JSON error alone) and exits 1 with the first problem."""
    code, out, err = run(capsys, "export", "--json", "--catalog", str(catalogs_dir / "many_problems"))
    assert code == 1 and json.loads(out)["error"]["code"] == "catalog_invalid"
    broken = catalogs_dir / "many_problems"
    assert err.startswith(
        f"vizbot: error: the catalog {broken} has errors: {broken}/resources/a-kernels.yaml:6: error [one] kind:"
    )
    assert "(and 4 more)" in err and f"run `vizbot catalog check {broken}` to see every problem" in err


def test_shipped_catalog_checks_clean(capsys):
    """The catalog in the repository passes `vizbot catalog check`."""
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert re.fullmatch(r"\d+ resources, \d+ tags, \d+ known gaps \(\d+ warnings?\) in .*catalog\n", out)


def test_python_m_bot_runs_from_another_directory(tmp_path):
    """`python -m bot catalog check` finds the shipped catalog without relying on the working directory."""
    env = {k: v for k, v in os.environ.items() if k != "VIZBOT_CATALOG"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "catalog", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"\d+ resources, \d+ tags, \d+ known gaps \(\d+ warnings?\) in .*catalog\n", done.stdout)


def _odd_entries(resources: Path) -> dict[str, str]:
    """Make the odd entries a resources folder can hold; returns each name with what check must say."""
    os.mkfifo(resources / "pipe.yaml")
    (resources / "folder.yaml").mkdir()
    (resources / "device.yaml").symlink_to("/dev/null")
    (resources / "dangling.yaml").symlink_to(resources / "nowhere.yaml")
    return {
        "pipe.yaml": "a FIFO (named pipe)",
        "folder.yaml": "a directory",
        "device.yaml": "a symbolic link to a character device",
        "dangling.yaml": "a broken symbolic link",
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symbolic links")
def test_odd_entries_in_resources_are_reported(capsys, valid_catalog_dir, tmp_path):
    """A FIFO, a directory, a link to a device or to nothing named *.yaml is reported (never read, never
    skipped silently); the check fails, the catalog still loads."""
    catalog = tmp_path / "catalog"
    shutil.copytree(valid_catalog_dir, catalog)
    expected = _odd_entries(catalog / "resources")
    code, out, err = run(capsys, "check", str(catalog))
    assert code == 1 and out.startswith("3 resources, 2 tags, 0 known gaps (4 warnings)")
    for name, what in expected.items():
        assert f"catalog/resources/{name}: warning ignored: {what}, not a regular file" in err.splitlines()
    code, out, _ = run(capsys, "check", str(catalog), "--json")
    data = json.loads(out)
    assert (code, data["loads"], data["warnings"]) == (1, True, 4)
    assert {p["file"].rsplit("/", 1)[1] for p in data["problems"]} == set(expected)
