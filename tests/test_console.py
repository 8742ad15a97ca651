"""vizbot chat: the offline console, driven with scripted input."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import AsyncIterator

import pytest

from bot.app import open_vizbot
from bot.config import Settings
from bot.console import Console, render_card
from bot.core import answers


@pytest.fixture
async def service(valid_catalog_dir: Path, tmp_path: Path) -> AsyncIterator[object]:
    """The real service over the small fixture catalog and a temporary database."""
    settings = Settings(catalog_dir=valid_catalog_dir, db_path=tmp_path / "vizbot.db")
    async with open_vizbot(settings) as vizbot:
        yield vizbot


async def chat(service: object, *lines: str) -> str:
    """Run the console on these input lines; return everything it printed."""
    out = io.StringIO()
    console = Console(service, io.StringIO("".join(line + "\n" for line in lines)), out, user="tester")
    assert await console.run() == 0
    return out.getvalue()


async def test_a_question_gets_the_answer_card(service: object) -> None:
    """A plain line is a question; results come with URL, tags, kind · level and why."""
    text = await chat(service, "convolutional neural networks")
    assert "> convolutional neural networks" in text
    assert "1. CS231n: Convolutional Neural Networks" in text
    assert "https://cs231n.github.io/convolutional-networks/" in text
    assert "course · intermediate" in text and "why:" in text


async def test_console_text_matches_the_shared_card(service: object) -> None:
    """The console prints exactly the card the answer layer builds (nothing written twice)."""
    card = await answers.ask_card(service, "convolutional neural networks", user="tester")
    assert render_card(card) in await chat(service, "convolutional neural networks")


async def test_nothing_found_says_so_and_invites_suggest(service: object) -> None:
    """Off-topic questions get a plain refusal and the /suggest invitation."""
    text = await chat(service, "what is the weather in paris")
    assert "No matching visualization" in text and "/suggest" in text


async def test_more_past_the_last_page_says_there_is_nothing_more(service: object) -> None:
    """/more after the last page says so; it never starts again from the top."""
    out = await chat(service, "convolutional neural networks", "/more", "/more")
    assert out.count("1. CS231n") == 1
    assert out.count("No more results for “convolutional neural networks”: all 2 are shown above") == 2
    assert "Recorded 👍 for CS231n" in await chat(service, "convolutional neural networks", "/more", "/vote 1 up")


@pytest.fixture
async def shipped(tmp_path: Path) -> AsyncIterator[object]:
    """The service over the shipped catalog (words alone, so no model is loaded) and a temporary database."""
    async with open_vizbot(Settings(db_path=tmp_path / "vizbot.db", semantic=False)) as vizbot:
        yield vizbot


def _numbered(text: str) -> dict[int, str]:
    """The titles of the numbered results printed, by number."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^(\d+)\. (.+)$", text, flags=re.MULTILINE)}


async def test_vote_numbers_are_the_ones_on_screen_after_more(shipped: object) -> None:
    """After /more, /vote N rates the result printed as N, on the new page or on an earlier one."""
    out = await chat(shipped, "how do convolutions work", "/more")
    titles = _numbered(out)
    assert {1, 2, 3, 4, 5, 6} <= set(titles)
    for number in (5, 1):
        out = await chat(shipped, "how do convolutions work", "/more", f"/vote {number} up")
        assert f"Recorded 👍 for {titles[number]}." in out
    out = await chat(shipped, "how do convolutions work", "/more", "/vote 7 up")
    assert "result 7 is not shown; pick one from 1 to 6" in out


async def test_review_asks_again_after_an_unrecognised_answer(service: object) -> None:
    """A stray answer at the /review prompt asks again; it neither ends the review nor becomes a question."""
    text = await chat(
        service,
        "/suggest https://example.org/pooling --title 'Max pooling animated' --tags cnn",
        "/review",
        "maybe",
        "",
        "a",
        "/quit",
    )
    assert text.count("Please answer a (approve), r (reject), s (skip) or q (quit the review)") == 2
    assert "Suggestion #1 approved" in text and "> maybe" not in text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/report 0", "days: must be from 1 to 3650"),
        ("/report -5", "days: must be from 1 to 3650"),
        ("/report 3651", "days: must be from 1 to 3650"),
        ("/report 99999", "days: must be from 1 to 3650"),
        ("/report abc", "is not a whole number"),
        ("/report ⁵", "is not a whole number"),
        ("/tags 0", "page: must be from 1 to"),
    ],
)
async def test_report_and_tags_refuse_bad_numbers(service: object, line: str, message: str) -> None:
    """/report DAYS and /tags PAGE are whole numbers from 1, refused otherwise (like `vizbot report --days 0`)."""
    text = await chat(service, line)
    assert message in text and "Curator report" not in text and "Tags (" not in text


async def test_report_without_days_covers_30(service: object) -> None:
    """/report alone is the last 30 days."""
    assert "in the last 30 days" in await chat(service, "/report")


async def test_a_running_chat_sees_approvals_made_elsewhere(valid_catalog_dir: Path, tmp_path: Path) -> None:
    """An approval made by another process is answered in a chat already running, and /reload counts it."""
    settings = Settings(catalog_dir=valid_catalog_dir, db_path=tmp_path / "vizbot.db", semantic=False)
    async with open_vizbot(settings) as console_side, open_vizbot(settings) as elsewhere:
        outcome = await elsewhere.suggest("https://example.org/pooling", "Max pooling animated", "cnn", user="someone")
        await elsewhere.approve(outcome.suggestion.id, moderator="mod")
        assert console_side.catalog.get("max-pooling-animated") is None  # built before the approval
        text = await chat(console_side, "max pooling animated", "/reload")
    assert "https://example.org/pooling" in text.split("> max pooling animated", 1)[1]
    assert "4 resources and 2 tags are live" in text


async def test_reload_counts_approvals_it_picks_up(valid_catalog_dir: Path, tmp_path: Path) -> None:
    """The reload card counts what is live after the store is re-read, not before."""
    settings = Settings(catalog_dir=valid_catalog_dir, db_path=tmp_path / "vizbot.db", semantic=False)
    async with open_vizbot(settings) as running, open_vizbot(settings) as elsewhere:
        outcome = await elsewhere.suggest("https://example.org/pooling", "Max pooling animated", "cnn", user="someone")
        await elsewhere.approve(outcome.suggestion.id, moderator="mod")
        card = await answers.reload_catalog(running)
    assert card.description == "4 resources and 2 tags are live."


async def test_more_needs_a_question_first(service: object) -> None:
    """/more before any question is explained."""
    assert "ask a question first" in await chat(service, "/more")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/vote 1 up", "Recorded 👍"),
        ("/vote 1 down", "Recorded 👎"),
        ("/vote 9 up", "is not shown"),
        ("/vote x", "use /vote N up"),
    ],
)
async def test_vote(service: object, command: str, expected: str) -> None:
    """Votes on shown results are recorded; bad numbers are explained."""
    assert expected in await chat(service, "convolutional neural networks", command)


async def test_tags_lists_counts(service: object) -> None:
    """/tags lists every tag with its count and aliases."""
    text = await chat(service, "/tags")
    assert "cnn" in text and "kernels" in text and "aka convnet" in text


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/tag cnn", "ConvNetJS 2D classification"),
        ("/tag convnet", "(showing cnn)"),
        ("/tag cnn --kind course", "CS231n"),
        ("/tag nosuchtag", "Unknown tag"),
        ("/tag cnn --kind banana", "invalid choice"),
    ],
)
async def test_tag(service: object, command: str, expected: str) -> None:
    """/tag resolves names, filters, and explains mistakes."""
    assert expected in await chat(service, command)


async def test_suggest_then_review_approve(service: object) -> None:
    """A suggestion is recorded, approved in /review, and answered at once."""
    text = await chat(
        service,
        '/suggest https://example.org/pooling --title "Max pooling animated" --tags cnn --note "clear"',
        "/review",
        "a",
        "max pooling animated",
    )
    assert "Suggestion recorded" in text
    assert "Suggestion #1: Max pooling animated" in text
    assert "Suggestion #1 approved" in text
    assert "https://example.org/pooling" in text.split("> max pooling animated", 1)[1]


async def test_review_reject_asks_for_a_reason(service: object) -> None:
    """Reject prompts for a reason and records it."""
    text = await chat(
        service, "/suggest https://example.org/x --title 'Some title' --tags cnn", "/review", "r", "not visual enough"
    )
    assert "Suggestion #1 rejected" in text and "not visual enough" in text


async def test_review_labels_each_suggestion_with_its_place_in_the_queue(service: object) -> None:
    """After a decision the next suggestion is not labelled as the one before: "1 of 3", "1 of 2", "2 of 2"."""
    text = await chat(
        service,
        *(f"/suggest https://example.org/{n} --title 'Title number {n}' --tags cnn" for n in (1, 2, 3)),
        "/review",
        "a",
        "s",
        "q",
    )
    labels = re.findall(r"Suggestion #(\d+): .*?\(Pending suggestion ([^)]*)\)", text, re.S)
    assert labels == [("1", "1 of 3"), ("2", "1 of 2"), ("3", "2 of 2")]


async def test_review_with_nothing_pending(service: object) -> None:
    """An empty queue says so."""
    assert "No pending suggestions" in await chat(service, "/review")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/suggest notaurl --title 'A title' --tags cnn", "url:"),
        ("/suggest https://example.org/y --tags cnn", "the following arguments are required: --title"),
        ("/suggest 'unclosed", "No closing quotation"),
    ],
)
async def test_suggest_mistakes_are_explained(service: object, command: str, expected: str) -> None:
    """Invalid suggestions get a short message, never a traceback."""
    text = await chat(service, command)
    assert expected in text and "Traceback" not in text


async def test_report_and_reload_and_help(service: object) -> None:
    """/report, /reload and /help print their cards."""
    text = await chat(service, "convolutional neural networks", "/report 7", "/reload", "/help")
    assert "Curator report" in text and "1 in the last 7 days" in text
    assert "Catalog reloaded" in text and "3 resources and 2 tags" in text
    assert "/suggest URL --title T --tags a,b" in text


@pytest.mark.parametrize(
    ("line", "expected"), [("/nope", "unknown command /nope; try /help"), ("/", "unknown command /;")]
)
async def test_unknown_commands_are_explained(service: object, line: str, expected: str) -> None:
    """An unknown command is named, with where to look; it is not taken as a question."""
    text = await chat(service, line)
    assert expected in text
    assert (await service.report(days=1)).questions == 0


@pytest.mark.parametrize("line", ["", "   ", "\t"])
async def test_blank_lines_are_ignored(service: object, line: str) -> None:
    """A blank line prints nothing and logs nothing; the next line is still read."""
    assert await chat(service, line) == ""
    text = await chat(service, line, "/nope")
    assert "unknown command /nope" in text


async def test_quit_stops_reading(service: object) -> None:
    """Lines after /quit are not read."""
    text = await chat(service, "/quit", "convolutional neural networks")
    assert text == ""


@pytest.mark.parametrize(
    "question", ["@everyone", "<@123> hi", "'; DROP TABLE suggestions; --", "🙂" * 50, "x" * 10_000]
)
async def test_odd_input_never_breaks(service: object, question: str) -> None:
    """Any text gets a short answer."""
    text = await chat(service, question, "/tags")
    assert "Tags (2)" in text


@pytest.mark.parametrize(
    "line",
    [
        "/vote ² up",
        "/vote 1² up",
        "/tags ³",
        "/report ⁵",
        "/tag",
        "/tag cnn --page x",
        "/suggest",
        "/nope",
        "/review" + "x" * 50,
        "/vote 99999999999999999999 up",
        "/tags 99999999999",
        '/suggest "unclosed',
    ],
)
async def test_odd_command_lines_get_a_message_not_a_traceback(service: object, line: str) -> None:
    """Malformed commands answer with a card and the conversation goes on."""
    text = await chat(service, "convolutional neural networks", line, "/help")
    assert "Traceback" not in text
    assert text.rstrip().endswith(render_card(answers.help_card(console=True)).rstrip())


def test_any_line_gets_an_answer_and_the_console_goes_on(valid_catalog_dir: Path, tmp_path: Path) -> None:
    """Arbitrary text, with or without a leading slash, never raises out of the console."""
    import asyncio
    import contextlib

    from hypothesis import HealthCheck, given, settings as hsettings
    from hypothesis import strategies as st

    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    vizbot = loop.run_until_complete(
        stack.enter_async_context(open_vizbot(Settings(catalog_dir=valid_catalog_dir, db_path=tmp_path / "vizbot.db")))
    )
    lines = st.one_of(
        st.text(max_size=300),
        st.text(max_size=60).map(lambda s: "/" + s),
        st.sampled_from(["/vote", "/tag", "/tags", "/report", "/suggest", "/more"]).flatmap(
            lambda c: st.text(max_size=40).map(lambda s: f"{c} {s}")
        ),
    )

    @hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(line=lines)
    def check(line: str) -> None:
        out = io.StringIO()
        console = Console(vizbot, io.StringIO(""), out, user="tester")
        keep_going = loop.run_until_complete(console.handle(line))
        assert keep_going is (line.strip() not in ("/quit", "/exit", "/q"))

    try:
        check()
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()


async def test_forget_deletes_what_is_kept_about_the_local_user(service: object) -> None:
    """/forget removes the local user's pending suggestion and says so."""
    assert "Suggestion recorded" in await chat(
        service, '/suggest https://example.org/forget-me --title "Forget me please" --tags cnn'
    )
    out = await chat(service, "/forget")
    assert "Forgotten" in out and "Pending suggestions deleted: 1" in out
    assert await service.pending_count() == 0  # type: ignore[attr-defined]


def _terminal_chat(valid_catalog_dir: Path, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start `python -m bot chat` on a pseudo-terminal; returns the process and the terminal's other end."""
    import os
    import pty
    import sys

    env = {
        **os.environ,
        "VIZBOT_CATALOG": str(valid_catalog_dir),
        "VIZBOT_DB": str(tmp_path / "vizbot.db"),
        "VIZBOT_SEMANTIC": "off",
        "TERM": "xterm",
        "INPUTRC": "/dev/null",
    }
    main, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"], stdin=child, stdout=child, stderr=child, env=env, start_new_session=True
    )
    os.close(child)
    return process, main


def _read_until(fd: int, pattern: str, seen: list[str], timeout: float = 60.0) -> str:
    """Read the terminal until the regular expression ``pattern`` matches what came after what was
    already ``seen``; returns that new text."""
    import os
    import select
    import time

    start = len("".join(seen))
    deadline = time.monotonic() + timeout
    while re.search(pattern, "".join(seen)[start:]) is None:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {pattern!r}; got {''.join(seen)[start:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            assert chunk, f"terminal closed while waiting for {pattern!r}; got {''.join(seen)[start:]!r}"
            seen.append(chunk.decode("utf-8", "replace"))
    return "".join(seen)[start:]


def _interrupt_when_waiting(process: subprocess.Popen[bytes]) -> None:
    """Send SIGINT (what Ctrl-C sends) once the console is blocked reading the terminal: a signal that
    lands between the prompt and readline's wait is only seen at the next key, as in any readline program."""
    import signal
    import time

    waiting = {"7", "23", "270", "271"}  # poll, select, pselect6, ppoll (Linux x86-64 numbers)
    status = Path(f"/proc/{process.pid}/syscall")
    deadline = time.monotonic() + 30
    while status.exists() and time.monotonic() < deadline:
        try:
            if status.read_text().split(" ", 1)[0] in waiting:
                break
        except OSError:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)


def test_terminal_has_line_editing_history_and_a_ctrl_c_hint(valid_catalog_dir: Path, tmp_path: Path) -> None:
    """On a terminal: the up arrow recalls the last line, the left arrow edits it, the first Ctrl-C
    (SIGINT) at the prompt says how to leave, a second one leaves (exit 0)."""
    import os

    process, fd = _terminal_chat(valid_catalog_dir, tmp_path)
    seen: list[str] = []
    try:
        assert f"Catalog: {valid_catalog_dir}" in _read_until(fd, r"vizbot> $", seen)  # the catalog it reads
        os.write(fd, b"/tags\r")
        _read_until(fd, r"Tags \(2\)[\s\S]*vizbot> $", seen)
        os.write(fd, b"\x1b[A\r")  # up arrow: the same command again
        _read_until(fd, r"Tags \(2\)[\s\S]*vizbot> $", seen)
        os.write(fd, b"/tag cn\x1b[Dn\r")  # left arrow, then type: "/tag cnn" only with line editing
        _read_until(fd, r"ConvNetJS 2D classification[\s\S]*vizbot> $", seen)
        _interrupt_when_waiting(process)
        _read_until(fd, r"To leave, type /quit or press Ctrl-D; or press Ctrl-C again\.[\s\S]*vizbot> $", seen)
        _interrupt_when_waiting(process)
        assert process.wait(timeout=60) == 0
        assert "Traceback" not in "".join(seen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(fd)


def test_tag_rows_say_how_many_aliases_are_left_out() -> None:
    """The console's tag listing names the first 4 aliases of a tag and how many more it has."""
    row = answers.TagRow("cnn", "Convolutional networks", 12, ("convnet", "conv net", "cnns", "convolutional", "lenet"))
    text = render_card(answers.AnswerCard(title="Tags", tag_rows=(row,)))
    assert "(aka convnet, conv net, cnns, convolutional and 1 more)" in text
