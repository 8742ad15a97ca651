"""URL validation and normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.limits import URL_MAX
from bot.core.urls import normalise_url, tidy_url, validate_url


@pytest.mark.parametrize(
    "url",
    [
        "https://setosa.io/ev/image-kernels/",
        "http://matrixmultiplication.xyz",
        "https://www.youtube.com/watch?v=fNk_zzaMoSs&list=PLZHQObOWTQDPD3MizzM2xVFitgF8hE_ab",
        "https://medium.com/@ageitgey/machine-learning-is-fun-part-3",
        "https://example.org:8080/a",
        "http://93.184.215.14/x",
        "http://[2606:4700::1111]:8000/",
        "HTTPS://Example.ORG/",
        "https://bücher.example/",
        "https://пример.рф/",
        "https://пример.com/",
        "https://例え.jp/テスト",
        "https://日本語テキストabc.jp",
    ],
)
def test_valid_urls_pass(url):
    """Absolute http(s) URLs with a host are accepted unchanged."""
    assert validate_url(url) == url


def test_validate_strips_whitespace():
    """Surrounding whitespace is removed."""
    assert validate_url("  https://distill.pub/ \n") == "https://distill.pub/"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("distill.pub", "must start with http:// or https://"),
        ("/relative/path", "must start with http:// or https://"),
        ("ftp://example.org/file", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("https:/example.org", "must start with http:// or https://"),
        ("https://", "has no host"),
        ("https:///path", "has no host"),
        ("https://user:secret@example.org/", "must not contain a user name or password"),
        ("https://user@example.org/", "must not contain a user name or password"),
        ("https://example.org/a b", "contains spaces or control characters"),
        ("https://example.org/\x00", "contains spaces or control characters"),
        ("https://example.org:99999/", "has a malformed port"),
        ("https://example.org:http/", "has a malformed port"),
        ("https://exa_mple..org/", "has a malformed host"),
        ("https://1.2.3.4.5/", "has a malformed host"),
        ("http://256.1.1.1/", "has a malformed host"),
        ("https://p\u0430ypal.com/", "has a host mixing Cyrillic and Latin letters"),
        ("https://xn--pypal-4ve.com/", "has a host mixing Cyrillic and Latin letters"),
        ("https://g\u03bfogle.com/", "has a host mixing Greek and Latin letters"),
        ("http://127.0.0.1/x", "must point to a public site"),
        ("http://127.1/", "must point to a public site"),
        ("http://2130706433/", "must point to a public site"),
        ("http://0x7f.0.0.1/", "must point to a public site"),
        ("http://0/", "must point to a public site"),
        ("http://10.0.0.8/", "must point to a public site"),
        ("http://172.16.3.4/", "must point to a public site"),
        ("http://192.168.1.1/admin", "must point to a public site"),
        ("http://169.254.169.254/latest/meta-data/", "must point to a public site"),
        ("http://[::1]:8000/", "must point to a public site"),
        ("http://[fe80::1]/", "must point to a public site"),
        ("http://[fd00::1]/", "must point to a public site"),
        ("http://[::ffff:192.168.0.1]/", "must point to a public site"),
        ("http://localhost:8080/", "must point to a public site"),
        ("http://LOCALHOST./", "must point to a public site"),
        ("http://api.localhost/", "must point to a public site"),
        ("http://printer.local/", "must point to a public site"),
        ("http://intranet/x", "must point to a public site, not 'intranet' (a name without a dot"),
        ("http://Intranet./x", "must point to a public site, not 'Intranet.' (a name without a dot"),
        ("https://wiki:8443/page", "must point to a public site, not 'wiki' (a name without a dot"),
        ("http://xn--bcher-kva/", "must point to a public site"),
        ("http://bücher/", "must point to a public site"),
        ("https://example.org/" + "a" * URL_MAX, f"is longer than {URL_MAX} characters"),
    ],
)
def test_invalid_urls_name_the_reason(url, reason):
    """Each kind of bad URL is refused with a reason a user can act on."""
    with pytest.raises(InvalidInput) as caught:
        validate_url(url)
    assert caught.value.field == "url"
    assert caught.value.reason.startswith(reason)


def test_validate_names_the_given_field():
    """The field name in the error is the one the caller passes."""
    with pytest.raises(InvalidInput) as caught:
        validate_url("nope", "image")
    assert caught.value.field == "image"


@pytest.mark.parametrize(
    "variant",
    [
        "https://example.org/page",
        "http://example.org/page",
        "https://www.example.org/page",
        "https://EXAMPLE.org/page/",
        "https://example.org:443/page",
        "http://example.org:80/page",
        "https://example.org/page#section",
        "  https://Www.Example.Org/page/#top ",
        "https://example.org/page?utm_source=newsletter&utm_medium=email",
        "https://example.org/page?fbclid=IwAR0abc",
        "https://example.org/page?gclid=Cj0KCQ&UTM_Campaign=x",
    ],
)
def test_normalise_treats_variants_as_one_page(variant):
    """Scheme, www., host case, default port, trailing slash, fragment and tracking parameters do not matter."""
    assert normalise_url(variant) == normalise_url("https://example.org/page")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.org/page", "https://example.org/Page"),
        ("https://example.org/page?x=1", "https://example.org/page?x=2"),
        ("https://example.org:8080/page", "https://example.org/page"),
        ("https://example.org/page", "https://example.com/page"),
        ("https://blog.example.org/", "https://example.org/"),
        ("https://example.org/page?utm=1", "https://example.org/page"),
        ("https://example.org/page?id=7&utm_source=x", "https://example.org/page?id=8"),
    ],
)
def test_normalise_keeps_real_differences(a, b):
    """Path case, query, non-default port and other hosts still distinguish pages."""
    assert normalise_url(a) != normalise_url(b)


@pytest.mark.parametrize(
    "variant",
    [
        "https://bücher.example/a",
        "https://xn--bcher-kva.example/a",
        "https://BÜCHER.example/a/",
        "https://www.bücher.example/a",
    ],
)
def test_normalise_idna_hosts_are_one(variant):
    """An internationalised host and its punycode spelling are the same page."""
    assert normalise_url(variant) == "https://xn--bcher-kva.example/a"


def test_normalise_keeps_other_parameters_verbatim():
    """Dropping tracking parameters keeps the others exactly as written (encoding and order)."""
    url = "https://example.org/s?q=hello%20world&utm_source=x&b=2"
    assert normalise_url(url) == "https://example.org/s?q=hello%20world&b=2"
    assert normalise_url("https://example.org/s?q=hello%20world&b=2") == normalise_url(url)


@given(st.text(max_size=300))
def test_validate_never_raises_anything_else(text):
    """Any text either validates or raises InvalidInput."""
    try:
        validate_url(text)
    except InvalidInput:
        pass


SIMPLE_URL = r"\Ahttps?://(www\.)?[a-z]{1,10}\.(org|com)(:[1-9][0-9]{0,3})?(/[a-zA-Z0-9_-]{0,8}){0,3}/?(#[a-z]*)?\Z"


@given(st.from_regex(SIMPLE_URL))
def test_normalise_is_idempotent(url):
    """Normalising a normalised URL changes nothing, and the result is itself valid."""
    once = normalise_url(url)
    assert normalise_url(once) == once
    assert validate_url(once) == once


@pytest.mark.parametrize(
    ("host", "suffix"),
    [
        ("printer.lan", ".lan"),
        ("NAS.LAN.", ".lan"),
        ("wiki.intranet", ".intranet"),
        ("git.example.corp", ".corp"),
        ("router.home", ".home"),
        ("box.localdomain", ".localdomain"),
    ],
)
def test_private_network_suffixes_are_refused_with_the_reason(host: str, suffix: str) -> None:
    """Names ending in a suffix private networks use are refused for suggestions, saying why."""
    with pytest.raises(InvalidInput) as caught:
        validate_url(f"http://{host}/x")
    assert f"a name ending in {suffix} is a machine on a private network" in caught.value.reason
    assert validate_url(f"http://{host}/x", public_only=False) == f"http://{host}/x"


@pytest.mark.parametrize(
    "url", ["https://lan.example.org/", "https://example.homes/", "https://mycorp.com/", "https://home.example/x"]
)
def test_public_names_that_merely_contain_a_private_word_pass(url: str) -> None:
    """Only the last label counts: lan.example.org, example.homes and mycorp.com are public."""
    assert validate_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/demo", "http://10.1.2.3/notes", "http://intranet.local/viz", "http://intranet/viz"]
)
def test_private_hosts_are_refused_for_suggestions_but_allowed_in_the_curated_catalog(url: str) -> None:
    """A user's suggestion must point to a public site; the catalog's maintainers may list their own network."""
    with pytest.raises(InvalidInput, match="public site"):
        validate_url(url)
    assert validate_url(url, public_only=False) == url


@pytest.mark.parametrize(
    ("url", "tidy"),
    [
        ("HTTPS://WWW.Example.NET:443/Path/#frag", "https://www.example.net/Path/"),
        ("http://Example.org:80", "http://example.org"),
        ("http://example.org:443/", "http://example.org:443/"),
        ("https://Example.org:08443/a?B=C#x", "https://example.org:8443/a?B=C"),
        ("http://[2606:4700::1111]:8000/A", "http://[2606:4700::1111]:8000/A"),
        ("https://Bücher.example/X", "https://bücher.example/X"),
    ],
)
def test_tidy_url_lowers_scheme_and_host_and_drops_default_port_and_fragment(url: str, tidy: str) -> None:
    """The stored spelling of a suggestion: path and query exactly as typed."""
    assert tidy_url(url) == tidy


@given(st.from_regex(SIMPLE_URL.replace("[a-z]{1,10}", "[a-zA-Z]{1,10}").replace("https?", "[hH][tT][tT][pP][sS]?")))
def test_tidy_url_keeps_the_page_and_its_duplicate_key(url):
    """A tidied URL is still valid, tidying twice changes nothing, and duplicates are spotted as before."""
    once = tidy_url(url)
    assert tidy_url(once) == once
    assert validate_url(once) == once
    assert normalise_url(once) == normalise_url(url)
