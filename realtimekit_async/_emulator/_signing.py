"""The emulator's webhook key: RSA-SHA256 (PKCS#1 v1.5) signatures over the raw body.

``cryptography`` comes with the ``webhooks`` extra and is imported only here, lazily: the
emulator serves the recordings API without it, and only registering webhooks (whose
deliveries must be signed) asks for it.
"""

from __future__ import annotations

import base64
import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

MISSING = (
    "webhook deliveries are signed with cryptography, which the 'webhooks' extra installs: "
    'pip install "realtimekit-async[webhooks]"'
)


def _crypto() -> tuple[Any, Any, Any, Any]:
    """The cryptography modules signing needs.

    Raises:
        ImportError: cryptography is not installed; the message names the extra.
    """
    try:
        from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415 - lazy: optional extra
        from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError(MISSING, name=exc.name) from exc
    return hashes, serialization, padding, rsa


@functools.cache
def _process_key() -> rsa.RSAPrivateKey:
    # A 2048-bit key takes a noticeable fraction of a second to make: one per process is
    # plenty for an emulator, and keeps test suites that start many emulators fast.
    key: rsa.RSAPrivateKey = _crypto()[3].generate_private_key(public_exponent=65537, key_size=2048)
    return key


class Signer:
    """Signs delivery bodies and tells the public key to verify them with.

    Raises:
        ImportError: (on construction) cryptography is not installed.
    """

    def __init__(self) -> None:
        self._hashes, serialization, self._padding, _ = _crypto()
        self._key = _process_key()
        pem: bytes = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        #: The public key, PEM (SubjectPublicKeyInfo), as the well-known document serves it.
        self.public_pem = pem.decode("ascii")

    def sign(self, body: bytes) -> str:
        """The ``rtk-signature`` header of ``body``: base64 of its RSA-SHA256 signature."""
        raw = self._key.sign(body, self._padding.PKCS1v15(), self._hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")
