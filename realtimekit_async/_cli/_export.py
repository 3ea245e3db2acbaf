"""``realtimekit list``: stream recordings as a table, JSON, JSON lines or CSV, resumably.

An export to a file keeps its place in ``FILE.resume``, rewritten (atomically) after every page
once that page's lines are flushed and synced. The token file also records how many bytes of FILE
those pages filled, so ``--resume`` first cuts off whatever a crash left after the last token,
then appends: no line is lost and none is written twice. A finished export removes the token file.
A new export never replaces an existing FILE silently: ``--resume`` continues it, ``--force``
starts over.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from realtimekit_async._pagination import RecordingPager, ResumeToken
from realtimekit_async._session import RealtimeKitSession

from ._config import session_handler
from ._formats import LIST_FORMATS, Writer, make_writer
from ._progress import Bars, progress_bars
from ._shared import add_command, parse_time, positive, split_values

if TYPE_CHECKING:
    from ._shared import Commands

__all__ = ["add_filters", "list_filters", "register", "resume_path", "run_list"]


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

    def check_fresh(self) -> None:
        """Refuse to start over an existing export unless ``--force`` says so.

        Raises:
            ValueError: FILE or its resume token exists.
        """
        if self.state_file.exists():
            msg = (
                f"{self.output} holds an interrupted export ({self.state_file} exists): "
                "pass --resume to continue it, or --force to start over"
            )
            raise ValueError(msg)
        if self.output.exists():
            msg = f"{self.output} exists: pass --force to overwrite it, or choose another --output"
            raise ValueError(msg)

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
    writer: Writer,
    out: IO[str],
    bars: Bars,
    *,
    limit: int | None,
    exported: int = 0,
    checkpoint: Callable[[int], None] | None = None,
) -> int:
    bar = bars.add("recordings")
    bars.update(bar, completed=exported)
    async with pager:  # leaving early (--limit) cancels the pages fetched ahead
        async for page in pager.pages():
            items = page.items if limit is None else page.items[: max(0, limit - exported)]
            for recording in items:
                writer.write(recording)
            out.flush()
            exported += len(items)
            bars.update(bar, completed=exported, total=pager.total_count)
            if limit is not None and exported >= limit:
                break
            if checkpoint is not None:
                checkpoint(exported)
    writer.end()
    return exported


def _to_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


async def run_list(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    """Run ``realtimekit list``: export the matching recordings; returns the exit status.

    Every argument is checked before the first byte is written.

    Raises:
        ValueError: ``--resume``/``--force`` without an output file or together, an existing
            output file without either, a format other than the interrupted export's, or a
            missing or damaged resume file.
    """
    filters = list_filters(args)
    if _to_stdout(args.output):
        if args.resume or args.force:
            msg = "--resume and --force are for an export to a file: give --output FILE"
            raise ValueError(msg)
        pager = rtk.list_recordings(**filters)  # checks every filter before any output
        with progress_bars(args.progress) as bars:
            # Looked up now: while bars are drawn on a terminal, rich routes stdout around them.
            out = sys.stdout
            writer = make_writer(args.format or "table", out)
            await _export(pager, writer, out, bars, limit=args.limit)
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
        if not args.force:
            export.check_fresh()
        pager = rtk.list_recordings(**filters)
        out, exported = export.open_fresh(), 0

    with out, progress_bars(args.progress) as bars:
        writer = make_writer(fmt, out, resumed=args.resume, written=exported)
        exported = await _export(
            pager,
            writer,
            out,
            bars,
            limit=args.limit,
            exported=exported,
            checkpoint=lambda count: export.save(out, fmt, count, pager.resume_token),
        )
    export.finish()
    print(f"exported {exported} recordings to {args.output}", file=sys.stderr)
    return 0


def add_filters(parser: argparse.ArgumentParser, *, status: bool = True) -> None:
    """The listing filters of ``list`` (and, without ``--status``, of ``download --all``)."""
    group = parser.add_argument_group("filters")
    group.add_argument("--meeting-id", help="only this meeting's recordings")
    if status:
        group.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help="only these statuses (repeat it, or a comma list: UPLOADED,ERRORED)",
        )
    group.add_argument("--search", help="text to match against the meeting id or title")
    expired = group.add_mutually_exclusive_group()
    expired.add_argument(
        "--expired", dest="expired", action="store_const", const=True, help="expired links only"
    )
    expired.add_argument(
        "--not-expired", dest="expired", action="store_const", const=False, help="live links only"
    )
    group.add_argument("--sort-by", help="sort key (the API documents invokedTime)")
    group.add_argument(
        "--sort-order", type=str.upper, choices=("ASC", "DESC"), help="sort direction"
    )
    group.add_argument("--start-time", type=parse_time, metavar="ISO8601", help="from this time")
    group.add_argument("--end-time", type=parse_time, metavar="ISO8601", help="up to this time")
    group.add_argument(
        "--per-page", type=positive, metavar="N", help="page size to ask for (default: the API's)"
    )


def register(commands: Commands, parent: argparse.ArgumentParser) -> None:
    """Add ``list``."""
    listing = add_command(
        commands,
        parent,
        "list",
        "list recordings as a table, JSON, JSON lines or CSV, resumably",
        """
        realtimekit list --status UPLOADED --format jsonl --output recordings.jsonl
        realtimekit list --resume --output recordings.jsonl    # after an interruption
        realtimekit list --limit 20 --format json -o - | jq '.[].id'
        """,
        handler=session_handler(run_list),
        formats=LIST_FORMATS,
    )
    add_filters(listing)
    listing.add_argument(
        "--limit", type=positive, metavar="N", help="stop after N recordings (default: all)"
    )
    listing.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write to FILE (jsonl unless --format says otherwise); - is stdout "
        "(default: stdout, as a table)",
    )
    resume = listing.add_mutually_exclusive_group()
    resume.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted export to --output FILE (its token is FILE.resume)",
    )
    resume.add_argument(
        "--force", action="store_true", help="overwrite an existing --output FILE, starting over"
    )
