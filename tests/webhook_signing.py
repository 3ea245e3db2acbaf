"""Test keys and signatures for webhook deliveries, made here as RealtimeKit would make them."""

from __future__ import annotations

import base64
import functools
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

WEBHOOK_SAMPLES = Path(__file__).parent / "samples" / "webhooks"


def private_key(n: int = 0) -> rsa.RSAPrivateKey:
    """Test RSA key number *n* (generated once per test run)."""
    return _generate(n)


@functools.cache
def _generate(n: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(n: int = 0) -> str:
    """The PEM public key of test key *n*."""
    return (
        private_key(n)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(body: bytes, n: int = 0) -> str:
    """The ``rtk-signature`` of *body* with test key *n*."""
    raw = private_key(n).sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def signed_headers(body: bytes, n: int = 0, delivery_id: str = "d-1") -> dict[str, str]:
    """Headers of a delivery of *body* signed with key *n*."""
    return {"rtk-signature": sign(body, n), "rtk-uuid": delivery_id, "rtk-webhook-id": "wh-1"}


def webhook_sample(name: str) -> dict[str, Any]:
    """A documented webhook body from tests/samples/webhooks."""
    data: dict[str, Any] = json.loads((WEBHOOK_SAMPLES / name).read_text())
    return data


def body_of(data: dict[str, Any]) -> bytes:
    """*data* as a delivery body (pretty-printed, as a sender might)."""
    return json.dumps(data, indent=2).encode()
