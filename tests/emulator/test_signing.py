"""The emulator's signing key: PKCS#1 v1.5 RSA-SHA256 over the exact bytes, lazily imported."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from realtimekit_async._emulator._signing import MISSING, Signer


def test_signature_verifies_over_the_raw_bytes() -> None:
    """The signature verifies with the public PEM; one key serves the whole process."""
    signer = Signer()
    key = serialization.load_pem_public_key(signer.public_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 2048
    body = b'{"event":"recording.statusUpdate"}'
    key.verify(base64.b64decode(signer.sign(body)), body, padding.PKCS1v15(), hashes.SHA256())
    assert Signer().public_pem == signer.public_pem


def test_missing_cryptography_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without cryptography, making a signer raises ImportError naming the extra."""
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)
    with pytest.raises(ImportError) as caught:
        Signer()
    assert str(caught.value) == MISSING
    assert "realtimekit-async[webhooks]" in MISSING


def test_testing_imports_without_cryptography() -> None:
    """realtimekit_async.testing imports and serves recordings without cryptography."""
    code = (
        "import sys; sys.modules['cryptography'] = None\n"
        "import asyncio\n"
        "from realtimekit_async.testing import FakeRealtimeKit\n"
        "async def main():\n"
        "    async with FakeRealtimeKit() as fake:\n"
        "        fake.add_recording(fake.add_meeting(), status='INVOKED')\n"
        "        fake.advance()\n"
        "        await fake.drain_deliveries()\n"
        "        print(len(fake.recording_ids))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert (done.returncode, done.stdout.strip()) == (0, "1"), done.stderr
