"""What users install: the wheel carries ``py.typed``, so their type checker sees our types.

Type checks of the source tree cannot show this (they read the package from the checkout), so
the wheel is built, installed into a fresh virtual environment and a user's script is checked
there with ``mypy --strict``: a correct script passes and a wrong one is caught.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

RIGHT = """
from realtimekit_async import RealtimeKitSession, Recording, RecordingStatus

async def latest(rtk: RealtimeKitSession, meeting_id: str) -> RecordingStatus | str:
    recording: Recording = await rtk.get_active_recording(meeting_id)
    return recording.status
"""

WRONG = """
from realtimekit_async import RealtimeKitSession

async def latest(rtk: RealtimeKitSession) -> int:
    recording = await rtk.get_recording(42)
    return recording.status
"""


def _pinned(group: str, name: str) -> str:
    """The requirement for *name* as pinned in a dependency group of pyproject.toml."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    return next(r for r in groups[group] if isinstance(r, str) and r.startswith(f"{name}=="))


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel, built from the checkout."""
    out = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ROOT)
    assert built.returncode == 0, built.stderr
    (path,) = out.glob("realtimekit_async-*.whl")
    return path


def test_wheel_ships_py_typed(wheel: Path) -> None:
    """The marker file is in the wheel, next to the package's modules."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "realtimekit_async/py.typed" in names
    assert "realtimekit_async/_session.py" in names


def test_users_type_checker_sees_our_types(wheel: Path, tmp_path: Path) -> None:
    """Under mypy --strict in a fresh venv with the wheel: right code passes, wrong code is caught."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    installed = _run(python, "-m", "pip", "install", "-q", wheel, _pinned("typing", "mypy"))
    assert installed.returncode == 0, installed.stderr
    (tmp_path / "right.py").write_text(RIGHT)
    (tmp_path / "wrong.py").write_text(WRONG)
    # Run from an empty folder so that only the installed wheel can be found, not the checkout.
    right = _run(python, "-m", "mypy", "--strict", "--no-incremental", "right.py", cwd=tmp_path)
    assert right.returncode == 0, right.stdout
    wrong = _run(python, "-m", "mypy", "--strict", "--no-incremental", "wrong.py", cwd=tmp_path)
    assert wrong.returncode == 1, wrong.stdout
    assert "import-untyped" not in wrong.stdout
    assert 'incompatible type "int"; expected "str"' in wrong.stdout
    assert "Incompatible return value type" in wrong.stdout
