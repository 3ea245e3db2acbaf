"""How ``realtimekit list`` writes recordings: table, JSON array, JSON lines or CSV, streamed."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from typing import IO, Any, Final, Protocol

from realtimekit_async import _json
from realtimekit_async._converter import to_json_data
from realtimekit_async._models import Recording

__all__ = ["CSV_COLUMNS", "LIST_FORMATS", "Writer", "make_writer"]

#: What ``list`` writes, its default on stdout first (``jsonl`` is the default into a file).
LIST_FORMATS: Final = ("table", "json", "jsonl", "csv")
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


class Writer(Protocol):
    """Writes recordings one by one, then whatever closes the output (``]`` of a JSON array)."""

    def write(self, recording: Recording) -> None:
        """Write one recording."""
        ...

    def end(self) -> None:
        """Write what follows the last recording."""
        ...


def _row(recording: Recording) -> dict[str, str]:
    """The CSV/table columns of one recording, as text (empty for null)."""
    data: dict[str, Any] = to_json_data(recording)
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


class _Lines:
    """Table, CSV or JSON lines: one line per recording, an optional header, nothing after."""

    def __init__(self, fmt: str, out: IO[str], *, header: bool) -> None:
        self._fmt, self._out = fmt, out
        self._csv: csv.DictWriter[str] = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
        if header and fmt == "csv":
            self._csv.writeheader()
        elif header and fmt == "table":
            out.write(_table_line({name: _TABLE_HEADINGS.get(name, name) for name, *_ in _TABLE}))

    def write(self, recording: Recording) -> None:
        if self._fmt == "jsonl":
            self._out.write(_json.dumps(to_json_data(recording)).decode() + "\n")
        elif self._fmt == "csv":
            self._csv.writerow(_row(recording))
        else:
            self._out.write(_table_line(_row(recording)))

    def end(self) -> None:
        """Nothing closes a line format."""


class _JsonArray:
    """One JSON array, streamed: ``[`` before the first item, ``]`` at the end."""

    def __init__(self, out: IO[str], *, written: int) -> None:
        self._out, self._count = out, written

    def write(self, recording: Recording) -> None:
        self._out.write("[\n" if self._count == 0 else ",\n")
        self._out.write("  " + json.dumps(to_json_data(recording)))
        self._count += 1

    def end(self) -> None:
        self._out.write("[]\n" if self._count == 0 else "\n]\n")


def make_writer(fmt: str, out: IO[str], *, resumed: bool = False, written: int = 0) -> Writer:
    """A writer of *fmt* to *out*, which may continue an interrupted export.

    Args:
        fmt: ``table`` (aligned columns), ``json`` (one array), ``jsonl`` (one JSON object
            per line, every field) or ``csv`` (the :data:`CSV_COLUMNS`).
        out: the text stream to write to.
        resumed: *out* continues an interrupted export: its header is there already.
        written: how many recordings the interrupted export wrote.
    """
    if fmt == "json":
        return _JsonArray(out, written=written)
    return _Lines(fmt, out, header=not resumed)
