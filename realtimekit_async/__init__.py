"""Async SDK for the Cloudflare RealtimeKit Recordings API.

Start here::

    from realtimekit_async import RealtimeKitSession

    async with RealtimeKitSession.from_env() as rtk:
        recording = await rtk.start_recording(meeting_id)
        async for recording in rtk.list_recordings(status="UPLOADED"):
            print(recording.id, recording.download_url)

Everything public is importable from this package; the ``_``-prefixed modules are private.
The in-process emulator for tests lives in :mod:`realtimekit_async.testing`; receiving
webhooks, in :mod:`realtimekit_async.webhooks` (extra ``webhooks``).
"""

from ._config import USE_DEFAULT, UseDefault
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectError,
    DownloadError,
    NoActiveRecordingError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    RealtimeKitError,
    RecordingFailedError,
    RequestTimeoutError,
    ResponseParseError,
    ResponseTooLargeError,
    ServerError,
    SessionClosedError,
    TransportError,
    WaitTimeoutError,
)
from ._events import (
    CallEvent,
    Hook,
    PageFetched,
    RateLimitWait,
    Reconciling,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    capture_responses,
)
from ._models import (
    AudioChannel,
    AudioCodec,
    AudioConfig,
    Caller,
    CallerType,
    InteractiveConfig,
    LivestreamingConfig,
    Meeting,
    MeetingStatus,
    Paging,
    RealtimeKitBucketConfig,
    Recording,
    RecordingAction,
    RecordingConfig,
    RecordingPage,
    RecordingStatus,
    SortOrder,
    StartReason,
    StartReasonKind,
    StopReason,
    StopReasonKind,
    StorageAuthMethod,
    StorageConfig,
    StorageType,
    TrackFile,
    TrackLayer,
    TrackLayerDownload,
    VideoCodec,
    VideoConfig,
    Watermark,
    WatermarkPosition,
    WatermarkSize,
    Webhook,
    WebhookEventName,
)
from ._pagination import RecordingPager, ResumeToken
from ._ratelimit import Limiter, RateLimiter
from ._retry import RetryPolicy
from ._session import DEFAULT_BASE_URL, RealtimeKitSession
from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "USE_DEFAULT",
    "APIError",
    "AudioChannel",
    "AudioCodec",
    "AudioConfig",
    "AuthenticationError",
    "BadRequestError",
    "CallEvent",
    "Caller",
    "CallerType",
    "ConflictError",
    "ConnectError",
    "DownloadError",
    "Hook",
    "InteractiveConfig",
    "Limiter",
    "LivestreamingConfig",
    "Meeting",
    "MeetingStatus",
    "NoActiveRecordingError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PageFetched",
    "Paging",
    "PermissionDeniedError",
    "RateLimitWait",
    "RateLimitedError",
    "RateLimiter",
    "RealtimeKitBucketConfig",
    "RealtimeKitError",
    "RealtimeKitSession",
    "Reconciling",
    "Recording",
    "RecordingAction",
    "RecordingConfig",
    "RecordingFailedError",
    "RecordingPage",
    "RecordingPager",
    "RecordingStatus",
    "RequestSent",
    "RequestTimeoutError",
    "ResponseParseError",
    "ResponseReceived",
    "ResponseTooLargeError",
    "ResumeToken",
    "RetryPolicy",
    "RetryScheduled",
    "ServerError",
    "SessionClosedError",
    "SortOrder",
    "StartReason",
    "StartReasonKind",
    "StopReason",
    "StopReasonKind",
    "StorageAuthMethod",
    "StorageConfig",
    "StorageType",
    "TrackFile",
    "TrackLayer",
    "TrackLayerDownload",
    "TransportError",
    "UseDefault",
    "VideoCodec",
    "VideoConfig",
    "WaitTimeoutError",
    "Watermark",
    "WatermarkPosition",
    "WatermarkSize",
    "Webhook",
    "WebhookEventName",
    "__version__",
    "capture_responses",
]


# Public objects report the package as their home, so docs, reprs of classes and error
# tracebacks name ``realtimekit_async.X`` rather than a private module.
def _claim_public_types() -> None:
    for name in __all__:
        obj = globals()[name]
        if isinstance(obj, type):
            obj.__module__ = __name__


_claim_public_types()
del _claim_public_types
