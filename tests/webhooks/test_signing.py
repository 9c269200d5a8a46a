"""The signature a receiver checks, and the URLs an endpoint may have."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.errors import UsageError
from inboxsync.webhooks import sign, validate_url, verify
from inboxsync.webhooks.signing import signature_header

SECRET = "whsec_0123456789abcdef"


@given(body=st.binary(max_size=2000), flip=st.integers(min_value=0))
def test_a_signed_body_verifies_and_any_changed_byte_does_not(body: bytes, flip: int) -> None:
    now = int(time.time())
    header = signature_header(SECRET, now, body)
    assert verify(SECRET, header, body, now=now)
    if body:
        i = flip % len(body)
        tampered = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
        assert not verify(SECRET, header, tampered, now=now)
    assert not verify(SECRET, header, body + b" ", now=now)


def test_the_signature_covers_the_timestamp() -> None:
    body = b'{"id":"1-1"}'
    assert sign(SECRET, 1000, body) != sign(SECRET, 1001, body)
    forged = f"t=1001,v1={sign(SECRET, 1000, body)}"
    assert not verify(SECRET, forged, body, now=1001)


def test_an_old_signature_is_refused_and_a_second_v1_is_accepted() -> None:
    body = b"{}"
    header = signature_header(SECRET, 1000, body)
    assert verify(SECRET, header, body, now=1000 + 299)
    assert not verify(SECRET, header, body, now=1000 + 301)
    rotated = f"t=1000,v1={sign('whsec_old-secret-0000', 1000, body)},v1={sign(SECRET, 1000, body)}"
    assert verify(SECRET, rotated, body, now=1000)


@pytest.mark.parametrize(
    "header",
    ["", "t=1000", "v1=abc", "t=abc,v1=abc", "t=-5,v1=abc", "t=1000,v1=", "garbage", "t=1e3,v1=0"],
)
def test_a_malformed_header_never_verifies(header: str) -> None:
    assert not verify(SECRET, header, b"{}", now=1000)


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example/hooks/inbox",
        "http://93.184.215.14:8080/in?x=1",
        "https://[2606:4700::1111]:8443/h",
    ],
)
def test_an_http_or_https_url_is_accepted(url: str) -> None:
    assert validate_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "1 to 2000"),
        ("https://crm.example/" + "a" * 2000, "1 to 2000"),
        ("ftp://crm.example/in", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("crm.example/in", "http:// or https://"),
        ("https:///in", "names a host"),
        ("https://user:pw@crm.example/in", "no credentials"),
        ("https://token@crm.example/in", "no credentials"),
        ("https://crm.example:99999/in", "not a URL"),
        ("https://crm.example:0/in", "port"),
        ("https://crm.example/in put", "no spaces"),
        ("https://crm.example/\r\nHost: evil", "no spaces"),
        ("https://crm.exämple/in", "ASCII"),
    ],
)
def test_other_urls_are_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(UsageError, match=re.escape(why)):
        validate_url(url)
