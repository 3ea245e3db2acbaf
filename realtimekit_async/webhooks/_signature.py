"""The ``rtk-signature`` check: RSASSA-PKCS1-v1_5 with SHA-256 over the raw body bytes.

The bytes are verified exactly as they arrived, before any parsing: a body parsed and
serialised again (a common mistake in hand-written receivers) differs from what was signed.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Mapping
from typing import Final, cast

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._errors import WebhookVerificationError

__all__ = [
    "DELIVERY_ID_HEADER",
    "SIGNATURE_HEADER",
    "WEBHOOK_ID_HEADER",
    "PublicKey",
    "header",
    "load_public_key",
    "verify_signature",
]

SIGNATURE_HEADER: Final = "rtk-signature"
DELIVERY_ID_HEADER: Final = "rtk-uuid"
WEBHOOK_ID_HEADER: Final = "rtk-webhook-id"

#: base64 of a 16384-bit signature is 2732 characters; anything longer is not a signature.
MAX_SIGNATURE_LENGTH: Final = 4096

#: A public key as the user may give it: PEM text or bytes, or a key already loaded.
PublicKey = str | bytes | rsa.RSAPublicKey


def header(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header *name* (lower case) in *headers*, whatever the case of its keys."""
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                value = candidate
                break
    return value if isinstance(value, str) else None


@functools.lru_cache(maxsize=16)
def _load_pem(pem: bytes) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        msg = "public_key is not a PEM public key (-----BEGIN PUBLIC KEY-----)"
        raise ValueError(msg) from exc
    if not isinstance(key, rsa.RSAPublicKey):
        msg = f"public_key must be an RSA key, got {type(key).__name__}"
        raise ValueError(msg)
    return key


def load_public_key(public_key: PublicKey) -> rsa.RSAPublicKey:
    r"""Load an RSA public key from PEM text or bytes (cached), or return a loaded one.

    A PEM whose line breaks arrive as the two characters ``\\n`` (as in the documented
    well-known answer, copied out of JSON once too often) is accepted.

    Raises:
        ValueError: *public_key* is not an RSA public key in PEM form.
        TypeError: *public_key* is neither text, bytes nor a loaded key.
    """
    given = cast("object", public_key)  # checked at run time too: callers are not always typed
    if isinstance(given, rsa.RSAPublicKey):
        return given
    if isinstance(given, str):
        given = given.encode("utf-8", "replace")
    if not isinstance(given, bytes):
        msg = f"public_key must be PEM text or bytes, got {type(given).__name__}"
        raise TypeError(msg)
    if b"\n" not in given.strip():
        given = given.replace(b"\\n", b"\n")
    return _load_pem(given.strip() + b"\n")


def verify_signature(body: bytes, headers: Mapping[str, str], key: rsa.RSAPublicKey) -> None:
    """Check the ``rtk-signature`` of *body*, or raise :class:`WebhookVerificationError`."""
    signature = header(headers, SIGNATURE_HEADER)
    if signature is None:
        msg = f"the request has no {SIGNATURE_HEADER} header: it is not a RealtimeKit delivery"
        raise WebhookVerificationError(msg, reason="missing")
    signature = signature.strip()
    if not signature or len(signature) > MAX_SIGNATURE_LENGTH:
        msg = f"the {SIGNATURE_HEADER} header is empty or too long to be a signature"
        raise WebhookVerificationError(msg, reason="malformed")
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        msg = f"the {SIGNATURE_HEADER} header is not base64"
        raise WebhookVerificationError(msg, reason="malformed") from None
    try:
        key.verify(raw, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        msg = (
            f"the {SIGNATURE_HEADER} does not match the body: it was changed on the way, "
            "signed with another key, or not sent by RealtimeKit"
        )
        raise WebhookVerificationError(msg, reason="mismatch") from None
