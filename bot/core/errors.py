"""Domain errors: raised in the core, turned into messages at each edge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


class VizbotError(Exception):
    """Base of every error a user may see; ``str(err)`` is a short, safe sentence."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found while loading or validating a catalog."""

    file: str
    line: int | None
    message: str
    entry_id: str | None = None
    field: str | None = None
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [where + ":", self.severity]
        if self.entry_id:
            parts.append(f"[{self.entry_id}]")
        if self.field:
            parts.append(f"{self.field}:")
        return " ".join(parts) + " " + self.message


class CatalogError(VizbotError):
    """The catalog could not be loaded; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        first = str(errors[0]) if errors else "catalog is invalid"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first + more)


class InvalidInput(VizbotError):
    """A value a user gave was refused; ``field`` names it, ``reason`` says why, ``suggestions`` are the
    closest accepted values when there are some (an unknown tag's nearest tags)."""

    def __init__(self, field: str, reason: str, *, suggestions: Sequence[str] = ()):
        self.field = field
        self.reason = reason
        self.suggestions = list(suggestions)
        super().__init__(f"{field}: {reason}")


class NotFound(VizbotError):
    """Something asked for by name or id does not exist; ``field`` names the option or argument that
    asked for it (when one did), ``suggestions`` are the closest existing names."""

    def __init__(self, message: str, *, field: str | None = None, suggestions: Sequence[str] = ()):
        super().__init__(message)
        self.field = field
        self.suggestions = list(suggestions)


class RateLimited(VizbotError):
    """Too many actions in a window; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: float):
        self.retry_after = retry_after
        super().__init__(message)


class PermissionDenied(VizbotError):
    """The user may not do this."""


class StoreError(VizbotError):
    """The database could not be opened, read or written."""


class StoreUnreachable(StoreError):
    """The database server could not be reached or refused the connection at start-up (wrong URL,
    password, host or database name): a settings problem, so the command line exits 2."""


class ConfigError(VizbotError):
    """A setting is missing or malformed; ``field`` names it (an environment variable or an option)
    when the code raising it knows which."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(message)
