"""Telling a PostgreSQL URL from a file path, refusing near-miss URLs, and showing URLs without passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.store.conn import database_target, redact

SECRET = "S3cretPw"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://u:pw@127.0.0.1:5432/vizbot", "postgresql://u:pw@127.0.0.1:5432/vizbot"),
        ("POSTGRES://u:pw@db.example/vizbot?sslmode=require", "postgres://u:pw@db.example/vizbot?sslmode=require"),
        ("postgresql:///vizbot?host=/var/run/postgresql", "postgresql:///vizbot?host=/var/run/postgresql"),
        ("/srv/vizbot/vizbot.db", Path("/srv/vizbot/vizbot.db")),
        ("data/vizbot.db", Path("data/vizbot.db")),
        ("notes:2026.db", Path("notes:2026.db")),
    ],
    ids=["postgresql", "postgres-upper", "unix-socket", "absolute", "relative", "colon-in-name"],
)
def test_targets(text: str, expected: Path | str) -> None:
    """URLs stay text (scheme in lower case); anything not shaped like a URL is a file path."""
    assert database_target(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"postgresq://ann:{SECRET}@127.0.0.1:55432/vizbot", "is not a PostgreSQL URL"),
        (f"mysql://ann:{SECRET}@h/d", "is not a PostgreSQL URL"),
        (f"postgresql:/ann:{SECRET}@h/d", "two slashes"),
        (f"postgresql://ann:{SECRET}@127.0.0.1:5432", "names no database"),
        (f"postgresql://ann:{SECRET}@127.0.0.1:5432/", "names no database"),
        ("postgresql://ann:p@ss/w:rd@127.0.0.1:5432/vizbot", "percent-encode"),
        ("postgresql://ann:p@ss%2Fw@127.0.0.1:5432/vizbot", "percent-encode"),
    ],
    ids=[
        "typo-scheme",
        "other-database",
        "one-slash",
        "no-database",
        "empty-database",
        "unencoded-password",
        "unencoded-at-only",
    ],
)
def test_near_miss_urls_are_refused_without_the_password(text: str, says: str) -> None:
    """A value shaped like a URL never becomes a file named after it; the message never holds the password."""
    with pytest.raises(ConfigError) as raised:
        database_target(text)
    message = str(raised.value)
    assert says in message
    assert SECRET not in message and "ss/w:rd" not in message and "p@ss" not in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (f"postgresql://ann:{SECRET}@127.0.0.1:5432/vizbot?sslmode=require", "postgresql://ann@127.0.0.1:5432/vizbot"),
        ("postgresql://ann:p@ss/w:rd@127.0.0.1:5432/vizbot", "postgresql://ann@127.0.0.1:5432/vizbot"),
        ("postgresql://127.0.0.1/vizbot", "postgresql://127.0.0.1/vizbot"),
    ],
    ids=["password", "unencoded-at-and-slash", "no-user"],
)
def test_redact_keeps_the_user_host_and_database_only(url: str, shown: str) -> None:
    """Everything before the last '@' is credentials: only the user name is shown."""
    assert redact(url) == shown
