"""URL validation and normalisation, shared by the catalog and suggestions."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from bot.core.errors import InvalidInput
from bot.core.limits import URL_MAX

_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
# Query parameters that only say where a click came from: dropped when comparing URLs.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid"}
)
TRACKING_PREFIXES = ("utm_",)
# Names that always mean this machine or the local network.
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")
# Top-level names home and company networks use by habit (none is a public domain: ICANN will not
# delegate .home, .corp or .lan); a name ending in one is some private network's machine.
_PRIVATE_SUFFIXES = (".lan", ".intranet", ".corp", ".home", ".localdomain")
# Scripts that legitimately share one label (Japanese, Chinese and Korean names with Latin);
# any other mix (a Cyrillic "о" in a Latin name) is how one site is disguised as another.
_SCRIPT_FAMILIES = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)


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


def validate_url(url: str, field: str = "url", *, public_only: bool = True) -> str:
    """Return ``url`` stripped, or raise ``InvalidInput(field, reason)`` naming what is wrong.

    ``public_only`` refuses loopback, private and link-local hosts (a user's suggestion); the
    curated catalog passes ``False``: its maintainers may list a resource on their own network."""
    if not isinstance(url, str):
        raise InvalidInput(field, "must be text")
    url = url.strip()
    if not url:
        raise InvalidInput(field, "is empty")
    if len(url) > URL_MAX:
        raise InvalidInput(field, f"is longer than {URL_MAX} characters")
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
    if _ipv4(host) is None and re.fullmatch(
        r"(0x[0-9a-f]*|[0-9]+)", host.rstrip(".").rpartition(".")[2], re.IGNORECASE
    ):
        raise InvalidInput(field, f"has a malformed host {host!r}")  # ends in a number but is no IPv4 address
    mixed = mixed_scripts(host)
    if mixed:
        raise InvalidInput(
            field, f"has a host mixing {' and '.join(mixed)} letters ({host!r}), which can disguise one site as another"
        )
    why = _not_public(host) if public_only else None
    if why:
        raise InvalidInput(field, f"must point to a public site, not {host!r} ({why})")
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


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name (``LATIN``, ``CYRILLIC``, ``CJK`` ...); ``None`` for the rest."""
    if not ch.isalpha():
        return None
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def mixed_scripts(host: str) -> tuple[str, ...]:
    """The scripts mixed inside one label of ``host`` (punycode labels decoded), sorted; empty when none are.

    Latin with Chinese, Japanese or Korean is allowed, as browsers allow it; any other mix is not.
    """
    if host.startswith("["):
        return ()
    for label in host.rstrip(".").split("."):
        text = label
        if label.lower().startswith("xn--"):
            try:
                text = label.encode("ascii").decode("idna")
            except UnicodeError:
                return ()  # not valid punycode: _host_ok refuses it
        scripts = {s for s in map(_script, text) if s is not None}
        if len(scripts) > 1 and not any(scripts <= family for family in _SCRIPT_FAMILIES):
            return tuple(sorted(s.title() for s in scripts))
    return ()


def _ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read as browsers read an IPv4 address (``127.1``, ``0x7f.0.0.1``, ``2130706433``); else ``None``."""
    parts = host.rstrip(".").split(".")
    if not parts or len(parts) > 4 or not re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", parts[-1], re.IGNORECASE):
        return None
    numbers = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if host.startswith("["):
        try:
            ip = ipaddress.IPv6Address(host[1:-1].split("%", 1)[0])
        except ValueError:
            return None
        return ip.ipv4_mapped or ip
    return _ipv4(host)


def _not_public(host: str) -> str | None:
    """Why ``host`` cannot be a public web site, or ``None`` when it can be."""
    ip = _ip(host)
    if ip is not None:
        return None if ip.is_global and not ip.is_multicast else "this machine or a private network"
    name = host.lower().rstrip(".")
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES):
        return "this machine or a private network"
    private = next((suffix for suffix in _PRIVATE_SUFFIXES if name.endswith(suffix)), None)
    if private is not None:
        return f"a name ending in {private} is a machine on a private network, not a public web site"
    if "." not in name:
        # ``http://intranet/`` reaches a machine on the local network by its short name (or a
        # bare top-level domain): no public web page lives there.
        return "a name without a dot is a machine on a local network, not a public web site"
    return None


def is_public_host(host: str) -> bool:
    """False for loopback, private, link-local and other non-public addresses, for local names,
    and for single-label names (no dot, not an IP address: ``intranet``)."""
    return _not_public(host) is None


def _canonical_host(host: str) -> str:
    """One spelling per host: IDNA (``bücher.example`` is ``xn--bcher-kva.example``), lower case, no final dot."""
    host = host.lower().rstrip(".")
    ip = _ipv4(host)
    if ip is not None:
        return str(ip)
    if host.startswith("[") or host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMETERS or key.startswith(TRACKING_PREFIXES)


def _without_tracking(query: str) -> str:
    """``query`` without tracking parameters (``utm_*``, ``fbclid``, ``gclid`` ...); untouched when it has none."""
    if not query:
        return query
    kept = [item for item in query.split("&") if not _is_tracking(unquote_plus(item.partition("=")[0]))]
    return "&".join(kept) if len(kept) < query.count("&") + 1 else query


def normalise_url(url: str) -> str:
    """A canonical form for spotting duplicates.

    http and https are the same, ``www.``, host case and IDNA spelling are ignored, default ports,
    fragments, a trailing slash and tracking parameters (``utm_*``, ``fbclid``, ``gclid`` ...)
    are dropped. The rest of the query string is kept as is.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _canonical_host(_host_of(parts.netloc))
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
    return urlunsplit((scheme, netloc, path, _without_tracking(parts.query), ""))


def tidy_url(url: str) -> str:
    """The spelling a suggestion is stored and shown in: scheme and host in lower case, no default
    port, no fragment. Path and query are kept as typed (they can be case-sensitive); unlike
    :func:`normalise_url` this is still the page the user gave, not a key for spotting duplicates.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _host_of(parts.netloc).lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, ""))
