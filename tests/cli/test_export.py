import asyncio
import csv
import io
import json
import sys
from pathlib import Path

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

from .support import flags


def ids_in(path: Path) -> list[str]:
    """The recording ids of a JSONL export, in file order."""
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def test_table_is_the_default_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    """`list` prints an aligned table with a header and one row per recording."""
    assert main(["--emulator", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "status", "invoked_time", "seconds", "bytes", "meeting"]
    assert len(lines) == 301
    assert {len(line.split()[0]) for line in lines[1:]} == {36}


def test_csv_with_repeated_and_comma_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    """`--format csv` writes a header and rows; --status repeats and takes comma lists."""
    argv = ["--emulator", "list", "--format", "csv", "--status", "uploaded,errored"]
    assert main([*argv, "--status", "PAUSED"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {row["status"] for row in rows} == {"UPLOADED", "ERRORED", "PAUSED"}
    uploaded = next(row for row in rows if row["status"] == "UPLOADED" and row["file_size"])
    assert int(uploaded["file_size"]) > 0
    assert uploaded["meeting_title"]
    assert uploaded["meeting_id"]


async def test_every_filter_reaches_the_query(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Each listing flag becomes its query parameter."""
    meeting = fake.add_meeting(title="Sprint planning")
    fake.add_recording(meeting)
    output = tmp_path / "out.jsonl"
    argv = [
        *flags(fake),
        "list",
        "--meeting-id",
        meeting,
        "--search",
        "Sprint",
        "--not-expired",
        "--sort-by",
        "invokedTime",
        "--sort-order",
        "asc",
        "--start-time",
        "2020-01-01T00:00:00",
        "--end-time",
        "2100-01-01T00:00:00+00:00",
        "--per-page",
        "7",
        "--output",
        str(output),
    ]
    assert await asyncio.to_thread(main, argv) == 0
    query = dict(fake.journal[-1].query)
    assert query["meeting_id"] == meeting
    assert query["search"] == "Sprint"
    assert query["expired"] == "false"
    assert query["sort_by"] == "invokedTime"
    assert query["sort_order"] == "ASC"
    assert query["start_time"].startswith("2020-01-01T00:00:00")
    assert query["end_time"].startswith("2100-01-01T00:00:00")
    assert query["per_page"] == "7"
    assert len(ids_in(output)) == 1
    assert capsys.readouterr().err == f"exported 1 recordings to {output}\n"
    assert await asyncio.to_thread(main, [*flags(fake), "list", "--expired"]) == 0
    assert dict(fake.journal[-1].query)["expired"] == "true"


def test_bad_time_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A time that is not ISO 8601 is refused by the parser (status 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["--emulator", "list", "--start-time", "yesterday"])
    assert caught.value.code == 2
    assert "not an ISO 8601 time: 'yesterday'" in capsys.readouterr().err


def test_progress_bar_sized_by_total_count(capsys: pytest.CaptureFixture[str]) -> None:
    """`--progress always` draws a bar on stderr that ends at the server's total_count."""
    assert main(["--emulator", "--progress", "always", "list", "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert "recordings" in captured.err
    assert "300/300" in captured.err
    assert len(captured.out.splitlines()) == 300


def test_no_bars_without_a_terminal_or_rich(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a terminal on stderr, `--progress never`, or no rich installed: no bars at all."""
    assert main(["--emulator", "list", "--format", "jsonl"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["--emulator", "--progress", "never", "list", "--format", "jsonl"]) == 0
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    assert main(["--emulator", "--progress", "always", "list", "--format", "jsonl"]) == 0
    assert capsys.readouterr().err == ""


async def test_interrupted_export_resumes_without_gaps_or_duplicates(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An export that fails after two pages continues with --resume; every id appears once."""
    fake.seed(230)
    output = tmp_path / "recordings.jsonl"
    token = tmp_path / "recordings.jsonl.resume"
    # Two list requests pass untouched, then the server fails for good.
    fake.inject("slow", path="/recordings", times=2)
    fake.inject("server_error", path="/recordings", times=1000)
    argv = [*flags(fake), "--max-attempts", "1", "list", "--output", str(output)]
    assert await asyncio.to_thread(main, [*argv, "--per-page", "50"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("realtimekit: error: HTTP 503")
    assert err.count("\n") == 1
    # Pages are fetched ahead, so page 2 or page 3 may be the request the faults hit first.
    assert len(ids_in(output)) in {50, 100}
    assert token.exists()
    # A crash between writing lines and saving the token leaves lines the token does not
    # vouch for: resuming must drop them rather than write them twice.
    with output.open("a") as out:
        out.write(output.read_text().splitlines()[-1] + "\n" + '{"id": "half a li')

    fake.clear_faults()
    assert await asyncio.to_thread(main, [*argv, "--resume"]) == 0
    exported = ids_in(output)
    assert len(exported) == len(set(exported)) == 230
    assert exported == fake.recording_ids
    assert not token.exists()
    assert capsys.readouterr().err == f"exported 230 recordings to {output}\n"


async def test_csv_export_resumes_without_a_second_header(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A resumed CSV export keeps one header; the format comes from the resume file."""
    fake.seed(30)
    output = tmp_path / "recordings.csv"
    fake.inject("slow", path="/recordings", times=1)
    fake.inject("server_error", path="/recordings", times=1000)
    argv = [*flags(fake), "--max-attempts", "1", "list", "--output", str(output)]
    assert await asyncio.to_thread(main, [*argv, "--format", "csv", "--per-page", "10"]) == 1
    fake.clear_faults()
    assert await asyncio.to_thread(main, [*argv, "--resume"]) == 0
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert [row["id"] for row in rows] == fake.recording_ids


async def test_table_export_to_a_file_resumes_too(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """`--format table --output FILE` writes the table; a resumed one keeps one header."""
    meeting = fake.add_meeting(title="All hands")
    for _ in range(3):
        fake.add_recording(meeting)
    fake.inject("slow", path="/recordings", times=1)
    fake.inject("server_error", path="/recordings", times=1000)
    output = tmp_path / "recordings.txt"
    argv = [*flags(fake), "--max-attempts", "1", "list", "--output", str(output)]
    assert await asyncio.to_thread(main, [*argv, "--format", "table", "--per-page", "2"]) == 1
    fake.clear_faults()
    assert await asyncio.to_thread(main, [*argv, "--resume"]) == 0
    lines = output.read_text().splitlines()
    assert lines[0].startswith("id ")
    assert [line.split()[0] for line in lines[1:]] == fake.recording_ids
    assert all(line.endswith("All hands") for line in lines[1:])


def test_per_page_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    """`--per-page 0` is refused by the parser (status 2)."""
    with pytest.raises(SystemExit) as caught:
        main(["--emulator", "list", "--per-page", "0"])
    assert caught.value.code == 2
    assert "must be at least 1, got 0" in capsys.readouterr().err


def test_resume_mistakes_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every way to misuse --resume ends with one line and status 2, and changes nothing."""
    output = tmp_path / "out.jsonl"
    token = tmp_path / "out.jsonl.resume"
    resume = ["--emulator", "list", "--output", str(output), "--resume"]
    cases: list[tuple[list[str], str]] = [
        (["--emulator", "list", "--resume"], "give --output FILE"),
        (resume, "nothing to resume"),
    ]
    for argv, message in cases:
        assert main(argv) == 2
        assert message in capsys.readouterr().err

    for damaged in (
        "[]",
        "{}",
        "not json",
        '{"format": "jsonl", "offset": 0, "exported": 0, "token": "x"}',
    ):
        token.write_text(damaged)
        assert main(resume) == 2
        assert "is not a resume file" in capsys.readouterr().err

    # A real token, taken from an interrupted export of the emulator's data.
    fresh = ["--emulator", "list", "--output", str(output), "--per-page", "100", "--force"]
    assert main(fresh) == 0
    capsys.readouterr()
    assert not token.exists()
    token.write_text(
        json.dumps({"format": "jsonl", "offset": 10**9, "exported": 100, "token": _token()})
    )
    assert main([*resume, "--format", "csv"]) == 2
    assert "the interrupted export is jsonl" in capsys.readouterr().err
    assert main(resume) == 2
    assert "is shorter than when" in capsys.readouterr().err
    assert main([*resume, "--status", "UPLOADED"]) == 2
    assert "resume token carries its own filters" in capsys.readouterr().err


def _token() -> str:
    """A resume token as a scan after one page of 100 would write it."""
    from realtimekit_async import ResumeToken

    return ResumeToken(query=(), per_page=100, page_no=2).dumps()


@pytest.mark.parametrize(
    "options",
    [
        ["--status", "FOO"],
        ["--sort-by", "title"],
        ["--start-time", "2025-02-01T00:00:00Z", "--end-time", "2025-01-01T00:00:00Z"],
    ],
)
def test_nothing_reaches_stdout_before_the_arguments_are_checked(
    options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad filter fails before the table header: stdout stays empty, one line on stderr."""
    assert main(["--emulator", "list", *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("realtimekit: error: --")
    assert captured.err.count("\n") == 1


def test_limit_and_dash_output_write_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    """`--limit 3 -o -` writes three JSON lines to stdout and nothing to stderr."""
    assert main(["--emulator", "list", "--limit", "3", "-o", "-", "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert len([json.loads(line) for line in captured.out.splitlines()]) == 3
    assert captured.err == ""


def test_json_format_is_one_array(capsys: pytest.CaptureFixture[str]) -> None:
    """`--format json` prints one JSON array; an empty result is `[]`."""
    assert main(["--emulator", "list", "--format", "json", "--limit", "120"]) == 0
    recordings = json.loads(capsys.readouterr().out)
    assert len(recordings) == 120
    assert len({recording["id"] for recording in recordings}) == 120
    assert main(["--emulator", "list", "--format", "json", "--meeting-id", "nobody"]) == 0
    assert capsys.readouterr().out == "[]\n"


async def test_json_export_to_a_file_resumes_into_one_array(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """An interrupted `--format json` export resumes into one valid array, every id once."""
    fake.seed(30)
    output = tmp_path / "recordings.json"
    fake.inject("slow", path="/recordings", times=1)
    fake.inject("server_error", path="/recordings", times=1000)
    argv = [*flags(fake), "--max-attempts", "1", "list", "--output", str(output)]
    assert await asyncio.to_thread(main, [*argv, "--format", "json", "--per-page", "10"]) == 1
    fake.clear_faults()
    assert await asyncio.to_thread(main, [*argv, "--resume"]) == 0
    assert [item["id"] for item in json.loads(output.read_text())] == fake.recording_ids


async def test_an_existing_export_is_never_overwritten_silently(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A rerun next to an interrupted export refuses, naming --resume and --force."""
    fake.seed(20)
    output = tmp_path / "recordings.jsonl"
    fake.inject("slow", path="/recordings", times=1)
    fake.inject("server_error", path="/recordings", times=1000)
    argv = [*flags(fake), "--max-attempts", "1", "list", "--output", str(output)]
    assert await asyncio.to_thread(main, [*argv, "--per-page", "10"]) == 1
    fake.clear_faults()
    capsys.readouterr()
    kept = output.read_bytes()

    assert await asyncio.to_thread(main, argv) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"realtimekit: error: {output} holds an interrupted export ({output}.resume exists): "
        "pass --resume to continue it, or --force to start over\n"
    )
    assert output.read_bytes() == kept

    assert await asyncio.to_thread(main, [*argv, "--limit", "5", "--force"]) == 0
    assert len(ids_in(output)) == 5
    assert not (tmp_path / "recordings.jsonl.resume").exists()
    capsys.readouterr()
    assert await asyncio.to_thread(main, argv) == 2
    assert capsys.readouterr().err == (
        f"realtimekit: error: {output} exists: pass --force to overwrite it, "
        "or choose another --output\n"
    )


def test_resume_and_force_need_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    """`--force` (like `--resume`) without an output file is a usage error."""
    assert main(["--emulator", "list", "-o", "-", "--force"]) == 2
    assert capsys.readouterr().err == (
        "realtimekit: error: --resume and --force are for an export to a file: give --output FILE\n"
    )
