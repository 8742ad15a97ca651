"""vizbot suggest / suggestions / vote / report: outputs, exit codes, and clear errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from cli_helpers import run

from bot.cli.main import main
from bot.console import render_card
from bot.core import answers
from bot.core.catalog import check_catalog, default_catalog_dir
from bot.core.records import ForgetReport

URL = "https://example.org/pooling"


def suggest(capsys, url: str = URL, *extra: str) -> dict:
    code, out, err = run(
        capsys, "suggest", url, "--title", "Max pooling explained", "--tags", "conv net", "--json", *extra
    )
    assert code == 0, err
    return json.loads(out)


def test_suggest_list_approve_flow(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A suggestion is listed as pending, approved with kind and level, then listed as approved."""
    created = suggest(capsys)
    assert (created["status"], created["suggestion"]["tags"]) == ("created", ["cnn"])
    code, out, _ = run(capsys, "suggestions", "list", "--json")
    assert code == 0 and [s["id"] for s in json.loads(out)] == [1]
    code, out, _ = run(capsys, "suggestions", "approve", "1", "--kind", "video", "--level", "advanced", "--json")
    approved = json.loads(out)
    assert (approved["status"], approved["kind"], approved["level"]) == ("approved", "video", "advanced")
    code, out, _ = run(capsys, "suggestions", "list", "--status", "approved")
    assert code == 0 and "#1 [approved] Max pooling explained" in out and "live as max-pooling-explained" in out


def test_seconded_and_already_there(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another user's identical URL is seconded; a catalog URL answers with the entry; both exit 0."""
    suggest(capsys)
    assert suggest(capsys, URL + "/", "--user", "bob")["status"] == "seconded"
    code, out, _ = run(
        capsys, "suggest", "https://setosa.io/ev/image-kernels/", "--title", "Kernels", "--tags", "kernels"
    )
    assert code == 0 and out.startswith("! Already in the catalog\nalready there: Image Kernels Explained Visually")


def test_reject_with_reason(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rejecting records the reason and prints the decision card, with the reason."""
    suggest(capsys)
    code, out, _ = run(capsys, "suggestions", "reject", "1", "--reason", "paywalled")
    assert code == 0 and out.startswith("! Suggestion #1 rejected\nMax pooling explained: Rejected.\n")
    assert "  Reason: paywalled\n" in out
    code, out, _ = run(capsys, "suggestions", "list", "--status", "rejected", "--json")
    assert json.loads(out)[0]["reason"] == "paywalled"


def test_export_round_trips_through_catalog_check(
    env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exported YAML, merged into a copy of the shipped catalog, passes `vizbot catalog check`."""
    catalog = tmp_path / "catalog"
    shutil.copytree(default_catalog_dir(), catalog)
    monkeypatch.setenv("VIZBOT_CATALOG", str(catalog))
    awkward = [
        (
            "https://example.org/a",
            "Pooling: a 'quoted' #hash — ünïcode",
            "max pooling, feature map",
            "line one\nline two: yes",
        ),
        ("https://example.org/b?x=1&y=2", "- starts like a list item", "backprop", ""),
        ("https://example.org/c", "null", "cnn", "true"),
        ("https://example.org/d", "Seeing “attention” 注意", "attention", "{not: a mapping}"),
    ]
    for url, title, tags, note in awkward:
        code, _, err = run(capsys, "suggest", url, "--title", title, "--tags", tags, "--note", note, "--user", title)
        assert code == 0, err
    for n in (1, 2, 3, 4):
        assert run(capsys, "suggestions", "approve", str(n))[0] == 0
    code, out, _ = run(capsys, "suggestions", "export")
    entries = yaml.safe_load(out)
    assert [e["title"] for e in entries] == [a[1] for a in awkward]
    (catalog / "resources" / "zz-suggested.yaml").write_text(out, encoding="utf-8")
    merged, problems = check_catalog(catalog)
    assert [p for p in problems if p.severity == "error"] == []
    assert run(capsys, "catalog", "check", str(catalog))[0] == 0
    assert {e["id"] for e in entries} <= {r.id for r in merged.resources}
    code, out, err = run(capsys, "suggestions", "export")
    assert (code, out) == (0, "[]\n") and "no approved suggestions" in err


def test_vote_and_report(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Votes show up as thumbs-down in the report; --json has every key."""
    code, out, _ = run(capsys, "vote", "image-kernels", "down", "--question", "blur", "--user", "ann", "--json")
    assert code == 0 and json.loads(out) == {
        "resource_id": "image-kernels",
        "question": "blur",
        "user": "ann",
        "value": -1,
    }
    code, out, _ = run(capsys, "report", "--days", "7", "--json")
    data = json.loads(out)
    assert data["disliked"] == [{"resource_id": "image-kernels", "up": 0, "down": 1}]
    code, out, _ = run(capsys, "report")
    assert code == 0 and "  Most disliked: image-kernels (👎 1, 👍 0)\n" in out


def test_forget_removes_a_users_votes_and_pending_suggestions(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """vizbot forget --user deletes that user's data and says what it removed; --json has every count."""
    suggest(capsys, URL, "--user", "ann")
    run(capsys, "vote", "image-kernels", "up", "--question", "blur", "--user", "ann")
    code, out, _ = run(capsys, "forget", "--user", "ann", "--json")
    assert code == 0
    assert json.loads(out) == {
        "user": "ann",
        "votes": 1,
        "pending_suggestions": 1,
        "seconds": 0,
        "attributions": 0,
        "audit_entries": 1,
    }
    code, out, _ = run(capsys, "suggestions", "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = run(capsys, "forget", "--user", "ann")
    assert code == 0 and out.startswith("✓ Forgotten\n") and "  Votes deleted: 0\n" in out and "forgot ann" in err


def test_db_option_beats_environment(env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--db names the database even when VIZBOT_DB is set."""
    other = tmp_path / "other.db"
    suggest(capsys, URL, "--db", str(other))
    assert other.is_file() and not env.exists()


def test_rate_limit_message(env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the hourly limit the command fails with when to retry."""
    monkeypatch.setenv("VIZBOT_SUGGESTIONS_PER_HOUR", "1")
    suggest(capsys)
    code, out, err = run(capsys, "suggest", URL + "2", "--title", "Another one", "--tags", "cnn")
    assert (code, out) == (1, "")
    assert err.startswith("vizbot: error: you can suggest 1 resource per hour; try again in 60 minutes")


def _foreign(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE mine (x)")
    conn.close()


def _newer(path: Path) -> None:
    main(["report", "--db", str(path)])
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()


@pytest.mark.parametrize(
    ("argv", "prepare", "message"),
    [
        (["suggest", "ftp://x.org", "--title", "Title", "--tags", "cnn"], None, "url: must start with http"),
        (["suggest", URL, "--title", "ab", "--tags", "cnn"], None, "title: must be at least 3"),
        (["suggestions", "reject", "1", "--reason", "no"], None, "reason: must be at least 3"),
        (["suggest", URL, "--title", "Title", "--tags", "astrology"], None, "tags: unknown tag 'astrology'"),
        (
            ["suggest", URL, "--title", "Title", "--tags", "cnn", "--note", "n" * 1001],
            None,
            "note: must be at most 1000",
        ),
        (["suggestions", "approve", "9"], None, "no suggestion #9"),
        (["vote", "nope", "up", "--question", "q"], None, "no resource 'nope'"),
        (["report", "--db", "{tmp}/blocker/x.db"], "blocker", "could not save to"),
        (["report", "--db", "{tmp}/notes.db"], "text", "is not a vizbot database"),
        (["report", "--db", "{tmp}/other.db"], "foreign", "is not a vizbot database"),
        (["report", "--db", "{tmp}/new.db"], "newer", "written by a newer vizbot"),
    ],
    ids=[
        "url",
        "title",
        "short-reason",
        "tag",
        "note",
        "no-such-suggestion",
        "no-such-resource",
        "missing-dir",
        "text-file",
        "foreign-db",
        "newer-db",
    ],
)
def test_errors_are_one_clear_line(
    env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], prepare: str | None, message: str
) -> None:
    """Bad input and unusable databases exit 1 with `vizbot: error: ...`, nothing on stdout, no traceback."""
    if prepare == "blocker":
        (tmp_path / "blocker").write_text("a file, not a directory")
    elif prepare == "text":
        (tmp_path / "notes.db").write_text("shopping list\n")
    elif prepare == "foreign":
        _foreign(tmp_path / "other.db")
    elif prepare == "newer":
        _newer(tmp_path / "new.db")
        capsys.readouterr()
    code, out, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert (code, out) == (1, "")
    assert err.startswith("vizbot: error: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only files")
def test_read_only_database_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A write-protected database file: reading works, saving says so clearly."""
    suggest(capsys)
    env.chmod(0o444)
    try:
        code, _, err = run(capsys, "suggest", URL + "2", "--title", "Another one", "--tags", "cnn")
    finally:
        env.chmod(0o644)
    assert code == 1 and "could not save" in err and "read-only" in err


@pytest.mark.parametrize("argv", [["suggestions", "list"], ["report"], ["suggestions", "export"]])
def test_json_and_text_on_an_empty_database(env: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Commands on a new database succeed; with --json the output is one JSON document."""
    code, out, _ = run(capsys, *argv)
    assert code == 0
    if argv != ["suggestions", "export"]:
        code, out, _ = run(capsys, *argv, "--json")
        assert code == 0 and json.loads(out) is not None and out.count("\n") == 1


SETPRIV = shutil.which("setpriv")
UNSHARE = shutil.which("unshare")


def _nobody_can_run_vizbot() -> bool:
    """Whether user nobody can import vizbot's dependencies (not when they live under a private home)."""
    import subprocess
    import sys

    if os.geteuid() != 0 or SETPRIV is None:
        return False
    probe = subprocess.run(
        [
            SETPRIV,
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-c",
            "import rapidfuzz, aiosqlite, yaml, Stemmer",
        ],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _read_only_mounts_work() -> bool:
    """Whether this root may bind-mount a folder read-only in a private mount namespace."""
    import subprocess

    if os.geteuid() != 0 or UNSHARE is None:
        return False
    probe = subprocess.run(
        [UNSHARE, "-m", "sh", "-c", "mount --bind -o ro / /mnt 2>/dev/null || mount --bind -o ro /tmp /tmp"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _read_only_mounts_work(), reason="needs root and unshare to mount a folder read-only")
def test_database_on_a_read_only_file_system(env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A database on a read-only file system: one clear error line, no traceback, the file unchanged."""
    import subprocess
    import sys

    suggest(capsys)
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "vizbot.db"
    shutil.copy(env, db)
    before = db.read_bytes()
    root = Path(__file__).resolve().parents[2]
    script = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'
    child_env = {**os.environ, "PYTHONPATH": str(root), "VIZBOT_DB": str(db)}
    saved = subprocess.run(
        [
            UNSHARE,
            "-m",
            "sh",
            "-c",
            script,
            "sh",
            str(folder),
            sys.executable,
            "-m",
            "bot",
            "suggest",
            URL + "2",
            "--title",
            "Another one",
            "--tags",
            "cnn",
        ],
        capture_output=True,
        text=True,
        env=child_env,
        check=False,
    )
    assert db.read_bytes() == before
    assert saved.returncode == 1 and saved.stdout == ""
    assert saved.stderr.startswith("vizbot: error: could not") and saved.stderr.count("\n") == 1
    assert "Traceback" not in saved.stderr


@pytest.mark.skipif(not _nobody_can_run_vizbot(), reason="needs root, setpriv and dependencies readable by user nobody")
def test_read_only_database_file_for_another_user(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Run as an unprivileged user, a write-protected database reads fine and refuses to save, clearly."""
    import subprocess
    import sys
    import tempfile

    suggest(capsys)
    with tempfile.TemporaryDirectory() as tmp:
        shared = Path(tmp)
        shared.chmod(0o777)
        db = shared / "vizbot.db"
        shutil.copy(env, db)
        db.chmod(0o444)
        before = db.read_bytes()
        root = Path(__file__).resolve().parents[2]
        child_env = {**os.environ, "PYTHONPATH": str(root), "HOME": tmp, "VIZBOT_DB": str(db)}

        def as_nobody(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "bot", *argv],
                capture_output=True,
                text=True,
                cwd=tmp,
                env=child_env,
                check=False,
            )

        listed = as_nobody("suggestions", "list", "--json")
        saved = as_nobody("suggest", URL + "2", "--title", "Another one", "--tags", "cnn")
        assert db.read_bytes() == before
    assert listed.returncode == 0 and [s["id"] for s in json.loads(listed.stdout)] == [1]
    assert saved.returncode == 1 and saved.stdout == ""
    assert saved.stderr.startswith("vizbot: error: could not save to") and "read-only" in saved.stderr
    assert "Traceback" not in saved.stderr


def test_report_by_server(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The text report counts questions per server; --server shows one server's alone, without votes or suggestions."""
    run(
        capsys,
        "ask",
        "what is a quaternion",
        "--catalog",
        str(Path(__file__).resolve().parents[1] / "data" / "catalogs" / "valid"),
    )
    code, out, _ = run(capsys, "report")
    assert code == 0 and "By server" in out and "command line" in out
    code, out, _ = run(capsys, "report", "--server", "123", "--json")
    data = json.loads(out)
    assert (
        code == 0
        and data["server"] == "123"
        and data["questions"] == 0
        and data["servers"] == []
        and data["pending"] == []
    )
    code, out, _ = run(capsys, "report", "--server", "123")
    assert code == 0 and out.startswith("This server's report\n") and "Pending suggestions" not in out


def test_every_unknown_tag_is_reported_with_its_closest_tags(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--tags with several unknown names names each of them, each with its closest tags; nothing is stored."""
    code, out, err = run(capsys, "suggest", URL, "--title", "Title", "--tags", "image, cnn, zzqqxx, conv, kernals")
    assert code == 1 and out == ""
    assert "unknown tags 'image' (did you mean kernels?), 'zzqqxx' (no tag is close), 'conv' (did you mean cnn?)" in err
    assert "kernals" not in err  # a small typo resolves
    assert json.loads(run(capsys, "suggestions", "list", "--json")[1]) == []


def test_unknown_tag_json_error_carries_the_closest_tags(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json: the error's suggestions are the tags the message offers ("did you mean ..."), as `tag --json` has."""
    code, out, err = run(capsys, "suggest", URL, "--title", "Title", "--tags", "image, cnn, zzqqxx, conv", "--json")
    refused = json.loads(out)["error"]
    assert code == 1 and (refused["code"], refused["field"]) == ("invalid_input", "--tags")
    assert refused["suggestions"] == ["kernels", "cnn"] and "(did you mean kernels?)" in err
    tag_error = json.loads(run(capsys, "tag", "image", "--json")[1])["error"]
    assert tag_error["suggestions"][:1] == ["kernels"]


def _many_suggestions(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setenv("VIZBOT_SUGGESTIONS_PER_HOUR", str(count))
    for n in range(count):
        suggest(capsys, f"https://example.org/demo-{n}")


def test_list_json_is_complete_and_text_says_what_is_cut(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`suggestions list --json` has every suggestion; text shows 20 and says how many exist and how to see more."""
    _many_suggestions(capsys, monkeypatch, 23)
    code, out, _ = run(capsys, "suggestions", "list", "--json")
    assert code == 0 and [s["id"] for s in json.loads(out)] == list(range(1, 24))
    code, out, err = run(capsys, "suggestions", "list")
    assert code == 0 and out.count("[pending]") == 20
    assert "1-20 of 23 pending suggestions shown; --limit/--offset for others" in err
    code, out, err = run(capsys, "suggestions", "list", "--offset", "20")
    assert out.count("[pending]") == 3 and "21-23 of 23" in err
    code, out, err = run(capsys, "suggestions", "list", "--json", "--limit", "2", "--offset", "1")
    assert [s["id"] for s in json.loads(out)] == [2, 3]
    code, out, err = run(capsys, "suggestions", "list", "--limit", "30")
    assert out.count("[pending]") == 23 and "shown" not in err


@pytest.mark.parametrize(
    ("count", "extra", "last_page"),
    [
        (3, (), None),
        (23, (), 20),
        (23, ("--limit", "5"), 20),
        (23, ("--limit", "10"), 20),
        (23, ("--limit", "23"), None),
    ],
)
def test_list_past_the_end_points_at_the_last_page(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    extra: tuple[str, ...],
    last_page: int | None,
) -> None:
    """An --offset past the end names the offset of the last page (which shows the last rows), or says
    that without --offset one page holds them all."""
    _many_suggestions(capsys, monkeypatch, count)
    code, out, err = run(capsys, "suggestions", "list", "--offset", "999", *extra)
    assert (code, out) == (0, "")
    if last_page is None:
        assert f"no pending suggestions past the first {count}; without --offset all {count} are shown" in err
    else:
        assert f"no pending suggestions past the first {count}; --offset {last_page} shows the last page" in err
        code, out, err = run(capsys, "suggestions", "list", "--offset", str(last_page), *extra)
        assert code == 0 and out.count("[pending]") == count - last_page


def test_report_json_is_complete_and_text_says_what_is_cut(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report --json` lists every pending suggestion; text shows 10 and says 10 of N."""
    _many_suggestions(capsys, monkeypatch, 13)
    code, out, _ = run(capsys, "report", "--json")
    data = json.loads(out)
    assert code == 0 and data["pending_count"] == 13 and len(data["pending"]) == 13
    code, out, _ = run(capsys, "report")
    assert out.count(" #") == 10 and "  Pending suggestions: 13: #1 " in out and "(10 of 13 shown)" in out
    code, out, _ = run(capsys, "report", "--limit", "20")
    assert out.count(" #") == 13 and "of 13 shown" not in out
    code, out, _ = run(capsys, "report", "--json", "--limit", "2")
    assert len(json.loads(out)["pending"]) == 2


def test_text_output_is_the_console_rendering_of_the_card(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """suggest, approve, vote and forget print the cards the console and Discord show, rendered as the console does."""
    code, out, _ = run(
        capsys, "suggest", URL, "--title", "Max pooling explained", "--tags", "conv net", "--user", "ann"
    )
    assert code == 0 and out.startswith("✓ Suggestion recorded\nthanks! suggestion #1 is waiting for review\n")
    assert "  Title: Max pooling explained\n" in out and "  Status: pending (#1)\n" in out
    code, out, _ = run(capsys, "suggestions", "approve", "1", "--kind", "video", "--level", "advanced")
    assert code == 0 and out.startswith("✓ Suggestion #1 approved\n")
    assert "Approved and live in the catalog as max-pooling-explained (video, advanced)." in out
    code, out, _ = run(capsys, "vote", "image-kernels", "up", "--question", "blur", "--user", "ann")
    title = "Image Kernels Explained Visually"  # the resource's title (vote_card names a resource it cannot find by id)
    assert (code, out) == (0, render_card(answers.vote_card(None, title, up=True)) + "\n")
    code, out, _ = run(capsys, "forget", "--user", "ann")
    expected = ForgetReport(user="ann", votes=1, pending_suggestions=0, seconds=0, attributions=1, audit_entries=1)
    assert (code, out) == (0, render_card(answers.forget_card(expected)) + "\n")


def test_suggested_url_is_stored_listed_and_exported_normalised(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Scheme and host case, the default port and the fragment go before storing; path case and query stay."""
    created = suggest(capsys, "HTTPS://WWW.Example.NET:443/Path/?Q=1#frag")
    assert created["suggestion"]["url"] == "https://www.example.net/Path/?Q=1"
    assert run(capsys, "suggestions", "approve", "1")[0] == 0
    code, out, _ = run(capsys, "suggestions", "list", "--status", "approved", "--json")
    assert code == 0 and json.loads(out)[0]["url"] == "https://www.example.net/Path/?Q=1"
    code, out, _ = run(capsys, "suggestions", "export")
    assert code == 0 and yaml.safe_load(out)[0]["url"] == "https://www.example.net/Path/?Q=1"


def test_rows_stored_before_normalising_are_kept_as_they_are(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A URL stored as typed by an older version is not rewritten, and a new spelling of it still seconds it."""
    suggest(capsys)
    with sqlite3.connect(env) as conn:
        conn.execute("UPDATE suggestions SET url = ? WHERE id = 1", ("HTTPS://Example.ORG:443/pooling#old",))
    assert suggest(capsys, "https://example.org/pooling", "--user", "bob")["status"] == "seconded"
    code, out, _ = run(capsys, "suggestions", "list", "--json")
    assert code == 0 and [s["url"] for s in json.loads(out)] == ["HTTPS://Example.ORG:443/pooling#old"]
