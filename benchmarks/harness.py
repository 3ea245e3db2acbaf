"""The runner's side of the processes: the server, the measuring children, fresh interpreters.

Every process is bounded by a timeout and always reaped: the server by a context manager that
terminates (then kills) it whatever happens, children by ``subprocess.run(timeout=...)``.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import no_orjson

HERE: Final = Path(__file__).resolve().parent
SERVER_START_TIMEOUT: Final = 120.0


class BenchmarkError(RuntimeError):
    """A server or child process failed; the message carries its stderr."""


@dataclass(frozen=True)
class Server:
    """A running benchmark server."""

    port: int
    records: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/client/v4"

    def stats(self) -> dict[str, Any]:
        """The server's counters and CPU time (the stats request itself is not counted)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stats", timeout=10) as resp:
            stats: dict[str, Any] = json.load(resp)
        return stats


@contextmanager
def server(records: int, per_page: int, meetings: int, prewarm: int = 200_000) -> Iterator[Server]:
    """Run ``server.py`` for the duration of the block."""
    command = [
        sys.executable,
        str(HERE / "server.py"),
        f"--records={records}",
        f"--per-page={per_page}",
        f"--prewarm={prewarm}",
        f"--meetings={meetings}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            if not selector.select(SERVER_START_TIMEOUT):
                msg = f"the server did not start within {SERVER_START_TIMEOUT:g} s"
                raise BenchmarkError(msg)
        line = process.stdout.readline().strip()
        if not line.isdigit():
            msg = f"the server failed to start (exit {process.poll()}, said {line!r})"
            raise BenchmarkError(msg)
        yield Server(int(line), records)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _env(*, block_orjson: bool) -> dict[str, str]:
    env = dict(os.environ)
    env[no_orjson.ENV_VAR] = "1" if block_orjson else "0"
    return env


def child(*args: str, block_orjson: bool = False, timeout: float = 600.0) -> dict[str, Any]:
    """Run ``child.py`` with *args* and return the JSON it printed."""
    command = [sys.executable, str(HERE / "child.py"), *args]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(block_orjson=block_orjson),
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        msg = f"child {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        raise BenchmarkError(msg)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def python(code: str, *options: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run ``python [options] -c code`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, *options, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(block_orjson=False),
        check=True,
    )
