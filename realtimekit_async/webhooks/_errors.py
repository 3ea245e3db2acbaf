"""The two ways a delivery is refused: not from RealtimeKit, or not the documented shape."""

from __future__ import annotations

from typing import Literal

from realtimekit_async._errors import RealtimeKitError, ResponseParseError

__all__ = ["WebhookPayloadError", "WebhookVerificationError"]


class WebhookVerificationError(RealtimeKitError):
    """The delivery's ``rtk-signature`` is missing, malformed or does not match the body.

    Treat the request as forged: answer 401 (not 5xx, so a sender does not retry it) and ignore
    its body, which was never parsed.

    Attributes:
        reason: ``"missing"`` (no header), ``"malformed"`` (not a base64 signature) or
            ``"mismatch"`` (a signature, but not of this body with this key; after a key
            rotation, the one case where fetching the key again can help).
    """

    def __init__(self, message: str, *, reason: Literal["missing", "malformed", "mismatch"]):
        super().__init__(message)
        self.reason = reason


class WebhookPayloadError(ResponseParseError):
    """A correctly signed delivery whose body is not JSON or not the documented shape.

    Attributes:
        field_path: where in the JSON the first problem was found (``$.recording.fileSize``).
    """
