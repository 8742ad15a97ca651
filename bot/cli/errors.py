"""How the command line reports an error: one line on standard error, an exit status, and with
``--json`` also ``{"error": {"code", "message", "field", "suggestions"}}`` on standard output."""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Sequence

from bot.core.errors import (
    CatalogError,
    ConfigError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StoreError,
    StoreUnreachable,
    VizbotError,
)

USAGE = 2  # a usage or settings problem, as argparse exits for an unknown option
FAILED = 1  # a refused action or an error while running


class UsageError(InvalidInput):
    """The command line itself is wrong (a missing or conflicting argument): exit 2, like argparse."""


class UnknownName(NotFound):
    """A name (a tag) that does not exist; ``suggestions`` are the closest existing names."""

    def __init__(self, message: str, suggestions: Sequence[str] = (), field: str | None = None):
        super().__init__(message, field=field, suggestions=suggestions)


# Most specific first: the first class an error is an instance of gives its code.
_CODES: tuple[tuple[type[BaseException], str], ...] = (
    (UsageError, "usage"),
    (ConfigError, "config"),
    (CatalogError, "catalog_invalid"),
    (RateLimited, "rate_limited"),
    (PermissionDenied, "permission_denied"),
    (InvalidInput, "invalid_input"),
    (NotFound, "not_found"),
    (StoreError, "store"),
    (VizbotError, "error"),
)


def error_code(exc: BaseException) -> str:
    """A stable machine-readable name for the kind of error."""
    return next((code for cls, code in _CODES if isinstance(exc, cls)), "error")


def exit_status(exc: VizbotError) -> int:
    """2 for usage and settings problems (a database server that cannot be reached at start-up
    among them), 1 for everything else."""
    return USAGE if isinstance(exc, (UsageError, ConfigError, StoreUnreachable)) else FAILED


def catalog_hint(exc: CatalogError, catalog: str | None) -> str:
    """The one-line message for a broken catalog, pointing at the command that lists every problem."""
    where = f" {catalog}" if catalog else ""
    return f"the catalog{where} has errors: {exc}; run `vizbot catalog check{where}` to see every problem"


def error_json(code: str, message: str, field: str | None = None, suggestions: Sequence[str] = ()) -> dict[str, object]:
    """The ``--json`` error document (every key always present)."""
    return {"error": {"code": code, "message": message, "field": field, "suggestions": list(suggestions)}}


def describe(exc: VizbotError, message: str | None = None, field: str | None = None) -> dict[str, object]:
    """``error_json`` for a domain error (``message`` replaces ``str(exc)``, ``field`` the error's own
    field, when given)."""
    field = getattr(exc, "field", None) if field is None else field
    return error_json(
        error_code(exc),
        str(exc) if message is None else message,
        field if isinstance(field, str) else None,
        getattr(exc, "suggestions", ()),
    )


def config_field(exc: ConfigError, args: Namespace) -> str | None:
    """What a settings error is about, for ``--json``'s ``field``: the variable or option the error
    names (``VIZBOT_QUESTION_COOLDOWN``, ``--catalog``); a catalog directory that is not there, or a
    malformed database URL, is the option when the command line gave one (``--catalog``, ``--db``),
    else the variable it came from (``VIZBOT_CATALOG``, ``VIZBOT_DB``)."""
    if exc.field:
        return exc.field
    message = str(exc)
    for prefix, option, variable in (
        ("catalog directory ", "catalog", "VIZBOT_CATALOG"),
        ("the database ", "db", "VIZBOT_DB"),
    ):
        if message.startswith(prefix) and hasattr(args, option):  # `db copy SOURCE TARGET` has no --db
            return f"--{option}" if getattr(args, option) is not None else variable
    return None
