"""``parse_event``: verify the raw bytes, then decode them; only our errors escape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, cast

from ._decode import decode_body, decode_event
from ._errors import WebhookPayloadError
from ._events import WebhookEvent
from ._signature import (
    DELIVERY_ID_HEADER,
    WEBHOOK_ID_HEADER,
    PublicKey,
    header,
    load_public_key,
    verify_signature,
)

__all__ = ["MAX_BODY_SIZE", "parse_event"]

#: The largest body accepted (1 MiB): events carry URLs, never files; larger is not ours.
MAX_BODY_SIZE: Final = 1 << 20


def parse_event(
    body: bytes,
    headers: Mapping[str, str],
    *,
    public_key: PublicKey,
    max_body_size: int = MAX_BODY_SIZE,
) -> WebhookEvent:
    """Verify a delivery's signature over the raw *body*, then parse it into a typed event.

    Pass the body exactly as received (``await request.read()``), never JSON parsed and
    serialised again: the signature covers the bytes. Header names may be in any case.

    Args:
        body: the request body, unchanged.
        headers: the request headers (``rtk-signature``, ``rtk-uuid``, ``rtk-webhook-id``).
        public_key: RealtimeKit's public key as PEM text or bytes (see
            :class:`WebhookKeyCache` to fetch it), or a loaded ``RSAPublicKey``.
        max_body_size: larger bodies are refused before verification.

    Returns:
        a :class:`RecordingStatusUpdate` or another :class:`WebhookEvent` subclass; an
        :class:`UnknownEvent` for an event this version does not know.

    Raises:
        WebhookVerificationError: the signature is missing, malformed or wrong; the body was
            not parsed. Answer 401.
        WebhookPayloadError: signed, but too large, not JSON or not the documented shape.
            Answer 400.
        ValueError: *public_key* is not an RSA public key (a configuration error).
    """
    given = cast("object", body)  # a str here is a parsed-and-reserialised body: say so early
    if not isinstance(given, bytes | bytearray):
        msg = f"body must be the raw request bytes, got {type(given).__name__}"
        raise TypeError(msg)
    key = load_public_key(public_key)
    body = bytes(given)
    if len(body) > max_body_size:
        msg = f"the webhook body has {len(body)} bytes, more than the {max_body_size} accepted"
        raise WebhookPayloadError(msg)
    verify_signature(body, headers, key)
    return decode_event(
        decode_body(body),
        delivery_id=header(headers, DELIVERY_ID_HEADER),
        webhook_id=header(headers, WEBHOOK_ID_HEADER),
    )
