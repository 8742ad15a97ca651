"""What one check of one link found: the outcome, the redirects followed, and a short reason."""

from __future__ import annotations

from dataclasses import dataclass

# Outcomes of one check (what this response said; the verdict weighs several checks).
OK = "ok"  # the page answered 2xx (perhaps after temporary redirects)
MOVED = "moved"  # a permanent redirect to another page that answers
SUSPICIOUS = "suspicious"  # redirected to the site's home page or a login page, or access refused
FAILED = "failed"  # 4xx, 5xx, timeout, no such host, TLS error, redirect loop, not a URL
UNKNOWN = "unknown"  # the site asked us to come back later (429): neither a strike nor a success
OUTCOMES: tuple[str, ...] = (OK, MOVED, SUSPICIOUS, FAILED, UNKNOWN)


@dataclass(frozen=True, slots=True)
class Hop:
    """One redirect followed: its status and the URL it pointed to."""

    status: int
    url: str

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape."""
        return {"status": self.status, "url": self.url}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of one link."""

    url: str
    outcome: str  # one of OUTCOMES
    reason: str  # a short sentence: "200 OK", "404 Not Found", "timed out after 10 s" ...
    status: int | None = None  # HTTP status of the last response (None: no response)
    final_url: str | None = None  # where the link ends up after redirects
    redirects: tuple[Hop, ...] = ()
    suggested_url: str | None = None  # for MOVED: the URL to use instead
    method: str | None = None  # HEAD or GET: how the last response was asked for
    attempts: int = 0  # requests sent, retries and fallbacks included
    elapsed: float = 0.0  # seconds

    def to_json(self) -> dict[str, object]:
        """A stable JSON shape (every key always present)."""
        return {
            "url": self.url,
            "outcome": self.outcome,
            "reason": self.reason,
            "status": self.status,
            "final_url": self.final_url,
            "redirects": [h.to_json() for h in self.redirects],
            "suggested_url": self.suggested_url,
            "method": self.method,
            "attempts": self.attempts,
            "elapsed": round(self.elapsed, 3),
        }
