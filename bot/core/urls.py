"""URL validation and normalisation, shared by the catalog and suggestions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from bot.core.errors import InvalidInput

MAX_URL_LENGTH = 2048
_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)


def _host_ok(host: str) -> bool:
    """A DNS name (ASCII or IDN letters), an IPv4 address or a bracketed IPv6 literal."""
    if host.startswith("["):
        return host.endswith("]") and len(host) > 2
    labels = host.rstrip(".").split(".")
    if not labels or any(not label for label in labels):
        return False
    try:
        ascii_labels = host.rstrip(".").encode("idna").decode("ascii").split(".")
    except UnicodeError:
        return False
    return all(_HOST_LABEL.match(label) for label in ascii_labels)


def validate_url(url: str, field: str = "url") -> str:
    """Return ``url`` stripped, or raise ``InvalidInput(field, reason)`` naming what is wrong."""
    if not isinstance(url, str):
        raise InvalidInput(field, "must be text")
    url = url.strip()
    if not url:
        raise InvalidInput(field, "is empty")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(field, f"is longer than {MAX_URL_LENGTH} characters")
    if _BAD_CHARS.search(url):
        raise InvalidInput(field, "contains spaces or control characters")
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in _SCHEMES:
        raise InvalidInput(field, "must start with http:// or https://")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInput(field, "is malformed") from None
    netloc = parts.netloc
    if "@" in netloc:
        raise InvalidInput(field, "must not contain a user name or password")
    host = _host_of(netloc)
    if not host:
        raise InvalidInput(field, "has no host")
    if not _host_ok(host):
        raise InvalidInput(field, f"has a malformed host {host!r}")
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(field, "has a malformed port") from None
    if port == 0:
        raise InvalidInput(field, "has a malformed port")
    return url


def _host_of(netloc: str) -> str:
    """The host part of ``user@host:port`` (keeps IPv6 brackets)."""
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        return hostport[: end + 1] if end != -1 else hostport
    return hostport.partition(":")[0]


def normalise_url(url: str) -> str:
    """A canonical form for spotting duplicates.

    http and https are the same, ``www.`` and host case are ignored, default ports,
    fragments and a trailing slash are dropped. The query string is kept as is.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _host_of(parts.netloc).lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    if scheme in _SCHEMES:
        scheme = "https"
    return urlunsplit((scheme, netloc, path, parts.query, ""))
