"""Exit statuses of the command line: 0 success, 1 a refused action, 2 a usage or settings problem."""

from __future__ import annotations

import pytest

from bot.cli.main import main


@pytest.mark.parametrize(
    ("env", "argv", "status", "fragment"),
    [
        ({"VIZBOT_GUILD_ID": "abc"}, ["ask", "cnn"], 2, "VIZBOT_GUILD_ID must be a numeric id"),
        ({"VIZBOT_SUGGESTIONS_PER_HOUR": "many"}, ["ask", "cnn"], 2, "VIZBOT_SUGGESTIONS_PER_HOUR"),
        ({"VIZBOT_CATALOG": "/nonexistent/catalog"}, ["tags"], 2, "does not exist"),
        ({}, ["tag", "zzzzqqqq"], 1, "zzzzqqqq"),
        ({}, ["ask", "how do convolutions work", "--no-log"], 0, ""),
    ],
    ids=["bad-guild-id", "bad-number", "missing-catalog", "unknown-tag", "ok"],
)
def test_exit_status_and_one_line_error(
    env: dict[str, str],
    argv: list[str],
    status: int,
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings problems exit 2, refused actions 1, success 0; errors are one line on stderr."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == status
    err = capsys.readouterr().err
    if status:
        assert fragment in err and "Traceback" not in err
    if status == 2:
        assert err.startswith("vizbot: error: ") and err.count("\n") == 1


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown option is argparse's usage error: exit 2."""
    with pytest.raises(SystemExit) as caught:
        main(["ask", "--no-such-option"])
    assert caught.value.code == 2
