"""The command line on a PostgreSQL database: the same commands, db check and backup, and one clear
line with exit 2 when the server cannot be reached at start-up."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cli_helpers import run

SECRET = "s3cret-pw"


async def _sql(url: str, sql: str) -> object:
    """The first value ``sql`` gives, on a connection of its own."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


@pytest.fixture
def pg_env(env: Path, pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The clean CLI environment with VIZBOT_DB a new PostgreSQL database; returns its URL."""
    monkeypatch.setenv("VIZBOT_DB", pg_dsn)
    return pg_dsn


@pytest.fixture
def nowhere(env: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """VIZBOT_DB a URL (with a password) where nothing listens; returns the host:port shown."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("VIZBOT_DB", f"postgresql://ann:{SECRET}@127.0.0.1:{port}/vizbot")
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    return f"127.0.0.1:{port}"


def test_suggest_and_list_through_a_url(pg_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """vizbot suggest and suggestions list work on the PostgreSQL database as on a file."""
    code, out, err = run(
        capsys, "suggest", "https://example.org/pooling", "--title", "Max pooling explained", "--tags", "cnn", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["status"] == "created"
    code, out, _ = run(capsys, "suggestions", "list", "--json")
    assert code == 0 and [s["url"] for s in json.loads(out)] == ["https://example.org/pooling"]


def test_db_check_reports_version_and_rows(pg_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """db check connects, says ok with the schema version and rows per table; the JSON has the counts."""
    assert run(capsys, "suggest", "https://example.org/a", "--title", "A title here", "--tags", "cnn")[0] == 0
    code, out, _ = run(capsys, "db", "check")
    assert code == 0 and ": ok (schema version" in out and "suggestions 1" in out
    code, out, _ = run(capsys, "db", "check", "--json")
    found = json.loads(out)
    assert code == 0 and found["ok"] and found["counts"]["suggestions"] == 1 and found["problems"] == []


def test_db_check_refuses_a_foreign_database(pg_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """db check on another program's database: exit 1, NOT USABLE, and nothing created in it."""
    asyncio.run(_sql(pg_env, "CREATE TABLE customers (id INTEGER)"))
    code, out, _ = run(capsys, "db", "check")
    assert code == 1 and "NOT USABLE" in out and "not a vizbot database" in out
    assert asyncio.run(_sql(pg_env, "SELECT to_regclass('vizbot_schema') IS NULL")) is True


def test_db_backup_points_to_pg_dump(pg_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """db backup of a PostgreSQL database: a clear pointer to pg_dump, exit 1, no file written."""
    code, out, err = run(capsys, "db", "backup", str(tmp_path / "copy.db"))
    assert code == 1 and "pg_dump" in err and "Traceback" not in err and out == ""
    assert not (tmp_path / "copy.db").exists()


@pytest.mark.parametrize(
    "argv",
    [("suggestions", "list"), ("db", "check"), ("report",), ("run",)],
    ids=["suggestions", "db-check", "report", "run"],
)
def test_unreachable_server_exits_2_with_one_line(
    nowhere: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    """Nothing listening at start-up: exit 2, one line naming host and port, never the password."""
    code, out, err = run(capsys, *argv)
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and nowhere in lines[0] and "nothing answers" in lines[0]
    assert SECRET not in out + err and "Traceback" not in err


def test_wrong_password_exits_2_without_showing_it(
    pg_env: str, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A password the server refuses: exit 2, one line that says so, the password never shown."""
    parts = urlsplit(pg_env)
    monkeypatch.setenv("VIZBOT_DB", pg_env.replace(f":{parts.password}@", f":{SECRET}@"))
    code, out, err = run(capsys, "suggestions", "list")
    assert code == 2 and "refused the password" in err and len(err.strip().splitlines()) == 1
    assert SECRET not in out + err and str(parts.password) not in out + err


def test_ask_answers_from_the_catalog_when_the_server_is_unreachable(
    nowhere: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """vizbot ask still answers (from the catalog), warning once without the password."""
    code, out, err = run(capsys, "ask", "convolutional neural networks")
    assert code == 0 and out.strip()
    assert "warning" in err and nowhere in err and SECRET not in err


def test_db_copy_moves_a_sqlite_installation(
    env: Path, pg_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """db copy FILE URL: verified, no password in the output, a repeat adds nothing, the CLI then reads PostgreSQL."""
    assert (
        run(capsys, "suggest", "https://example.org/pooling", "--title", "Max pooling explained", "--tags", "cnn")[0]
        == 0
    )
    assert run(capsys, "suggestions", "approve", "1")[0] == 0
    password = urlsplit(pg_dsn).password or ""
    code, out, err = run(capsys, "db", "copy", str(env), pg_dsn, "--json")
    copied = json.loads(out)
    assert code == 0 and copied["verified"] is True and copied["added"] >= 2
    assert (
        password not in out + err and copied["target"].startswith("postgresql://") and "@127.0.0.1" in copied["target"]
    )
    code, out, _ = run(capsys, "db", "copy", str(env), pg_dsn)
    assert code == 0 and "0 rows added" in out and password not in out
    code, out, _ = run(capsys, "suggestions", "list", "--status", "approved", "--json", "--db", pg_dsn)
    assert code == 0 and [s["title"] for s in json.loads(out)] == ["Max pooling explained"]
    code, out, _ = run(
        capsys,
        "suggest",
        "https://example.org/next",
        "--title",
        "The next one",
        "--tags",
        "cnn",
        "--json",
        "--db",
        pg_dsn,
    )
    assert code == 0 and json.loads(out)["suggestion"]["id"] == 2  # the identity sequence moved past the copied ids


def test_db_copy_to_an_unreachable_server_exits_2(env: Path, nowhere: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A target server that cannot be reached: one line naming it, never the password, exit 2."""
    assert (
        run(capsys, "suggest", "https://example.org/a", "--title", "A title here", "--tags", "cnn", "--db", str(env))[0]
        == 0
    )
    code, out, err = run(capsys, "db", "copy", str(env), os.environ["VIZBOT_DB"])
    assert code == 2 and out == "" and nowhere in err and SECRET not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("how", ["env", "option"])
def test_a_mistyped_url_is_refused_not_made_a_file(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """postgresq://... in VIZBOT_DB or --db: exit 2 with one line, no password, and no file or directory created."""
    url = f"postgresq://ann:{SECRET}@127.0.0.1:5432/vizbot"
    monkeypatch.chdir(tmp_path)
    if how == "env":
        monkeypatch.setenv("VIZBOT_DB", url)
        code, out, err = run(capsys, "suggestions", "list")
    else:  # argparse's usage error
        with pytest.raises(SystemExit) as stopped:
            run(capsys, "suggestions", "list", "--db", url)
        code, (out, err) = int(str(stopped.value.code)), capsys.readouterr()
    assert code == 2 and out == "" and "is not a PostgreSQL URL" in err and SECRET not in err
    assert "Traceback" not in err and list(tmp_path.iterdir()) == []


def test_db_copy_onto_itself_is_refused(env: Path, pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The same PostgreSQL database as source and target: one error line, exit 1, like the same file."""
    code, out, err = run(capsys, "db", "copy", pg_dsn, pg_dsn)
    assert code == 1 and out == "" and "is the source itself" in err and (urlsplit(pg_dsn).password or "") not in err


def test_db_check_says_when_the_user_may_not_create_tables(
    env: Path, pg_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty database owned by another role (PostgreSQL 15: no CREATE in public): not ok, and what to do."""
    role = f"app_{os.getpid()}_{abs(hash(pg_dsn)) % 10_000}"
    asyncio.run(_sql(pg_dsn, f"CREATE ROLE {role} LOGIN PASSWORD 'app-pw'"))
    parts = urlsplit(pg_dsn)
    as_app = f"postgresql://{role}:app-pw@{parts.hostname}:{parts.port}{parts.path}"
    code, out, _ = run(capsys, "db", "check", "--db", as_app, "--json")
    found = json.loads(out)
    assert code == 1 and found["ok"] is False and found["schema_version"] == 0
    assert any("may not create tables" in p and "createdb -O" in p for p in found["problems"])
    code, out, _ = run(capsys, "db", "check", "--db", pg_dsn)  # the owner may: an empty database is fine
    assert code == 0
