"""vizbot ask | tags | tag | eval, run in-process through bot.cli.main.main."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.main import main
from bot.core.catalog import default_catalog_dir, load_catalog
from bot.core.limits import QUESTION_MAX

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURE = str(DATA / "catalogs" / "search_fixture")
QUERIES = str(DATA / "queries.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_title_url_tags_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    """A plain ask prints the answer card as the console does: numbered results with URL, tags and why."""
    code, out, err = run(capsys, "ask", "how do gravity assists work?", "--catalog", FIXTURE)
    assert code == 0
    assert out.startswith(
        "> how do gravity assists work?\nVisualizations for your question\n\n"
        "1. How gravity assists work\n   https://example.org/gravity-assist\n"
    )
    assert "   orbital-mechanics · video · beginner\n" in out and "why:" in out
    assert "Traceback" not in out + err


def test_ask_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints exactly one document of the documented shape on stdout."""
    code, out, err = run(capsys, "ask", "spectroscpy", "--json", "--limit", "2", "--catalog", FIXTURE)
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"query", "results", "suggested_tags", "gaps", "catalog"}
    assert data["catalog"] == FIXTURE
    assert len(data["results"]) <= 2
    assert set(data["results"][0]) == {"id", "title", "url", "score", "tags", "why"}
    assert "spectroscopy" in err  # the correction notice goes to stderr


def test_ask_refuses_off_topic(capsys: pytest.CaptureFixture[str]) -> None:
    """An off-topic question exits 0 with no results."""
    code, out, _ = run(capsys, "ask", "what's the weather in Paris", "--json", "--catalog", FIXTURE)
    assert code == 0 and json.loads(out)["results"] == []
    code, out, _ = run(capsys, "ask", "what's the weather in Paris", "--catalog", FIXTURE)
    assert code == 0 and "No matching visualization" in out and "1. " not in out


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--kind", "video"], {"gravity-assist-video"}),
        (["--level", "intermediate"], {"hohmann-explained"}),
        (["--tag", "delta-v"], {"orbit-simulator", "hohmann-explained", "gravity-assist-video"}),
    ],
)
def test_ask_filters(capsys: pytest.CaptureFixture[str], extra: list[str], expected: set[str]) -> None:
    """--kind, --level and --tag (alias allowed) restrict the results."""
    code, out, _ = run(capsys, "ask", "orbits", "--json", "--limit", "10", "--catalog", FIXTURE, *extra)
    assert code == 0
    assert {r["id"] for r in json.loads(out)["results"]} <= expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask"], "give a QUESTION, or --batch FILE"),
        (["ask", "x", "--batch", "-"], "give one QUESTION, or --batch FILE (- for standard input), not both"),
        (["ask", "--batch", "/nonexistent/file.txt"], "cannot read"),
        (["ask", "orbits", "--tag", "zzzzzz"], "no tag"),
        (["ask", "orbits", "--catalog", "/nonexistent/catalog"], "does not exist"),
    ],
)
def test_ask_errors_are_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    """Mistakes print `vizbot: error: ...` and exit non-zero (2 for a catalog directory that is not there)."""
    code, out, err = run(capsys, *argv, *([] if "--catalog" in argv else ["--catalog", FIXTURE]))
    assert code == (2 if "/nonexistent/catalog" in argv or "QUESTION" in message else 1)
    assert err.startswith("vizbot: error: ") and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize("limit", ["0", "51", "many"])
def test_ask_bad_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    """argparse rejects a bad --limit with exit 2."""
    with pytest.raises(SystemExit) as exc:
        main(["ask", "orbits", "--limit", limit])
    assert exc.value.code == 2


def test_batch_one_json_line_per_question(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--batch FILE answers every line, blank ones included, one JSON object per line."""
    questions = tmp_path / "q.txt"
    questions.write_text("jwst\n\nlol\nhohman transfer\n", encoding="utf-8")
    code, out, _ = run(capsys, "ask", "--batch", str(questions), "--catalog", FIXTURE)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["query"] for d in lines] == ["jwst", "", "lol", "hohman transfer"]
    assert lines[0]["results"][0]["id"] == "jwst-mirror"
    assert lines[1]["results"] == [] and lines[2]["results"] == []


def test_batch_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--batch - reads standard input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("supernova\nbh\n"))
    code, out, _ = run(capsys, "ask", "--batch", "-", "--catalog", FIXTURE)
    assert code == 0
    assert [json.loads(line)["results"][0]["id"] for line in out.splitlines()] == [
        "supernova-sim",
        "black-hole-visualizer",
    ]


def test_tags_lists_every_tag(capsys: pytest.CaptureFixture[str]) -> None:
    """vizbot tags --json: every tag with title, count and aliases."""
    code, out, _ = run(capsys, "tags", "--json", "--catalog", FIXTURE)
    assert code == 0
    tags = {t["slug"]: t for t in json.loads(out)["tags"]}
    assert len(tags) == 6
    assert tags["orbital-mechanics"]["count"] == 3
    assert "delta-v" in tags["orbital-mechanics"]["aliases"]
    assert set(tags["telescopes"]) == {"slug", "title", "description", "count", "aliases"}
    code, out, _ = run(capsys, "tags", "--catalog", FIXTURE)
    assert code == 0 and "orbital-mechanics" in out and "Orbital mechanics" in out


@pytest.mark.parametrize(("name", "how"), [("telescopes", "exact"), ("hubble", "alias"), ("telescpes", "typo")])
def test_tag_resolves_names(capsys: pytest.CaptureFixture[str], name: str, how: str) -> None:
    """vizbot tag NAME: slug, alias and typo all reach the tag's resources."""
    code, out, _ = run(capsys, "tag", name, "--json", "--catalog", FIXTURE)
    assert code == 0
    data = json.loads(out)
    assert data["tag"]["slug"] == "telescopes" and data["how"] == how
    assert {r["id"] for r in data["resources"]} == {"jwst-mirror", "telescope-optics"}


@pytest.mark.parametrize(
    ("argv", "footer"),
    [
        (["tag", "black-holes", "--kind", "video"], "(1 resource)"),
        (["tag", "black-holes"], "(3 resources)"),
        (["tag", "black-holes", "--kind", "tool"], "(0 resources)"),
        (["tags"], "(Browse one with vizbot tag NAME.)"),
    ],
    ids=["one", "several", "none", "tags"],
)
def test_tag_listing_footer_counts_without_pages(
    capsys: pytest.CaptureFixture[str], argv: list[str], footer: str
) -> None:
    """`tag` and `tags` print every entry at once: the footer counts them (singular for one), no "page 1 of 1"."""
    code, out, _ = run(capsys, *argv, "--catalog", FIXTURE)
    assert code == 0 and out.rstrip().splitlines()[-1] == footer


def test_tag_unknown_suggests_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown tag name exits 1 and names the closest tags."""
    code, out, err = run(capsys, "tag", "orbitology", "--catalog", FIXTURE)
    assert code == 1 and "orbital-mechanics" in err and err.startswith("vizbot: error:")
    code, out, err = run(capsys, "tag", "orbitology", "--json", "--catalog", FIXTURE)
    assert code == 1
    error = json.loads(out)["error"]
    assert (error["code"], error["field"]) == ("not_found", "name")
    assert "orbital-mechanics" in error["suggestions"] and "orbitology" in error["message"]


def test_eval_meets_the_floors(capsys: pytest.CaptureFixture[str]) -> None:
    """vizbot eval on the labelled questions: hit@3 >= 0.9, refusals right."""
    code, out, _ = run(capsys, "eval", QUERIES, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["questions"] >= 80
    assert data["hit_at_3"] >= 0.9
    assert data["refused_correctly"] >= 0.9
    assert data["wrongly_refused"] <= 0.05


def test_eval_human_output_lists_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The text report shows every metric and each failing question with what came back."""
    queries = tmp_path / "q.yaml"
    queries.write_text("- q: jwst\n  gold: [hr-diagram]\n- q: lol\n  gold: []\n", encoding="utf-8")
    code, out, _ = run(capsys, "eval", str(queries), "--catalog", FIXTURE)
    assert code == 0
    for name in ("hit@1", "hit@3", "MRR@10", "nDCG@10", "unanswerable refused", "answerable refused"):
        assert name in out
    assert "1 failing question" in out and "got: jwst-mirror" in out


def test_eval_stale_gold_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Gold ids the catalog lacks are refused with a clear message."""
    queries = tmp_path / "q.yaml"
    queries.write_text("- q: jwst\n  gold: [ghost-id]\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(queries), "--catalog", FIXTURE)
    assert code == 1 and "ghost-id" in err


def test_eval_entry_without_gold_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An entry with no gold key exits 1 naming the file, the entry and its line; nothing is scored."""
    queries = tmp_path / "q.yaml"
    queries.write_text('- q: "cnn"\n', encoding="utf-8")
    code, out, err = run(capsys, "eval", str(queries), "--catalog", FIXTURE, "--json")
    assert code == 1 and json.loads(out)["error"]["field"] == "question 1"
    assert "question 1: has no gold" in err and f"(at {queries} line 1)" in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    question=st.one_of(
        st.text(min_size=1).filter(lambda s: not s.startswith("-")),
        st.sampled_from(["@everyone", "<@123>", "'; DROP TABLE x; --", "Z̷͙a̴l̵g̶o", "שלום", "a" * 12_000]),
    )
)
def test_ask_any_text_never_tracebacks(capsys: pytest.CaptureFixture[str], question: str) -> None:
    """Any question text gives exit 0 and one complete JSON document."""
    code, out, err = run(capsys, "ask", question, "--json", "--catalog", FIXTURE)
    assert code == 0
    assert json.loads(out)["query"] == question
    assert "Traceback" not in err


def _subprocess(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *argv], input=stdin, capture_output=True, text=True, timeout=60)


def test_subprocess_ask_json_and_no_discord_import() -> None:
    """The real command prints JSON, and the ask path never imports discord."""
    probe = (
        "import sys; from bot.cli.main import main; code = main(['ask', 'jwst', '--json', '--catalog', %r]);"
        "sys.stderr.write('DISCORD' if 'discord' in sys.modules else 'CLEAN'); sys.exit(code)" % FIXTURE
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["id"] == "jwst-mirror"
    assert done.stderr.endswith("CLEAN")


def test_subprocess_batch_with_nasty_lines() -> None:
    """Control characters, RTL text and mentions through stdin: one JSON line each, exit 0."""
    lines = ["\x01\x02 orbit", "\u202eRTL\u202c", "@everyone <@123>", "🎉" * 50]
    done = _subprocess("ask", "--batch", "-", "--catalog", FIXTURE, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert len([json.loads(line) for line in done.stdout.splitlines()]) == 4


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--tag", "orbital-mechanics"], "orbital-mechanics"),
        (["--tag", "telescpes"], "telescopes"),  # a typo resolves, as it does for the filter
        (["--tag", "orbital-mechanics", "--kind", "video"], "orbital-mechanics"),
    ],
)
def test_generic_question_with_a_tag_lists_the_tag(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    """`ask "how does it work" --tag T` means "show me this tag": the tag's resources, not "ask about a topic"."""
    code, out, err = run(capsys, "ask", "how does it work", *argv, "--json", "--limit", "50", "--catalog", FIXTURE)
    assert code == 0
    results = json.loads(out)["results"]
    code, listing, _ = run(capsys, "tag", expected, *argv[2:], "--json", "--catalog", FIXTURE)
    assert [r["id"] for r in results] == [r["id"] for r in json.loads(listing)["resources"]] != []
    assert all(expected in r["tags"] for r in results)
    assert "showing the resources with tag " + expected in err
    code, out, _ = run(capsys, "ask", "how does it work", *argv, "--catalog", FIXTURE)
    assert "\n1. " in out and "Ask about a topic" not in out


def test_generic_question_without_a_filter_still_asks_for_a_topic(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a filter, a question with no topic gets the "ask about a topic" hint and no results."""
    code, out, _ = run(capsys, "ask", "how does it work", "--catalog", FIXTURE)
    assert code == 0 and out.startswith("> how does it work\nNo matching visualization\nAsk about a topic")
    assert "\n1. " not in out


def test_ask_on_a_broken_catalog_points_at_catalog_check(capsys: pytest.CaptureFixture[str]) -> None:
    """A broken catalog: one line naming the first problem and the command that lists them all."""
    broken = DATA / "catalogs" / "many_problems"
    code, out, err = run(capsys, "ask", "kernels", "--catalog", str(broken), "--no-log")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and f"run `vizbot catalog check {broken}` to see every problem" in err


def test_a_very_long_question_gets_a_polite_answer(capsys: pytest.CaptureFixture[str]) -> None:
    """A 10,000-character question is answered, shown shortened to QUESTION_MAX characters, with no traceback."""
    question = ("how do gravity assists work " * 400)[:10_000]
    code, out, err = run(capsys, "ask", question, "--catalog", FIXTURE)
    shown = out.splitlines()[0].removeprefix("> ")
    assert code == 0 and len(shown) == QUESTION_MAX and shown.endswith("…")
    assert "\n1. How gravity assists work\n" in out and "Traceback" not in out + err


@pytest.mark.parametrize("module", ["discord", "aiohttp", "asyncpg"])
def test_ask_imports_neither_discord_nor_the_link_checker(valid_catalog_dir: Path, tmp_path: Path, module: str) -> None:
    """`vizbot ask` stays quick to start: neither discord.py nor aiohttp (the link checker's) nor asyncpg
    (PostgreSQL's, for a postgresql:// database only) is imported."""
    script = (
        "import sys\n"
        "from bot.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        f"assert {module!r} not in sys.modules, '{module} was imported'\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            "ask",
            "convolutional neural networks",
            "--catalog",
            str(valid_catalog_dir),
            "--db",
            str(tmp_path / "v.db"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_text_output_words_next_steps_as_commands(
    valid_catalog_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line's hints name vizbot commands, not Discord's buttons or slash commands."""
    code = main(
        [
            "ask",
            "quantum chromodynamics on a lattice",
            "--catalog",
            str(valid_catalog_dir),
            "--db",
            str(tmp_path / "v.db"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "vizbot suggest" in out and "/suggest" not in out and "👍" not in out


def test_json_output_is_utf8_when_the_question_has_bytes_that_are_not() -> None:
    """Undecodable bytes in an argument or a --batch line come out as U+FFFD, so stdout stays valid UTF-8 JSON."""
    argv = [sys.executable, "-m", "bot", "ask", "--json", "--no-log", "--catalog", str(FIXTURE)]
    done = subprocess.run([*argv, b"\xffconv\xc3"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.decode("utf-8"))["query"] == "\ufffdconv\ufffd"
    batch = subprocess.run(
        [*argv[:4], "--batch", "-", "--no-log", "--catalog", str(FIXTURE)],
        input=b"what is an orbit \xff\n",
        capture_output=True,
        timeout=60,
    )
    assert batch.returncode == 0, batch.stderr
    assert "\ufffd" in json.loads(batch.stdout.decode("utf-8"))["query"]


def test_a_refusal_names_its_related_tags_once(capsys: pytest.CaptureFixture[str]) -> None:
    """The refusal's text says nothing fits and lists the closest tags once, as the card's related tags."""
    code, out, err = run(capsys, "ask", "--no-log", "what is the salary of a data scientist in São Paulo?")
    assert code == 0 and "No matching visualization" in out
    assert out.count("Related tags: ") == 1 and "Closest tags" not in out + err


def _shipped_ask(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "ask", *argv, "--no-log", "--catalog", str(default_catalog_dir()))


@pytest.mark.parametrize(
    ("filters", "matches"),
    [
        (["--tag", "cnn"], lambda r: "cnn" in r.tags),
        (["--level", "beginner"], lambda r: r.level == "beginner"),  # more than one engine page (50)
    ],
    ids=["tag", "level"],
)
def test_filter_listing_json_has_every_match(capsys: pytest.CaptureFixture[str], filters: list[str], matches) -> None:
    """--json without --limit: a question with no topic and a filter lists every resource the filter allows."""
    every = {r.id for r in load_catalog(default_catalog_dir()).resources if matches(r)}
    code, out, err = _shipped_ask(capsys, "how does it work", *filters, "--json")
    ids = [r["id"] for r in json.loads(out)["results"]]
    assert code == 0 and len(ids) == len(set(ids)) and set(ids) == every and len(every) > 5
    assert f"({len(every)} in all)" in err
    code, out, _ = _shipped_ask(capsys, "how does it work", *filters, "--json", "--limit", "3")
    assert [r["id"] for r in json.loads(out)["results"]] == ids[:3]  # an explicit --limit is kept


def test_question_json_has_every_result_unless_limited(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--json and --batch for a question: every result the engine ranks (as --limit 50 gives), not the text
    default of 5; an explicit --limit is kept."""
    every = json.loads(_shipped_ask(capsys, "convolution filters", "--json", "--limit", "50")[1])["results"]
    unlimited = json.loads(_shipped_ask(capsys, "convolution filters", "--json")[1])["results"]
    assert len(every) > 5 and unlimited == every
    monkeypatch.setattr(sys, "stdin", io.StringIO("convolution filters\n"))
    assert json.loads(_shipped_ask(capsys, "--batch", "-")[1])["results"] == every
    assert json.loads(_shipped_ask(capsys, "convolution filters", "--json", "--limit", "2")[1])["results"] == every[:2]


@pytest.mark.parametrize(
    ("argv", "footer"),
    [
        (["how does it work", "--tag", "cnn"], "(5 of {n} shown; --limit {n} shows them all)"),
        (["how does it work", "--level", "beginner"], "(5 of {n} shown; --limit 50 shows 50, --json every one)"),
        (["how does it work", "--tag", "cnn", "--limit", "50"], None),
    ],
    ids=["more", "more-than-50", "all-shown"],
)
def test_text_says_how_many_and_how_to_see_more(
    capsys: pytest.CaptureFixture[str], argv: list[str], footer: str | None
) -> None:
    """Text shows the first --limit results and, when there are more, how many and how to see them (no "Page 1":
    `ask` has no page 2)."""
    total = len(json.loads(_shipped_ask(capsys, *argv, "--json")[1])["results"])
    code, out, _ = _shipped_ask(capsys, *argv)
    assert code == 0 and "Page 1" not in out
    if footer is None:
        assert out.count("\n   why: ") == total and not out.rstrip().endswith(")")
    else:
        assert out.count("\n   why: ") == 5 and out.rstrip().endswith(footer.format(n=total))


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["ask", "how do gravity assists work?"], "results (catalog {catalog})"),
        (["ask", "what's the weather in Paris"], "0 results (catalog {catalog})"),
        (["tag", "black-holes"], "3 resources with tag black-holes (catalog {catalog})"),
        (["tags"], "resources (catalog {catalog})"),
    ],
    ids=["ask", "ask-nothing", "tag", "tags"],
)
def test_text_names_the_catalog_on_stderr(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    """Like `tags`, `ask` and `tag` name the catalog they read in one line on stderr (stdout is the card alone)."""
    code, out, err = run(capsys, *argv, "--no-log" if argv[0] == "ask" else "--json", "--catalog", FIXTURE)
    if argv[0] != "ask":  # that was --json, which carries the catalog in the document instead
        assert json.loads(out)["catalog"] == FIXTURE and "(catalog " not in err
        code, out, err = run(capsys, *argv, "--catalog", FIXTURE)
    assert code == 0 and err.splitlines()[-1].endswith(line.format(catalog=FIXTURE))
    assert FIXTURE not in out
