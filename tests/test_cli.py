import runpy

import pytest

from realtimekit_async._cli import main


def test_demo_runs_every_call(capsys: pytest.CaptureFixture[str]) -> None:
    """`realtimekit demo` drives all six calls and streams every seeded recording."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for call in (
        "start_recording",
        "get_active_recording",
        "pause_recording",
        "resume_recording",
        "stop_recording",
        "get_recording",
        "start_track_recording",
    ):
        assert call in out
    assert "list_recordings streamed 302 recordings in 4 pages" in out
    assert "all calls succeeded" in out


def test_version_and_python_m(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m realtimekit_async --version` prints the version and exits 0."""
    monkeypatch.setattr("sys.argv", ["realtimekit", "--version"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("realtimekit_async", run_name="__main__")
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("realtimekit ")
