"""Make ``import orjson`` fail in this process, to measure what a default install runs.

The ``speedups`` extra is orjson, and the package picks it whenever it is importable; the
benchmark venv has it installed (the ``limit`` variant needs it), so the default-install variant
hides it instead. This must run before anything imports orjson or the package.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Final

#: Set to ``1`` in a child's environment to block orjson there.
ENV_VAR: Final = "RTK_BENCH_NO_ORJSON"


class _BlockOrjson(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname == "orjson" or fullname.startswith("orjson."):
            msg = f"{fullname} is blocked for the default-install benchmark"
            raise ModuleNotFoundError(msg, name=fullname)
        return None


def install_if_requested() -> bool:
    """Block orjson if :data:`ENV_VAR` asks for it; return whether it is blocked."""
    if os.environ.get(ENV_VAR) != "1":
        return False
    if "orjson" in sys.modules:
        msg = "orjson was imported before the blocker could be installed"
        raise RuntimeError(msg)
    sys.meta_path.insert(0, _BlockOrjson())
    return True
