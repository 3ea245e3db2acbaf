import datetime as dt

from realtimekit_async import (
    Recording,
    RecordingStatus,
    StorageConfig,
    StorageType,
    TrackFile,
    TrackLayerDownload,
)

T0 = dt.datetime(2026, 8, 14, tzinfo=dt.UTC)


def test_status_activity_and_finality() -> None:
    """Active statuses are the three before the upload; final ones never change."""
    assert {s for s in RecordingStatus if s.is_active} == {"INVOKED", "RECORDING", "PAUSED"}
    assert {s for s in RecordingStatus if s.is_final} == {"UPLOADED", "ERRORED"}


def test_storage_secrets_are_masked_in_repr() -> None:
    """Repr shows that a secret is set, never its value."""
    config = StorageConfig(
        type=StorageType.SFTP,
        access_key="AK-SENTINEL",
        secret="S-SENTINEL",
        password="P-SENTINEL",
        private_key="K-SENTINEL",
        host="h",
    )
    text = repr(config)
    assert "SENTINEL" not in text
    assert "access_key='***'" in text
    assert "bucket=None" in text


def test_presigned_url_signature_masked_in_repr() -> None:
    """The signature of a presigned link never shows in a repr."""
    url = "https://s.example/a.mp4?X-Amz-Expires=60&X-Amz-Signature=deadbeef"
    recording = Recording(
        id="r",
        status="UPLOADED",
        invoked_time=T0,
        output_file_name="a.mp4",
        download_url=url,
        audio_download_url=url,
    )
    assert "deadbeef" not in repr(recording)
    assert "X-Amz-Expires=60" in repr(recording)
    assert recording.download_url == url


def test_track_file_url_masked_and_is_track() -> None:
    """Track downloads mask their links and mark the recording as a track recording."""
    layer = TrackLayerDownload("default", (TrackFile("a.webm", "https://x/a?sig=SECRET"),))
    recording = Recording(
        id="r", status="UPLOADED", invoked_time=T0, output_file_name="t", download_url=(layer,)
    )
    assert recording.is_track
    assert "SECRET" not in repr(recording)
    assert not Recording(id="r", status="X", invoked_time=T0, output_file_name="t").is_track
    assert Recording(
        id="r", status="X", invoked_time=T0, output_file_name="t", type="TRACK"
    ).is_track
