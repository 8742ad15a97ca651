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
