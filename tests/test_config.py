"""Configuration checks: token, API root and timeouts, as plain values."""

from __future__ import annotations

import math

import pytest
import yarl
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async._config import (
    check_api_token,
    check_base_url,
    check_seconds,
    check_timeout,
)


@pytest.mark.parametrize("token", ["tok\r\nX-Evil: 1", "tok\n", " tok", "to k", "tök", "t\x00"])
def test_token_with_whitespace_or_control_characters_is_refused(token: str) -> None:
    """A token that would break or smuggle a header line is refused, without echoing it."""
    with pytest.raises(ValueError, match="whitespace, control or non-ASCII") as caught:
        check_api_token(token)
    assert token not in str(caught.value)


def test_token_types() -> None:
    """An empty token or a non-string is refused; a plain one passes unchanged."""
    with pytest.raises(ValueError, match="non-empty"):
        check_api_token("")
    with pytest.raises(TypeError, match="must be a string, got bytes"):
        check_api_token(b"tok")
    assert check_api_token("Abc-123_x.y") == "Abc-123_x.y"


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_visible_ascii_tokens_pass(token: str) -> None:
    """Every token of visible ASCII characters is accepted as is."""
    assert check_api_token(token) == token


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://x/y", "http"),
        ("http:///path", "with a host"),
        ("https://user:SENTINEL@api.example/v4", "user info"),
        ("https://SENTINEL@api.example/v4", "user info"),
        ("https://api.example/v4?x=1", "query string or fragment"),
        ("https://api.example/v4?", "query string or fragment"),
        ("https://api.example/v4#frag", "query string or fragment"),
        ("https://[::1/v4", "not a valid URL"),
    ],
)
def test_base_url_shapes_refused(url: str, match: str) -> None:
    """A base URL that would mangle request paths or carry credentials is refused."""
    with pytest.raises(ValueError, match=match) as caught:
        check_base_url(url)
    assert "SENTINEL" not in str(caught.value)


def test_base_url_accepted_forms() -> None:
    """http(s) roots pass without their trailing slash; yarl URLs are accepted; others are not."""
    assert check_base_url("https://api.cloudflare.com/client/v4/") == (
        "https://api.cloudflare.com/client/v4"
    )
    assert check_base_url(yarl.URL("http://127.0.0.1:8080")) == "http://127.0.0.1:8080"
    with pytest.raises(TypeError, match="base_url must be a string"):
        check_base_url(8080)


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0, -math.inf])
def test_timeouts_must_be_finite_and_positive(value: float) -> None:
    """nan, infinity, zero and negative numbers are refused."""
    with pytest.raises(ValueError, match="finite number of seconds > 0"):
        check_timeout("timeout", value)


@pytest.mark.parametrize("value", ["5", True, [1]])
def test_timeouts_must_be_numbers(value: object) -> None:
    """A string, a bool or anything else that is not a number is refused by type."""
    with pytest.raises(TypeError, match="timeout must be a number of seconds"):
        check_timeout("timeout", value)


def test_timeout_none_only_where_optional() -> None:
    """None means "no limit" only where that is allowed; numbers come back as floats."""
    assert check_timeout("timeout", None) is None
    assert check_timeout("timeout", 5) == 5.0
    assert check_seconds("poll_interval", 0.5) == 0.5
    with pytest.raises(TypeError, match="must be a number of seconds, got None"):
        check_seconds("timeout", None)
