"""The checker against a local site: every status, redirect and fault gives one clear outcome."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import time

import pytest
from aiohttp.test_utils import TestServer
from sites import LocalResolver, Site

from bot.links import FAILED, MOVED, OK, SUSPICIOUS, UNKNOWN
from bot.links.checker import USER_AGENT, LinkChecker


@pytest.mark.parametrize(
    ("path", "outcome", "status", "reason"),
    [
        ("/ok", OK, 200, "200 OK"),
        ("/missing", FAILED, 404, "404 Not Found"),
        ("/gone", FAILED, 410, "410 Gone"),
        ("/broken", FAILED, 500, "500 Internal Server Error"),
        ("/private", SUSPICIOUS, 403, "access refused (403 Forbidden)"),
    ],
)
async def test_status_gives_outcome(
    site: Site, checker: LinkChecker, path: str, outcome: str, status: int, reason: str
) -> None:
    """A plain status is judged by its class; the reason names it."""
    result = await checker.check(site.url(path))
    assert (result.outcome, result.status, result.reason) == (outcome, status, reason)
    assert result.redirects == ()


async def test_user_agent_names_vizbot(site: Site, checker: LinkChecker) -> None:
    """Every request says who is asking."""
    await checker.check(site.url("/ok"))
    assert site.seen and all(s.user_agent == USER_AGENT for s in site.seen)
    assert USER_AGENT.startswith("vizbot/")


async def test_head_first_and_only_when_it_works(site: Site, checker: LinkChecker) -> None:
    """A page that answers HEAD costs one HEAD request and no GET."""
    result = await checker.check(site.url("/ok"))
    assert [s.method for s in site.seen] == ["HEAD"]
    assert (result.method, result.attempts) == ("HEAD", 1)


async def test_head_not_allowed_falls_back_to_get(site: Site, checker: LinkChecker) -> None:
    """405 to HEAD: the same URL is asked with GET, which decides."""
    result = await checker.check(site.url("/no-head"))
    assert [s.method for s in site.hits("/no-head")] == ["HEAD", "GET"]
    assert (result.outcome, result.status, result.method) == (OK, 200, "GET")


async def test_missing_page_is_confirmed_with_get(site: Site, checker: LinkChecker) -> None:
    """Some servers answer HEAD wrongly: a 404 to HEAD is confirmed by GET before it counts."""
    await checker.check(site.url("/missing"))
    assert [s.method for s in site.hits("/missing")] == ["HEAD", "GET"]


async def test_500_then_200_is_retried_and_fine(site: Site, checker: LinkChecker) -> None:
    """A 5xx is retried after a back-off; the success counts."""
    result = await checker.check(site.url("/flaky"))
    assert (result.outcome, result.status, result.attempts) == (OK, 200, 2)
    assert len(site.hits("/flaky")) == 2


async def test_persistent_500_is_retried_then_failed(site: Site, checker: LinkChecker) -> None:
    """Retries are bounded: 1 + retries HEADs, then the failure (no GET fallback for a 5xx)."""
    result = await checker.check(site.url("/broken"))
    assert result.outcome == FAILED and len(site.hits("/broken")) == 3


async def test_timeout_is_an_outcome_not_a_hang(site: Site, checker: LinkChecker) -> None:
    """A server that never answers: timed out, retried, then failed with the timeout as reason."""
    started = time.monotonic()
    result = await checker.check(site.url("/hang"))
    assert (result.outcome, result.reason, result.status) == (FAILED, "timed out after 0.5 s", None)
    assert len(site.hits("/hang")) == 3
    assert time.monotonic() - started < 5


async def test_redirect_chain_is_followed_and_recorded(site: Site, checker: LinkChecker) -> None:
    """Temporary redirects: fine, with every hop and the final URL recorded."""
    result = await checker.check(site.url("/chain/1"))
    assert result.outcome == OK
    assert [(h.status, h.url) for h in result.redirects] == [(302, site.url("/chain/2")), (302, site.url("/chain/3"))]
    assert result.final_url == site.url("/chain/3")
    assert result.reason == "200 OK (after 2 redirects)"
    assert result.suggested_url is None


async def test_redirect_loop_fails_with_reason(site: Site, checker: LinkChecker) -> None:
    """a -> b -> a is caught at once, not followed until a limit."""
    result = await checker.check(site.url("/loop/a"))
    assert result.outcome == FAILED
    assert result.reason == f"redirect loop (302 back to {site.url('/loop/a')})"
    assert len(result.redirects) == 2


async def test_too_many_redirects(site: Site) -> None:
    """A chain longer than the limit fails."""
    async with LinkChecker(delay=0, max_redirects=1) as checker:
        result = await checker.check(site.url("/chain/1"))
    assert (result.outcome, result.reason) == (FAILED, "too many redirects (more than 1)")


async def test_permanent_redirect_is_moved_with_target(site: Site, checker: LinkChecker) -> None:
    """308 to another page: moved, and the new address is suggested (with the old #fragment)."""
    result = await checker.check(site.url("/old#part-2"))
    assert result.outcome == MOVED
    assert result.suggested_url == site.url("/new#part-2")
    assert result.reason == f"moved permanently to {site.url('/new')}"


async def test_trailing_slash_redirect_is_fine_but_suggested(site: Site, checker: LinkChecker) -> None:
    """A permanent redirect to the same page (a slash added) is not "moved", but the address is offered."""
    result = await checker.check(site.url("/http-to-https"))
    assert result.outcome == OK and result.suggested_url == site.url("/http-to-https/")


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/retired", "redirects to the site's home page"), ("/members", "redirects to a login page")],
)
async def test_redirect_to_home_or_login_is_suspicious(
    site: Site, checker: LinkChecker, path: str, reason: str
) -> None:
    """A removed page often redirects to the home page or a sign-in page: not fine, and not "moved"."""
    result = await checker.check(site.url(path))
    assert result.outcome == SUSPICIOUS and result.reason.startswith(reason)
    assert result.suggested_url is None


async def test_429_waits_for_retry_after(site: Site, checker: LinkChecker) -> None:
    """429 with Retry-After: 1 is retried no sooner than a second later."""
    result = await checker.check(site.url("/busy"))
    first, second = site.hits("/busy")
    assert result.outcome == OK
    assert second.at - first.at >= 0.95


async def test_429_asking_too_long_is_unknown_not_a_failure(site: Site, checker: LinkChecker) -> None:
    """A site asking to wait an hour is not waited for, and not held against the link."""
    result = await checker.check(site.url("/always-busy"))
    assert result.outcome == UNKNOWN and "3600" in result.reason
    assert len(site.hits("/always-busy")) == 1


async def test_huge_body_is_never_read(site: Site, checker: LinkChecker) -> None:
    """A 100 MB response costs its headers: the connection is dropped, not drained."""
    started = time.monotonic()
    result = await checker.check(site.url("/huge"))
    assert (result.outcome, result.status, result.method) == (OK, 200, "GET")
    assert time.monotonic() - started < 3
    await asyncio.sleep(0.1)
    assert site.sent < site.huge_bytes // 10


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "not a URL (empty)"),
        ("not a url", "not a valid URL (it contains spaces or control characters)"),
        ("example.org/page", "not a URL (no http:// or https://)"),
        ("ftp://example.org/file", "not an http(s) URL (scheme 'ftp')"),
        ("http://", "not a valid URL (no host)"),
        ("http://example.org:99999/", "not a valid URL (Port out of range 0-65535)"),
        ("http://[::1/", "not a valid URL (Invalid IPv6 URL)"),
    ],
)
async def test_unparseable_url_fails_without_a_request(checker: LinkChecker, url: str, reason: str) -> None:
    """A string that is not an http(s) URL is a failure with the reason; nothing is sent."""
    result = await checker.check(url)
    assert (result.outcome, result.reason, result.attempts) == (FAILED, reason, 0)


async def test_unresolvable_host(checker: LinkChecker) -> None:
    """A name that does not resolve fails at once (no retry) with that reason."""
    result = await checker.check("https://no-such-host.invalid/page")
    assert (result.outcome, result.reason, result.attempts) == (FAILED, "the host name does not resolve", 1)


async def test_named_host_resolving_locally_is_checked(site: Site, checker: LinkChecker) -> None:
    """The same resolver serves known names: the request reaches the local site."""
    assert site.server is not None
    result = await checker.check(f"http://site.test:{site.server.port}/ok")
    assert result.outcome == OK


async def test_tls_error(site: Site, checker: LinkChecker) -> None:
    """https:// to a server that does not speak TLS: a TLS error, not a traceback."""
    result = await checker.check(site.url("/ok").replace("http://", "https://"))
    assert result.outcome == FAILED and result.reason.startswith("TLS")


async def test_connection_refused() -> None:
    """Nothing listening: could not connect."""
    async with LinkChecker(delay=0, retries=0, resolver=LocalResolver()) as checker:
        result = await checker.check("http://127.0.0.1:9/")
    assert (result.outcome, result.reason) == (FAILED, "could not connect (connection refused)")


async def test_redirect_to_non_web_address_fails(site: Site, checker: LinkChecker) -> None:
    """A Location that is not http(s) is a failure naming it."""
    result = await checker.check(site.url("/bad-location"))
    assert result.outcome == FAILED and "javascript:" in result.reason


async def test_slow_host_gets_at_most_per_host_at_once(site: Site) -> None:
    """Many links on one slow host: never more than ``per_host`` requests in flight, delay respected."""
    async with LinkChecker(per_host=2, delay=0.05, timeout=5) as checker:
        results = await asyncio.gather(*(checker.check(site.url(f"/slow/{i}")) for i in range(6)))
    assert all(r.outcome == OK for r in results)
    assert site.peak <= 2 and checker.gate.peaks() == {f"127.0.0.1:{site.server.port}": 2}
    starts = sorted(s.at for s in site.seen)
    assert all(b - a >= 0.045 for a, b in zip(starts, starts[1:]))


async def test_slow_host_does_not_hold_up_another(site: Site) -> None:
    """Politeness is per host: a second host is checked while the slow one is busy."""
    other = await Site().start()
    try:
        async with LinkChecker(per_host=1, delay=0, timeout=5) as checker:
            slow = [asyncio.create_task(checker.check(site.url(f"/slow/{i}"))) for i in range(4)]
            await asyncio.sleep(0.05)
            started = time.monotonic()
            fast = await checker.check(other.url("/ok"))
            waited = time.monotonic() - started
            await asyncio.gather(*slow)
    finally:
        await other.close()
    assert fast.outcome == OK and waited < 0.2  # four slow requests in a row take 0.8 s


async def test_json_shape(site: Site, checker: LinkChecker) -> None:
    """Every key is present in a result's JSON."""
    data = (await checker.check(site.url("/chain/2"))).to_json()
    assert set(data) == {
        "url",
        "outcome",
        "reason",
        "status",
        "final_url",
        "redirects",
        "suggested_url",
        "method",
        "attempts",
        "elapsed",
    }
    assert data["redirects"] == [{"status": 302, "url": site.url("/chain/3")}]


async def test_untrusted_certificate_is_a_tls_error(tmp_path, site: Site, checker: LinkChecker) -> None:
    """A site whose certificate nobody signed: a TLS certificate error with the reason, no request answered."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = TestServer(site.app(), host="127.0.0.1")
    await server.start_server(ssl=context)
    try:
        result = await checker.check(f"https://127.0.0.1:{server.port}/ok")
    finally:
        await server.close()
    assert result.outcome == FAILED and result.reason.startswith("TLS certificate error")
    assert "certificate verify failed" in result.reason and site.seen == []
