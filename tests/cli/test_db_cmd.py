"""vizbot db check / db backup: exit statuses, JSON shapes, and what a damaged file says."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import run

from bot.cli.main import main

PAGE = 4096


@pytest.fixture
def env(env: Path) -> Path:
    """The clean CLI environment, its database holding one suggestion; returns its path."""
    assert main(["suggest", "https://example.org/pooling", "--title", "Max pooling explained", "--tags", "cnn"]) == 0
    return env


def test_check_sound_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A sound database: exit 0, 'ok' with its schema version; the JSON says ok with no problems."""
    capsys.readouterr()
    code, out, _ = run(capsys, "db", "check")
    assert code == 0 and out.startswith(f"{env}: ok (schema version")
    code, out, _ = run(capsys, "db", "check", "--json")
    found = json.loads(out)
    assert code == 0 and (found["ok"], found["problems"], found["vizbot"]) == (True, [], True)


def test_check_truncated_database(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A truncated database: exit 1, DAMAGED, the problem, and what to do."""
    with sqlite3.connect(env) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = env.read_bytes()
    env.write_bytes(data[: len(data) // 2])
    capsys.readouterr()
    code, out, _ = run(capsys, "db", "check")
    assert code == 1 and "DAMAGED" in out and "truncated" in out and "What to do" in out
    code, out, _ = run(capsys, "db", "check", "--json")
    assert code == 1 and json.loads(out)["ok"] is False
    code, out, err = run(capsys, "suggestions", "list")
    assert code == 1 and "is damaged" in err and "Traceback" not in err


def test_check_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Checking a file that does not exist exits 1 and creates nothing."""
    path = tmp_path / "nope.db"
    code, out, _ = run(capsys, "db", "check", "--db", str(path))
    assert code == 1 and "does not exist" in out and not path.exists()


def test_check_foreign_sqlite_file(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another program's SQLite file (tables, no vizbot mark): exit 1, not vizbot's, as `suggest` refuses it."""
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE foo (x)")
    conn.close()
    capsys.readouterr()
    code, out, _ = run(capsys, "db", "check", "--db", str(path), "--json")
    found = json.loads(out)
    assert code == 1 and (found["ok"], found["vizbot"], found["damaged"]) == (False, False, False)
    assert (found["schema_version"], found["problems"]) == (None, ["it is not a vizbot database"])
    code, out, _ = run(capsys, "db", "check", "--db", str(path))
    assert code == 1 and out.startswith(f"{path}: NOT USABLE") and "not a vizbot database" in out
    code, _, err = run(capsys, "suggest", "https://example.org/x", "--title", "X", "--tags", "cnn", "--db", str(path))
    assert code == 1 and "not a vizbot database" in err


def test_check_new_empty_file(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty file counts as a fresh vizbot database (the store would initialise it): exit 0."""
    path = tmp_path / "new.db"
    path.write_bytes(b"")
    capsys.readouterr()
    code, out, _ = run(capsys, "db", "check", "--db", str(path), "--json")
    found = json.loads(out)
    assert code == 0 and (found["ok"], found["vizbot"], found["schema_version"]) == (True, True, 0)
    assert path.read_bytes() == b""


def test_backup_then_check_the_copy(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`db backup PATH` writes a checked copy; the copy serves the same suggestions; a second run refuses."""
    target = tmp_path / "copy.db"
    capsys.readouterr()
    code, out, err = run(capsys, "db", "backup", str(target), "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["path"] == str(target) and done["size"] == target.stat().st_size
    code, out, _ = run(capsys, "suggestions", "list", "--json", "--db", str(target))
    assert code == 0 and [s["url"] for s in json.loads(out)] == ["https://example.org/pooling"]
    code, _, err = run(capsys, "db", "backup", str(target))
    assert code == 1 and "already exists" in err


def test_backup_refuses_damaged_source(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A damaged database is not backed up (the copy would carry the damage); nothing is written."""
    with sqlite3.connect(env) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    env.write_bytes(env.read_bytes()[:PAGE])
    target = tmp_path / "copy.db"
    code, _, err = run(capsys, "db", "backup", str(target))
    assert code == 1 and "is damaged" in err and not target.exists()


def test_check_newer_schema_says_upgrade(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database from a newer vizbot: exit 1, not called damaged, told to upgrade."""
    with sqlite3.connect(env) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    capsys.readouterr()
    code, out, _ = run(capsys, "db", "check")
    assert code == 1 and "NOT USABLE" in out and "newer vizbot" in out and "upgrade vizbot" in out
    assert "DAMAGED" not in out
    code, out, _ = run(capsys, "db", "check", "--json")
    assert (json.loads(out)["damaged"], json.loads(out)["ok"]) == (False, False)


def test_copy_to_a_new_file_then_again(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """db copy: exit 0 and a verified table of counts; a second run adds nothing; the copy serves the CLI."""
    target = tmp_path / "moved" / "vizbot.db"
    capsys.readouterr()
    code, out, _ = run(capsys, "db", "copy", str(env), str(target), "--json")
    copied = json.loads(out)
    assert code == 0 and copied["verified"] is True and copied["added"] >= 2
    assert set(copied) == {"source", "target", "verified", "written", "added", "tables"} and copied["written"] is True
    by_table = {t["table"]: t for t in copied["tables"]}
    assert by_table["suggestions"] == {
        "table": "suggestions",
        "source_rows": 1,
        "added": 1,
        "target_rows": 1,
        "conflicts": 0,
        "verified": True,
    }
    code, out, _ = run(capsys, "db", "copy", str(env), str(target))
    assert code == 0 and "0 rows added" in out and "verified by counts" in out
    code, out, _ = run(capsys, "suggestions", "list", "--db", str(target))
    assert code == 0 and "Max pooling explained" in out


def test_copy_into_a_database_in_use_does_not_verify(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A target with its own suggestion: nothing is written (its own row stays alone); an error: one line on
    stderr, exit 1, and with --json the error document."""
    target = tmp_path / "other.db"
    assert (
        main(["suggest", "https://example.org/other", "--title", "Another one", "--tags", "cnn", "--db", str(target)])
        == 0
    )
    capsys.readouterr()
    code, out, err = run(capsys, "db", "copy", str(env), str(target))
    assert (code, out) == (1, "") and len(err.splitlines()) == 1
    assert (
        err.startswith(f"vizbot: error: nothing was copied to {target}: ") and "suggestions (1 conflicting row)" in err
    )
    code, out, err = run(capsys, "db", "copy", str(env), str(target), "--json")
    refused = json.loads(out)
    assert code == 1 and err.startswith("vizbot: error: nothing was copied")
    assert (
        refused["error"]["code"] == "store"
        and refused["error"]["message"] == err.removeprefix("vizbot: error: ").strip()
    )
    code, out, _ = run(capsys, "suggestions", "list", "--db", str(target), "--json")
    assert [s["title"] for s in json.loads(out)] == ["Another one"]


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("missing.db", "new.db", "no database at"),
        ("SELF", "SELF", "is the source itself"),
    ],
    ids=["missing-source", "same-file"],
)
def test_copy_refuses(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, target: str, message: str
) -> None:
    """A missing source or a copy onto itself: one error line, exit 1, nothing created."""
    source_path = str(env) if source == "SELF" else str(tmp_path / source)
    target_path = str(env) if target == "SELF" else str(tmp_path / target)
    capsys.readouterr()
    code, out, err = run(capsys, "db", "copy", source_path, target_path)
    assert code == 1 and out == "" and message in err and "Traceback" not in err
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("which", ["SOURCE", "TARGET"])
def test_copy_empty_argument_is_a_usage_error(
    env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    which: str,
    blank: str,
) -> None:
    """`db copy "" TARGET` (or an empty TARGET) is not the working directory: exit 2 naming the argument, nothing run."""
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.iterdir())
    argv = ["db", "copy", blank, str(tmp_path / "new.db")] if which == "SOURCE" else ["db", "copy", str(env), blank]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "Traceback" not in err
    assert f"error: argument {which}: give a database file or a postgresql:// URL (the value is empty)" in err
    assert sorted(tmp_path.iterdir()) == before
