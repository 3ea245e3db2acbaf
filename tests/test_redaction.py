from realtimekit_async._redaction import (
    mask_secret,
    redact_headers,
    redact_json,
    redact_url,
    redact_url_repr,
    scrub,
)


def test_redact_url_masks_signing_params_only() -> None:
    """Signatures, credentials and tokens are masked; other parameters stay."""
    url = "https://b.example/f.mp4?X-Amz-Expires=60&X-Amz-Signature=abc&X-Amz-Credential=AKIA&sig=z&keep=1"
    assert redact_url(url) == (
        "https://b.example/f.mp4?X-Amz-Expires=60&X-Amz-Signature=***&X-Amz-Credential=***&sig=***&keep=1"
    )
    assert redact_url("no query") == "no query"


def test_reprs_and_headers() -> None:
    """Repr helpers and header masking."""
    assert mask_secret(None) == "None"
    assert mask_secret("x") == "'***'"
    assert redact_url_repr("https://x/?Signature=s") == "'https://x/?Signature=***'"
    assert redact_url_repr(None) == "None"
    assert redact_headers({"Authorization": "Bearer t", "Accept": "json"}) == {
        "Authorization": "***",
        "Accept": "json",
    }


def test_redact_json_and_scrub() -> None:
    """Storage secrets in JSON and known secrets in text are masked."""
    body = {
        "storage_config": {"type": "aws", "secret": "S", "password": None},
        "urls": ["https://x/?sig=1"],
        "n": 1,
    }
    assert redact_json(body) == {
        "storage_config": {"type": "aws", "secret": "***", "password": None},
        "urls": ["https://x/?sig=***"],
        "n": 1,
    }
    assert scrub("token tok-12345678 leaked at https://x/?sig=abc", ["tok-12345678", ""]) == (
        "token *** leaked at https://x/?sig=***"
    )
    assert scrub("plain text", ["t"]) == "plain text"
