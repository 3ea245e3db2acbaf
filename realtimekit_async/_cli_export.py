"""``realtimekit list``: stream recordings as a table, JSON lines or CSV, resumably.

An export to a file keeps its place in ``FILE.resume``, rewritten (atomically) after every page
once that page's lines are flushed and synced. The token file also records how many bytes of FILE
those pages filled, so ``--resume`` first cuts off whatever a crash left after the last token,
then appends: no line is lost and none is written twice. A finished export removes the token file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, cast

from . import _json
from ._cli_progress import Bars, progress_bars
from ._converter import converter
from ._models import Recording
from ._pagination import RecordingPager, ResumeToken
from ._session import RealtimeKitSession

__all__ = ["FORMATS", "list_filters", "parse_time", "resume_path", "run_list", "split_values"]

FORMATS: Final = ("table", "jsonl", "csv")
CSV_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "status",
    "meeting_id",
    "meeting_title",
    "invoked_time",
    "started_time",
    "stopped_time",
    "recording_duration",
    "file_size",
    "output_file_name",
    "download_url_expiry",
)
# (column, width, right-aligned): fixed widths, so a table streams without reading it all first.
_TABLE: Final = (
    ("id", 36, False),
    ("status", 10, False),
    ("invoked_time", 24, False),
    ("recording_duration", 8, True),
    ("file_size", 9, True),
    ("meeting_title", 0, False),
)
_TABLE_HEADINGS: Final = {
    "recording_duration": "seconds",
    "file_size": "bytes",
    "meeting_title": "meeting",
}

Writer = Callable[[Recording], object]


def _row(recording: Recording) -> dict[str, str]:
    """The CSV/table columns of one recording, as text (empty for null)."""
    data: dict[str, Any] = converter().unstructure(recording)
    meeting: Mapping[str, Any] = data.get("meeting") or {}
    data["meeting_id"] = data.get("meeting_id") or meeting.get("id")
    data["meeting_title"] = meeting.get("title")
    return {column: "" if data.get(column) is None else str(data[column]) for column in CSV_COLUMNS}


def _table_line(cells: Mapping[str, str]) -> str:
    parts = [
        cells[name].rjust(width) if right else cells[name].ljust(width)
        for name, width, right in _TABLE
    ]
    return "  ".join(parts).rstrip() + "\n"


def make_writer(fmt: str, out: IO[str], *, header: bool) -> Writer:
    """A function writing one recording to *out* in *fmt*; writes the header first if asked.

    Args:
        fmt: ``table`` (aligned columns), ``jsonl`` (one JSON object per line, every field) or
            ``csv`` (the :data:`CSV_COLUMNS`).
        out: the text stream to write to.
        header: write the table's or CSV's header line now (not when appending to an export).
    """
    if fmt == "jsonl":

        def write_jsonl(recording: Recording) -> None:
            out.write(_json.dumps(converter().unstructure(recording)).decode() + "\n")

        return write_jsonl
    if fmt == "csv":
        writer: csv.DictWriter[str] = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
        if header:
            writer.writeheader()
        return lambda recording: writer.writerow(_row(recording))
    if header:
        out.write(_table_line({name: _TABLE_HEADINGS.get(name, name) for name, *_ in _TABLE}))
    return lambda recording: out.write(_table_line(_row(recording)))


def split_values(values: list[str] | None) -> list[str]:
    """Values of a repeatable flag, each of which may also be a comma-separated list."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def list_filters(args: argparse.Namespace) -> dict[str, Any]:
    """The ``list_recordings`` keyword arguments the listing flags ask for (unset ones left out)."""
    filters: dict[str, Any] = {
        "meeting_id": args.meeting_id,
        "status": [status.upper() for status in split_values(args.status)] or None,
        "search": args.search,
        "expired": args.expired,
        "sort_by": args.sort_by,
        "sort_order": args.sort_order,
        "start_time": args.start_time,
        "end_time": args.end_time,
        "per_page": args.per_page,
    }
    return {name: value for name, value in filters.items() if value is not None}


def resume_path(output: Path) -> Path:
    """Where the export to *output* keeps its resume token."""
    return output.with_name(output.name + ".resume")


@dataclass(frozen=True)
class _Checkpoint:
    """What ``FILE.resume`` holds: where the export stands, and how much of FILE it filled."""

    format: str
    offset: int
    exported: int
    token: str


class _ExportFile:
    """An export's output file and its ``FILE.resume`` token, kept in step with each other."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.state_file = resume_path(output)

    def load(self) -> _Checkpoint:
        """The checkpoint of the interrupted export; ``ValueError`` if none or damaged."""
        try:
            raw: Any = json.loads(self.state_file.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise TypeError(raw)
            state = cast("dict[str, Any]", raw)
            checkpoint = _Checkpoint(
                str(state["format"]), int(state["offset"]), int(state["exported"]), state["token"]
            )
            ResumeToken.loads(checkpoint.token)
        except FileNotFoundError:
            msg = (
                f"nothing to resume: {self.state_file} does not exist "
                "(the export finished, or never started)"
            )
            raise ValueError(msg) from None
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            msg = f"{self.state_file} is not a resume file written by 'realtimekit list --output'"
            raise ValueError(msg) from exc
        return checkpoint

    def open_fresh(self) -> IO[str]:
        """Start the file afresh (a stale token must not point into the new file)."""
        self.state_file.unlink(missing_ok=True)
        return self.output.open("w", encoding="utf-8", newline="")

    def open_resumed(self, checkpoint: _Checkpoint) -> IO[str]:
        """Reopen the file to append, cut back to what *checkpoint* vouches for."""
        if self.output.stat().st_size < checkpoint.offset:
            msg = f"{self.output} is shorter than when {self.state_file} was written; start afresh"
            raise ValueError(msg)
        with self.output.open("r+b") as raw:
            # Lines written after the last token go: their page is fetched again.
            raw.truncate(checkpoint.offset)
        return self.output.open("a", encoding="utf-8", newline="")

    def save(self, out: IO[str], fmt: str, exported: int, token: ResumeToken) -> None:
        """Record a checkpoint once everything written so far is on disk."""
        out.flush()
        os.fsync(out.fileno())  # the lines reach the disk before the token says they did
        state = {
            "format": fmt,
            "offset": self.output.stat().st_size,
            "exported": exported,
            "token": token.dumps(),
        }
        temporary = self.state_file.with_name(self.state_file.name + ".tmp")
        temporary.write_text(json.dumps(state) + "\n", encoding="utf-8")
        # A rename is atomic: a crash leaves the old token or the new one, never half of one.
        os.replace(temporary, self.state_file)

    def finish(self) -> None:
        """The export is complete: nothing is left to resume."""
        self.state_file.unlink(missing_ok=True)


async def _export(
    pager: RecordingPager,
    write: Writer,
    out: IO[str],
    bars: Bars,
    *,
    exported: int = 0,
    checkpoint: Callable[[int], None] | None = None,
) -> int:
    bar = bars.add("recordings")
    bars.update(bar, completed=exported)
    async for page in pager.pages():
        for recording in page.items:
            write(recording)
        out.flush()
        exported += len(page.items)
        if checkpoint is not None:
            checkpoint(exported)
        bars.update(bar, completed=exported, total=pager.total_count)
    return exported


async def run_list(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    """Run ``realtimekit list``: export the matching recordings; returns the exit status.

    Raises:
        ValueError: ``--resume`` without ``--output`` or with filters, a format other than the
            interrupted export's, or a missing or damaged resume file.
    """
    filters = list_filters(args)
    if args.output is None:
        if args.resume:
            msg = "--resume continues an export to a file: give the same --output FILE"
            raise ValueError(msg)
        with progress_bars(args.progress) as bars:
            # Looked up now: while bars are drawn on a terminal, rich routes stdout around them.
            out = sys.stdout
            write = make_writer(args.format or "table", out, header=True)
            await _export(rtk.list_recordings(**filters), write, out, bars)
        return 0

    export = _ExportFile(args.output)
    if args.resume:
        checkpoint = export.load()
        fmt = args.format or checkpoint.format
        if fmt != checkpoint.format:
            msg = f"the interrupted export is {checkpoint.format}; resume it as that, not {fmt}"
            raise ValueError(msg)
        filters.pop("per_page", None)  # the token keeps the page size it was made with
        pager = rtk.list_recordings(resume=checkpoint.token, **filters)
        out, exported = export.open_resumed(checkpoint), checkpoint.exported
    else:
        fmt = args.format or "jsonl"
        pager = rtk.list_recordings(**filters)
        out, exported = export.open_fresh(), 0

    with out, progress_bars(args.progress) as bars:
        write = make_writer(fmt, out, header=exported == 0 and not args.resume)
        exported = await _export(
            pager,
            write,
            out,
            bars,
            exported=exported,
            checkpoint=lambda count: export.save(out, fmt, count, pager.resume_token),
        )
    export.finish()
    print(f"exported {exported} recordings to {args.output}", file=sys.stderr)
    return 0


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 timestamp; one without a zone is taken as UTC.

    Raises:
        argparse.ArgumentTypeError: *text* is not ISO 8601.
    """
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        msg = f"not an ISO 8601 time: {text!r} (e.g. 2025-01-31T09:00:00Z)"
        raise argparse.ArgumentTypeError(msg) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
