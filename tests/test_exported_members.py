import realtimekit_async
from realtimekit_async import testing

#: DESIGN.md §1 names, plus the additions documented in the reference.
DESIGN_NAMES = {
    "RealtimeKitSession",
    "RecordingPager",
    "RecordingPage",
    "Paging",
    "Recording",
    "Meeting",
    "StartReason",
    "StopReason",
    "Caller",
    "StorageConfig",
    "AudioConfig",
    "VideoConfig",
    "RecordingStatus",
    "RecordingAction",
    "StartReasonKind",
    "StopReasonKind",
    "CallerType",
    "StorageType",
    "RetryPolicy",
    "RateLimiter",
    "RealtimeKitError",
    "APIError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "NoActiveRecordingError",
    "ConflictError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "USE_DEFAULT",
    "UseDefault",
    "CallEvent",
    "Hook",
    "PageFetched",
    "RateLimitWait",
    "Reconciling",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "capture_responses",
    "WaitTimeoutError",
    "ConnectError",
    "RequestTimeoutError",
    "ResponseParseError",
    "Webhook",
}
ADDITIONS = {
    "DEFAULT_BASE_URL",
    "DownloadError",
    "__version__",
    "AudioChannel",
    "AudioCodec",
    "InteractiveConfig",
    "Limiter",
    "LivestreamingConfig",
    "MeetingStatus",
    "OutcomeUnknownError",
    "RealtimeKitBucketConfig",
    "RecordingConfig",
    "RecordingFailedError",
    "ResponseTooLargeError",
    "ResumeToken",
    "SessionClosedError",
    "SortOrder",
    "StorageAuthMethod",
    "TrackFile",
    "TrackLayer",
    "TrackLayerDownload",
    "VideoCodec",
    "Watermark",
    "WatermarkPosition",
    "WatermarkSize",
    "WebhookEventName",
}


def test_all_is_exactly_the_public_api() -> None:
    """`from realtimekit_async import *` gives the DESIGN names and the documented additions."""
    assert set(realtimekit_async.__all__) == DESIGN_NAMES | ADDITIONS
    assert len(realtimekit_async.__all__) == len(set(realtimekit_async.__all__))


def test_public_names_live_in_the_package() -> None:
    """Every public class reports `realtimekit_async` as its module and has a docstring."""
    for name in realtimekit_async.__all__:
        obj = getattr(realtimekit_async, name)
        if isinstance(obj, type):
            assert obj.__module__ == "realtimekit_async", name
            assert obj.__doc__, name


def test_testing_module_exports() -> None:
    """The emulator module exports its public API."""
    assert {"FakeRealtimeKit", "FaultKind", "JournalEntry"} <= set(testing.__all__)
    for name in testing.__all__:
        assert getattr(testing, name).__doc__, name


def test_errors_share_one_base() -> None:
    """Every exception class derives from RealtimeKitError."""
    for name in realtimekit_async.__all__:
        obj = getattr(realtimekit_async, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, realtimekit_async.RealtimeKitError), name
