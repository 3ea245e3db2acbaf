"""File names and storage locations for downloads: pure functions, examples and properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import Recording
from realtimekit_async._download import location, plan_downloads
from realtimekit_async._download_names import MAX_NAME_BYTES, dedupe, safe_component
from realtimekit_async._models import TrackFile, TrackLayerDownload


@given(st.text(), st.text())
def test_safe_component_is_one_harmless_name(name: str, fallback: str) -> None:
    """Any text maps to one non-empty, visible, short component; the same text the same way."""
    safe = safe_component(name, fallback)
    assert safe == safe_component(name, fallback)
    assert safe
    assert "/" not in safe
    assert "\\" not in safe
    assert "\0" not in safe
    assert not safe.startswith(".")
    assert not safe.endswith(".part")
    assert len(safe.encode()) <= MAX_NAME_BYTES
    assert safe_component(safe, fallback) == safe


def test_dedupe_numbers_repeated_names() -> None:
    """Names repeated in one folder get ~2, ~3 before the extension."""
    taken: set[str] = set()
    assert [dedupe(n, taken) for n in ["a.mp4", "a.mp4", "a.mp4", "b", "b"]] == [
        "a.mp4",
        "a~2.mp4",
        "a~3.mp4",
        "b",
        "b~2",
    ]


def test_location_shows_host_and_path_only() -> None:
    """A storage URL is shown as host, port and path; a broken port shows just "storage"."""
    assert location("https://b.example:8443/p/f.mp4?X-Amz-Signature=s") == "b.example:8443/p/f.mp4"
    assert location("http://h:notaport/x?sig=1") == "storage"


def test_track_layers_get_folders_and_unique_names(tmp_path: Path) -> None:
    """Several layers get a folder each; repeated file or layer names are numbered."""

    def layer(name: str, *files: str) -> TrackLayerDownload:
        return TrackLayerDownload(
            layer_name=name,
            download_urls=tuple(
                TrackFile(file_name=f, download_url=f"https://s/{f}") for f in files
            ),
        )

    recording = Recording(
        id="t",
        status="UPLOADED",
        invoked_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        output_file_name="",
        download_url=(layer("mic", "a.m4a", "a.m4a"), layer("mic", "b.m4a"), layer("", "c")),
    )
    paths = [t.path.relative_to(tmp_path) for t in plan_downloads(recording, tmp_path)]
    assert [str(p) for p in paths] == [
        "t/mic/a.m4a",
        "t/mic/a~2.m4a",
        "t/mic~2/b.m4a",
        "t/layer/c",
    ]
