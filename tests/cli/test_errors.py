"""Errors on the command line: exit 2 for usage, and with --json a JSON error document on stdout too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main

FIXTURE = str(Path(__file__).resolve().parent.parent / "data" / "catalogs" / "search_fixture")


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "status", "code", "field", "fragment"),
    [
        (["suggest", "notaurl", "--title", "A title", "--tags", "cnn"], 1, "invalid_input", "url", "http"),
        (["tag", "zzzzqqqq"], 1, "not_found", "name", "zzzzqqqq"),
        (["ask"], 2, "usage", "question", "give a QUESTION"),
        (["ask", "orbits", "--limit", "0"], 2, "usage", "--limit", "--limit"),
        (["ask", "orbits", "--kind", "zzz"], 2, "usage", "--kind", "invalid choice"),
        (["ask", "orbits", "--tag", "nosuchtag"], 1, "not_found", "--tag", "nosuchtag"),
        (["ask", "orbits", "--no-such-option"], 2, "usage", None, "--no-such-option"),
        (["tags", "--catalog", "/nonexistent/catalog"], 2, "config", "--catalog", "does not exist"),
        (["suggestions", "approve", "99"], 1, "not_found", None, "99"),
        (
            ["suggest", "https://example.org/a", "--title", "ab", "--tags", "cnn"],
            1,
            "invalid_input",
            "--title",
            "at least",
        ),
        (["suggest", "https://example.org/a", "--tags", "cnn"], 2, "usage", "--title", "--title"),
        (
            ["suggest", "https://example.org/a", "--title", "A title", "--tags", "zzqq"],
            1,
            "invalid_input",
            "--tags",
            "zzqq",
        ),
        (["suggestions", "reject", "1", "--reason", "x"], 1, "invalid_input", "--reason", "at least"),
        (["report", "--days", "0"], 2, "usage", "--days", "must be from 1 to 3650"),
        (["report", "--days", "100000000"], 2, "usage", "--days", "must be from 1 to 3650"),
        (["report", "--server", "abc"], 2, "usage", "--server", "not a whole number"),
        (["settings", "--server", "abc"], 2, "usage", "--server", "not a whole number"),
        (
            ["catalog", "check", FIXTURE, "--catalog", "/elsewhere"],
            2,
            "usage",
            "--catalog",
            "give the catalog directory once",
        ),
        (["catalog", "check", "/nonexistent/catalog"], 2, "config", "DIR", "does not exist"),
    ],
    ids=[
        "bad-url",
        "unknown-tag",
        "no-question",
        "bad-limit",
        "bad-kind",
        "unknown-filter-tag",
        "unknown-option",
        "missing-catalog",
        "no-such-suggestion",
        "short-title",
        "missing-title",
        "unknown-tags",
        "short-reason",
        "report-days-0",
        "report-days-too-many",
        "report-server-not-a-number",
        "settings-server-not-a-number",
        "catalog-twice",
        "catalog-dir-missing",
    ],
)
def test_json_errors_are_a_document_on_stdout(
    argv: list[str],
    status: int,
    code: str,
    field: str | None,
    fragment: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With --json an error prints {"error": {code, message, field, suggestions}} on stdout, the same
    one-line message on stderr, and exits as without --json."""
    monkeypatch.setenv("VIZBOT_DB", str(tmp_path / "vizbot.db"))
    if "--catalog" not in argv and argv[0] in ("ask", "tag"):
        argv = [*argv, "--catalog", FIXTURE]
    plain_status, plain_out, plain_err = _run(capsys, argv)
    assert plain_status == status and plain_out == "" and fragment in plain_err
    json_status, out, err = _run(capsys, [*argv, "--json"])
    assert json_status == status and err == plain_err
    document = json.loads(out)
    assert list(document) == ["error"]
    assert set(document["error"]) == {"code", "message", "field", "suggestions"}
    assert (document["error"]["code"], document["error"]["field"]) == (code, field)
    assert fragment in document["error"]["message"] and out.count("\n") == 1


def test_unknown_tag_error_lists_the_closest_tags(capsys: pytest.CaptureFixture[str]) -> None:
    """`vizbot tag` with an unknown name: the JSON error carries the closest tags."""
    code, out, _ = _run(capsys, ["tag", "orbitology", "--json", "--catalog", FIXTURE])
    assert code == 1 and "orbital-mechanics" in json.loads(out)["error"]["suggestions"]


@pytest.mark.parametrize("argv", [["ask"], ["ask", "x", "--batch", "-"]])
def test_ask_usage_mistakes_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """`vizbot ask` without a question, or with a question and --batch, is a usage error (exit 2), as the README says."""
    code, out, err = _run(capsys, [*argv, "--catalog", FIXTURE])
    assert code == 2
    wanted = "not both" if "--batch" in argv else "give a QUESTION, or --batch FILE"
    assert err.startswith("vizbot: error: question: give ") and wanted in err and err.count("\n") == 1
    if "--batch" in argv:  # batch output is JSON lines: the error is a JSON document too
        assert json.loads(out)["error"]["code"] == "usage"
    else:
        assert out == ""


def test_batch_errors_are_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    """--batch writes JSON lines, so its errors are a JSON document on stdout too."""
    code, out, err = _run(capsys, ["ask", "--batch", "/nonexistent/questions.txt", "--catalog", FIXTURE])
    assert code == 1 and "cannot read" in err
    assert json.loads(out)["error"]["field"] == "--batch"


@pytest.mark.parametrize(
    ("env", "argv", "field"),
    [
        ({}, ["suggest", "https://example.org/x", "--tags", "cnn"], "--title"),
        ({}, ["suggestions", "reject", "1"], "--reason"),
        ({}, ["vote", "some-id", "up"], "--question"),
        ({}, ["forget"], "--user"),
        ({"VIZBOT_QUESTION_COOLDOWN": "abc"}, ["ask", "orbits", "--catalog", FIXTURE], "VIZBOT_QUESTION_COOLDOWN"),
        ({"VIZBOT_SUGGESTIONS_PER_HOUR": "-3"}, ["tags", "--catalog", FIXTURE], "VIZBOT_SUGGESTIONS_PER_HOUR"),
        ({"VIZBOT_CATALOG": "/nonexistent/catalog"}, ["tags"], "VIZBOT_CATALOG"),
        ({}, ["tags", "--catalog", "/nonexistent/catalog"], "--catalog"),
        ({"VIZBOT_DB": "postgresql:/x"}, ["suggestions", "list"], "VIZBOT_DB"),
        ({"VIZBOT_DB": "mysql://host/db"}, ["suggestions", "list"], "VIZBOT_DB"),
    ],
    ids=[
        "suggest",
        "reject",
        "vote",
        "forget",
        "cooldown",
        "per-hour",
        "catalog-variable",
        "catalog-option",
        "db-url-variable",
        "db-scheme-variable",
    ],
)
def test_json_error_names_the_missing_option_or_bad_setting(
    env: dict[str, str],
    argv: list[str],
    field: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing required option or a malformed VIZBOT_* value: exit 2, and the JSON error's field names it."""
    monkeypatch.setenv("VIZBOT_DB", str(tmp_path / "vizbot.db"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = _run(capsys, [*argv, "--json"])
    assert code == 2 and out.count("\n") == 1 and "Traceback" not in err
    assert json.loads(out)["error"]["field"] == field


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize("argv", [["suggestions", "list"], ["chat"], ["db", "check"]], ids=["list", "chat", "db-check"])
def test_empty_db_option_is_a_usage_error(
    argv: list[str], value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db ""` is not the working directory: exit 2 naming --db, nothing run (no database opened or created)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, [*argv, "--db", value])
    assert (code, out) == (2, "") and "error: argument --db: give a database file" in err
    assert "could not open" not in err and list(tmp_path.iterdir()) == []
    if argv != ["chat"]:  # chat has no --json
        code, out, _ = _run(capsys, [*argv, "--db", value, "--json"])
        assert code == 2 and json.loads(out)["error"]["field"] == "--db"
