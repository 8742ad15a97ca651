"""vizbot ask / tags / tag go through the service: questions logged, approved suggestions live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli.main import main

SEARCH_FIXTURE = str(Path(__file__).resolve().parent.parent / "data" / "catalogs" / "search_fixture")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run one command; returns (exit status, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The search fixture catalog and a temporary database."""
    path = tmp_path / "data" / "vizbot.db"
    monkeypatch.setenv("VIZBOT_DB", str(path))
    monkeypatch.setenv("VIZBOT_CATALOG", SEARCH_FIXTURE)
    return path


def report(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, err = run(capsys, "report", "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    ("argv", "logged"),
    [
        (["ask", "how do gravity assists work?"], 1),
        (["ask", "how do gravity assists work?", "--no-log"], 0),
        (["ask", "how do gravity assists work?", "--json"], 1),
    ],
    ids=["plain", "no-log", "json"],
)
def test_ask_logs_the_question_unless_told_not_to(
    db: Path, capsys: pytest.CaptureFixture[str], argv: list[str], logged: int
) -> None:
    """A question asked on the command line reaches the curator report, except with --no-log."""
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "gravity" in out.lower()
    assert report(capsys)["questions"] == logged


def test_unanswered_question_shows_up_as_a_gap(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An off-topic question is logged as unanswered, so curators see it in the report."""
    run(capsys, "ask", "how do I bake sourdough bread")
    data = report(capsys)
    assert data["unanswered"] == 1
    assert any("sourdough" in gap["question"] for gap in data["gaps"])


def test_batch_questions_are_not_logged(db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--batch is for scripts and evaluations: one JSON line per question, nothing in the report."""
    questions = tmp_path / "q.txt"
    questions.write_text("gravity assist\nlol\n", encoding="utf-8")
    code, out, _ = run(capsys, "ask", "--batch", str(questions))
    assert code == 0 and len(out.splitlines()) == 2
    assert report(capsys)["questions"] == 0


def test_ask_answers_even_when_the_database_cannot_be_opened(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that cannot be opened costs one warning on stderr, not the answer."""
    monkeypatch.setenv("VIZBOT_CATALOG", SEARCH_FIXTURE)
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("shopping list\n", encoding="utf-8")
    code, out, err = run(capsys, "ask", "gravity assist", "--json", "--db", str(not_a_db))
    assert code == 0 and json.loads(out)["results"]
    assert err.startswith("vizbot: warning: ") and "not a vizbot database" in err
    assert not_a_db.read_text(encoding="utf-8") == "shopping list\n"


def test_approved_suggestion_is_answered_by_ask_and_listed_by_tag(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After approval the new resource is in `vizbot ask` and `vizbot tag` results, as in Discord."""
    url = "https://example.org/slingshot-simulator"
    code, out, err = run(
        capsys,
        "suggest",
        url,
        "--title",
        "Slingshot simulator for gravity assists",
        "--tags",
        "orbital-mechanics",
        "--json",
    )
    assert code == 0, err
    suggestion_id = str(json.loads(out)["suggestion"]["id"])
    assert run(capsys, "suggestions", "approve", suggestion_id, "--kind", "interactive")[0] == 0
    code, out, _ = run(capsys, "ask", "slingshot simulator", "--json", "--no-log")
    assert code == 0 and url in [r["url"] for r in json.loads(out)["results"]]
    code, out, _ = run(capsys, "tag", "orbital-mechanics", "--json")
    assert code == 0 and url in out
