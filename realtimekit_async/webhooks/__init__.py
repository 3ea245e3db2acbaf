"""Receive RealtimeKit webhooks: verify, parse, de-duplicate, and hand events on.

Needs the ``webhooks`` extra (``pip install "realtimekit-async[webhooks]"``) for the RSA check.

::

    from realtimekit_async.webhooks import RecordingStatusUpdate, parse_event

    event = parse_event(body, headers, public_key=pem)   # the raw body bytes, as received
    if isinstance(event, RecordingStatusUpdate) and event.recording.status == "UPLOADED":
        await rtk.download_recording(event.recording, "recordings/")

Delivery is at-least-once and unordered: de-duplicate by :attr:`WebhookEvent.delivery_id`
(:class:`WebhookReceiver` does it with a :class:`MemoryDeliveryStore`).
"""

try:
    import cryptography  # noqa: F401  # pyright: ignore[reportUnusedImport] - fail early, clearly
except ImportError as exc:  # pragma: no cover - tested in a subprocess without cryptography
    msg = (
        "realtimekit_async.webhooks needs the 'webhooks' extra: "
        'pip install "realtimekit-async[webhooks]"'
    )
    raise ImportError(msg, name=exc.name) from exc

from ._aiohttp import WebhookReceiver
from ._dedup import DeliveryStore, MemoryDeliveryStore
from ._errors import WebhookPayloadError, WebhookVerificationError
from ._events import (
    LivestreamStatusUpdate,
    MeetingChatSynced,
    MeetingEnded,
    MeetingStarted,
    MeetingSummary,
    MeetingTranscript,
    Organizer,
    Participant,
    ParticipantJoined,
    ParticipantLeft,
    RecordingStatusUpdate,
    UnknownEvent,
    WebhookEvent,
    WebhookMeeting,
)
from ._keys import PUBLIC_KEY_ENV, WELL_KNOWN_URL, WebhookKeyCache
from ._parse import MAX_BODY_SIZE, parse_event
from ._signature import DELIVERY_ID_HEADER, SIGNATURE_HEADER, WEBHOOK_ID_HEADER
from ._watcher import Subscription, WebhookWatcher

__all__ = [
    "DELIVERY_ID_HEADER",
    "MAX_BODY_SIZE",
    "PUBLIC_KEY_ENV",
    "SIGNATURE_HEADER",
    "WEBHOOK_ID_HEADER",
    "WELL_KNOWN_URL",
    "DeliveryStore",
    "LivestreamStatusUpdate",
    "MeetingChatSynced",
    "MeetingEnded",
    "MeetingStarted",
    "MeetingSummary",
    "MeetingTranscript",
    "MemoryDeliveryStore",
    "Organizer",
    "Participant",
    "ParticipantJoined",
    "ParticipantLeft",
    "RecordingStatusUpdate",
    "Subscription",
    "UnknownEvent",
    "WebhookEvent",
    "WebhookKeyCache",
    "WebhookMeeting",
    "WebhookPayloadError",
    "WebhookReceiver",
    "WebhookVerificationError",
    "WebhookWatcher",
    "parse_event",
]


def _claim_public_types() -> None:
    # Public classes report this package as their home (docs, reprs, tracebacks).
    for name in __all__:
        obj = globals()[name]
        if isinstance(obj, type):
            obj.__module__ = __name__


_claim_public_types()
del _claim_public_types
