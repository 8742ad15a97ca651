"""vizbot links check|fix against a local site: outputs, exit codes, interruption and resumption."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from links.sites import Site, ThreadedSite

from bot.cli.main import main

TAGS = {"kernels": {"title": "Image kernels", "description": "Blur and sharpen.", "aliases": ["filter"]}}


def write_catalog(directory: Path, urls: dict[str, str]) -> Path:
    """A catalog with one resource per ``id: url``, in resources/links.yaml."""
    (directory / "resources").mkdir(parents=True)
    (directory / "tags.yaml").write_text(yaml.safe_dump(TAGS), encoding="utf-8")
    entries = [
        {
            "id": rid,
            "title": f"Resource {rid} for tests",
            "url": url,
            "description": "A test resource about kernels.",
            "tags": ["kernels"],
            "kind": "article",
            "level": "beginner",
        }
        for rid, url in urls.items()
    ]
    (directory / "resources" / "links.yaml").write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return directory


@pytest.fixture
def site() -> Iterator[Site]:
    """A local site in its own thread (the command runs its own event loop)."""
    with ThreadedSite() as running:
        yield running


@pytest.fixture
def env(tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A catalog of four links (fine, missing, moved, retired) and a temporary database."""
    catalog = write_catalog(
        tmp_path / "catalog",
        {
            "fine": site.url("/ok"),
            "missing": site.url("/missing"),
            "moved": site.url("/old"),
            "retired": site.url("/retired"),
        },
    )
    monkeypatch.setenv("VIZBOT_CATALOG", str(catalog))
    monkeypatch.setenv("VIZBOT_DB", str(tmp_path / "vizbot.db"))
    return catalog


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run one command; returns (exit status, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json_has_every_link(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json: one document on stdout with every link's outcome and verdict; exit 1 (some need attention)."""
    code, out, err = run(capsys, "links", "check", "--json", "--delay", "0", "--timeout", "2")
    data = json.loads(out)
    assert code == 1 and err == ""
    verdicts = {link["resource_id"]: link["verdict"] for link in data["links"]}
    assert verdicts == {"fine": "ok", "missing": "failing", "moved": "moved", "retired": "suspicious"}
    assert data["counts"]["ok"] == 1 and data["counts"]["moved"] == 1
    assert (data["total"], data["checked_now"], data["resumed"], data["complete"]) == (4, 4, 0, True)
    assert (data["offline"], data["interrupted"]) == (False, False)
    assert all(c["recorded"] for c in data["checks"])
    moved = next(c for c in data["checks"] if c["resource_id"] == "moved")
    assert moved["check"]["redirects"][0]["status"] == 308 and moved["suggested_url"].endswith("/new")


def test_check_table_and_summary(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text: a table of the links needing a look, then a summary line."""
    code, out, err = run(capsys, "links", "check", "--delay", "0")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["verdict", "strikes", "resource"]
    assert [line.split()[0] for line in lines[1:-1]] == ["moved", "suspicious", "failing"]
    assert lines[-1].startswith("4 links: 1 ok, 1 failing, 1 moved, 1 suspicious")
    assert "vizbot links fix" in err


def test_all_fine_exits_0(
    tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing to look at: exit 0 and an empty table."""
    catalog = write_catalog(tmp_path / "c", {"a": site.url("/ok"), "b": site.url("/chain/1")})
    code, out, _ = run(
        capsys, "links", "check", "--catalog", str(catalog), "--db", str(tmp_path / "v.db"), "--delay", "0"
    )
    assert code == 0 and out.startswith("2 links: 2 ok")


def test_fix_prints_catalog_ready_yaml(env: Path, site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """After a check, fix names the file and line and gives the entry's new url as YAML."""
    run(capsys, "links", "check", "--delay", "0")
    code, out, _ = run(capsys, "links", "fix")
    assert code == 0
    assert yaml.safe_load(out) == [{"id": "moved", "url": site.url("/new")}]
    assert f"# moved in {env / 'resources' / 'links.yaml'}:" in out and f"# was: {site.url('/old')}" in out
    code, out, _ = run(capsys, "links", "fix", "--json")
    [edit] = json.loads(out)
    assert (edit["resource_id"], edit["new_url"], edit["old_url"]) == ("moved", site.url("/new"), site.url("/old"))
    assert edit["file"].endswith("links.yaml") and isinstance(edit["line"], int)


def test_fix_before_any_check(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No checks yet: nothing to fix, said on stderr; --json is an empty list."""
    code, out, err = run(capsys, "links", "fix")
    assert (code, out) == (0, "") and "no moved links" in err
    assert json.loads(run(capsys, "links", "fix", "--json")[1]) == []


@pytest.mark.parametrize(
    "option", [["--concurrency", "0"], ["--timeout", "soon"], ["--timeout", "0"], ["--delay", "-1"]]
)
def test_bad_options_are_usage_errors(env: Path, capsys: pytest.CaptureFixture[str], option: list[str]) -> None:
    """A bad number is a usage error (exit 2) with a message, not a traceback."""
    with pytest.raises(SystemExit) as exited:
        main(["links", "check", *option])
    assert exited.value.code == 2 and "Traceback" not in capsys.readouterr().err


def test_unopenable_database_is_an_error(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The results must be kept: a database that cannot be opened is exit 1 with the reason."""
    (tmp_path / "dir.db").mkdir()
    code, out, err = run(capsys, "links", "check", "--db", str(tmp_path / "dir.db"))
    assert code == 1 and out == "" and "vizbot: error:" in err


def _interrupt_when_recorded(command: list[str], env: dict[str, str], db: Path, count: int) -> tuple[int, str, str]:
    """Start ``command``, send it SIGINT once ``count`` checks are recorded in ``db``; (status, stdout, stderr)."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    recorded = 0
    while recorded < count and time.monotonic() < deadline:
        time.sleep(0.1)
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    recorded = conn.execute("SELECT count(*) FROM link_checks").fetchone()[0]
            except sqlite3.OperationalError:
                pass  # the schema is still being created
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


def test_interrupted_check_keeps_results_and_resumes(tmp_path: Path, site: Site) -> None:
    """Ctrl-C mid-run: exit 130, what was checked stays recorded, and the next run checks only the rest."""
    site.slow_seconds = 0.4
    catalog = write_catalog(tmp_path / "c", {f"slow-{i}": site.url(f"/slow/{i}") for i in range(8)})
    db = tmp_path / "v.db"
    env = {**os.environ, "VIZBOT_CATALOG": str(catalog), "VIZBOT_DB": str(db)}
    command = [sys.executable, "-m", "bot", "links", "check", "--concurrency", "1", "--delay", "0", "--json"]
    code, out, err = _interrupt_when_recorded(command, env, db, 2)
    assert code == 130, err
    assert "Traceback" not in err
    with sqlite3.connect(db) as conn:
        kept = conn.execute("SELECT count(DISTINCT url) FROM link_checks").fetchone()[0]
        [(run_id,)] = conn.execute("SELECT id FROM link_runs").fetchall()
    assert 2 <= kept < 8
    assert f"interrupted: {kept} of 8 links checked and recorded" in err
    partial = json.loads(out)  # --json still prints one whole document, marked incomplete
    assert (partial["complete"], partial["interrupted"], partial["total"]) == (False, True, 8)
    assert (partial["run"], partial["resumed"]) == (run_id, 0)  # the run exists and will be resumed
    assert partial["checked_now"] == len(partial["checks"]) == kept
    assert len(partial["links"]) == 8 and partial["counts"]["ok"] == kept and partial["counts"]["unchecked"] == 8 - kept
    assert sorted(link["verdict"] or "-" for link in partial["links"]) == ["-"] * (8 - kept) + ["ok"] * kept

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    data = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert (data["run"], data["resumed"], data["checked_now"], data["complete"]) == (run_id, kept, 8 - kept, True)
    assert {link["verdict"] for link in data["links"]} == {"ok"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM link_checks").fetchone()[0] == 8


def test_interrupted_resumed_check_reports_its_run(tmp_path: Path, site: Site) -> None:
    """A resumed run interrupted again: --json names the run and how many links its earlier part had checked."""
    site.slow_seconds = 0.3
    catalog = write_catalog(tmp_path / "c", {f"slow-{i}": site.url(f"/slow/{i}") for i in range(12)})
    db = tmp_path / "v.db"
    env = {**os.environ, "VIZBOT_CATALOG": str(catalog), "VIZBOT_DB": str(db)}
    command = [sys.executable, "-m", "bot", "links", "check", "--concurrency", "1", "--delay", "0", "--json"]
    code, out, err = _interrupt_when_recorded(command, env, db, 2)
    first = json.loads(out)
    assert code == 130 and first["checked_now"] < 10, err
    code, out, err = _interrupt_when_recorded(command, env, db, first["checked_now"] + 1)
    second = json.loads(out)
    assert code == 130, err
    assert (second["run"], second["resumed"], second["interrupted"]) == (first["run"], first["checked_now"], True)
    assert isinstance(second["run"], int)


def test_report_has_links_needing_attention(env: Path, site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """vizbot report gains the section (text and --json) once links were checked."""
    code, out, _ = run(capsys, "report")
    assert code == 0 and "  Links needing attention: -\n" in out
    run(capsys, "links", "check", "--delay", "0")
    out = run(capsys, "report")[1]
    section = out.split("  Links needing attention: ")[1].splitlines()[0].split("; ")
    assert [entry.split(" (")[0] for entry in section] == ["moved", "retired"]
    assert section[0] == f"moved (moved to {site.url('/new')})" and section[1].startswith("retired (suspicious: ")
    data = json.loads(run(capsys, "report", "--json")[1])
    assert [(link["resource_id"], link["verdict"]) for link in data["links"]] == [
        ("moved", "moved"),
        ("retired", "suspicious"),
    ]


def test_json_link_shape_is_stable(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every link in --json has the same keys."""
    data = json.loads(run(capsys, "links", "check", "--json", "--delay", "0")[1])
    shapes = {tuple(sorted(link)) for link in data["links"]}
    assert shapes == {
        (
            "checked_at",
            "final_url",
            "last_ok_at",
            "reason",
            "resource_id",
            "since",
            "source",
            "status",
            "strikes",
            "suggested_url",
            "url",
            "verdict",
        )
    }


def test_unchecked_link_json_has_the_same_keys() -> None:
    """A link never checked (a run that failed early) is shown with the same keys, nulls for the verdict."""
    from datetime import datetime, timezone

    from bot.cli.links_cmd import _link_json
    from bot.links.run import LinkTarget
    from bot.store.records import LinkHealth

    target = LinkTarget("https://a.org/", "a")
    now = datetime(2026, 12, 3, tzinfo=timezone.utc)
    checked = LinkHealth("https://a.org/", "a", "ok", 0, now, now, now, 200, "200 OK", "https://a.org/", None)
    assert set(_link_json(target, None)) == set(_link_json(target, checked))
    assert _link_json(target, None)["verdict"] is None and _link_json(target, None)["url"] == "https://a.org/"


def closed_port_urls(count: int) -> list[str]:
    """URLs on 127.0.0.1 ports nothing listens on: every request is refused, no response, as offline."""
    urls = []
    for i in range(count):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        urls.append(f"http://127.0.0.1:{port}/page-{i}")
    return urls


def link_checks(db: Path) -> int:
    """Checks recorded in the database."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM link_checks").fetchone()[0]


def test_nothing_answers_is_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No link got any response: exit 3, one line asking if the machine is offline, nothing recorded, and
    --json says offline with the checks made."""
    catalog = write_catalog(tmp_path / "c", {f"r{i}": url for i, url in enumerate(closed_port_urls(3))})
    db = tmp_path / "v.db"
    monkeypatch.setenv("VIZBOT_CATALOG", str(catalog))
    monkeypatch.setenv("VIZBOT_DB", str(db))
    code, out, err = run(capsys, "links", "check", "--json", "--delay", "0")
    assert code == 3 and link_checks(db) == 0
    assert err.count("\n") == 1 and "is this machine offline?" in err
    assert "3 links" in err and "(first: could not connect (connection refused))" in err
    data = json.loads(out)
    assert (data["offline"], data["complete"], data["interrupted"], data["checked_now"]) == (True, False, False, 3)
    assert [(c["recorded"], c["verdict"], c["check"]["outcome"]) for c in data["checks"]] == [
        (False, None, "failed")
    ] * 3
    assert data["counts"]["unchecked"] == 3 and {link["verdict"] for link in data["links"]} == {None}
    code, out, err = run(capsys, "links", "check", "--delay", "0")  # text: nothing judged, so no table
    assert (code, out, err.count("\n")) == (3, "", 1) and link_checks(db) == 0


def test_one_answer_among_refused_records_the_failures(
    tmp_path: Path, site: Site, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """One link answers: the machine is online, the refused links get their strike, the usual exit status."""
    urls = {f"r{i}": url for i, url in enumerate(closed_port_urls(3))}
    catalog = write_catalog(tmp_path / "c", {**urls, "fine": site.url("/ok")})
    db = tmp_path / "v.db"
    code, out, err = run(capsys, "links", "check", "--json", "--delay", "0", "--catalog", str(catalog), "--db", str(db))
    data = json.loads(out)
    assert (code, err, data["offline"], data["complete"]) == (0, "", False, True)
    assert link_checks(db) == 4
    assert {link["resource_id"]: link["verdict"] for link in data["links"]} == {
        "r0": "failing",
        "r1": "failing",
        "r2": "failing",
        "fine": "ok",
    }


def test_fewer_than_three_unanswered_are_recorded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two links, both refused: too few to call the machine offline; recorded as failing, as before."""
    catalog = write_catalog(tmp_path / "c", {f"r{i}": url for i, url in enumerate(closed_port_urls(2))})
    db = tmp_path / "v.db"
    code, out, err = run(capsys, "links", "check", "--json", "--delay", "0", "--catalog", str(catalog), "--db", str(db))
    data = json.loads(out)
    assert (code, data["offline"], data["complete"], data["counts"]["failing"]) == (0, False, True, 2)
    assert link_checks(db) == 2 and "offline" not in err
