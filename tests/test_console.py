"""vizbot chat: the offline console, driven with scripted input."""

from __future__ import annotations

import io
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


async def test_more_pages_through_the_last_answer(service: object) -> None:
    """/more shows the next page, then wraps to the first."""
    out = await chat(service, "convolutional neural networks", "/more")
    assert out.count("1. CS231n") == 2  # only two results: /more goes back to the top


async def test_more_needs_a_question_first(service: object) -> None:
    """/more before any question is explained."""
    assert "ask a question first" in await chat(service, "/more")


@pytest.mark.parametrize(("command", "expected"), [("/vote 1 up", "Recorded 👍"), ("/vote 1 down", "Recorded 👎"), ("/vote 9 up", "is not shown"), ("/vote x", "use /vote N up")])
async def test_vote(service: object, command: str, expected: str) -> None:
    """Votes on shown results are recorded; bad numbers are explained."""
    assert expected in await chat(service, "convolutional neural networks", command)


async def test_tags_lists_counts(service: object) -> None:
    """/tags lists every tag with its count and aliases."""
    text = await chat(service, "/tags")
    assert "cnn" in text and "kernels" in text and "aka convnet" in text


@pytest.mark.parametrize(("command", "expected"), [
    ("/tag cnn", "ConvNetJS 2D classification"),
    ("/tag convnet", "(showing cnn)"),
    ("/tag cnn --kind course", "CS231n"),
    ("/tag nosuchtag", "Unknown tag"),
    ("/tag cnn --kind banana", "invalid choice"),
])
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
    text = await chat(service, "/suggest https://example.org/x --title 'Some title' --tags cnn", "/review", "r",
                      "not visual enough")
    assert "Suggestion #1 rejected" in text and "not visual enough" in text


async def test_review_with_nothing_pending(service: object) -> None:
    """An empty queue says so."""
    assert "No pending suggestions" in await chat(service, "/review")


@pytest.mark.parametrize(("command", "expected"), [
    ("/suggest notaurl --title 'A title' --tags cnn", "url:"),
    ("/suggest https://example.org/y --tags cnn", "the following arguments are required: --title"),
    ("/suggest 'unclosed", "No closing quotation"),
])
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


@pytest.mark.parametrize(("line", "expected"), [("/nope", "unknown command /nope; try /help"), ("/", "unknown command /;")])
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


@pytest.mark.parametrize("question", ["@everyone", "<@123> hi", "'; DROP TABLE suggestions; --", "🙂" * 50, "x" * 10_000])
async def test_odd_input_never_breaks(service: object, question: str) -> None:
    """Any text gets a short answer."""
    text = await chat(service, question, "/tags")
    assert "Tags (2)" in text


@pytest.mark.parametrize(
    "line",
    ["/vote ² up", "/vote 1² up", "/tags ³", "/report ⁵", "/tag", "/tag cnn --page x", "/suggest", "/nope",
     "/review" + "x" * 50, "/vote 99999999999999999999 up", "/tags 99999999999", '/suggest "unclosed'],
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
    vizbot = loop.run_until_complete(stack.enter_async_context(
        open_vizbot(Settings(catalog_dir=valid_catalog_dir, db_path=tmp_path / "vizbot.db"))))
    lines = st.one_of(st.text(max_size=300), st.text(max_size=60).map(lambda s: "/" + s),
                      st.sampled_from(["/vote", "/tag", "/tags", "/report", "/suggest", "/more"]).flatmap(
                          lambda c: st.text(max_size=40).map(lambda s: f"{c} {s}")))

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
    assert "Suggestion recorded" in await chat(service, '/suggest https://example.org/forget-me --title "Forget me please" --tags cnn')
    out = await chat(service, "/forget")
    assert "Forgotten" in out and "Pending suggestions deleted: 1" in out
    assert await service.pending_count() == 0  # type: ignore[attr-defined]
