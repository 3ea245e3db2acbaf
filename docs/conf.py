"""Sphinx configuration for the realtimekit_async documentation.

The build is offline by design: no intersphinx, nothing fetched. ``nox -s docs`` builds the HTML
and then runs every example (``-b doctest``) with warnings as errors.
"""

from __future__ import annotations

import doctest
from pathlib import Path
from typing import TYPE_CHECKING

import realtimekit_async

if TYPE_CHECKING:
    from sphinx.application import Sphinx

project = "realtimekit_async"
author = "realtimekit_async developers"
copyright = "the realtimekit_async developers"  # noqa: A001 - Sphinx's name
release = realtimekit_async.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# --- MyST -----------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# --- autodoc / napoleon ---------------------------------------------------------------------
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_typehints_format = "short"
autodoc_member_order = "bysource"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}

# --- doctest --------------------------------------------------------------------------------
# Every example is a complete program: imports included, run with asyncio.run(...) against the
# bundled emulator on 127.0.0.1. The setup only makes the doctest output stable.
doctest_global_setup = """
import asyncio
import logging

logging.getLogger("realtimekit_async").setLevel(logging.WARNING)
"""
doctest_default_flags = (
    doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.DONT_ACCEPT_TRUE_FOR_1
)
doctest_test_doctest_blocks = "default"

# --- HTML -----------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"realtimekit_async {release}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": True,
}


# --- changelog ------------------------------------------------------------------------------
# changelog.md is a stub until the first release compiles changelog.d/ into CHANGELOG.md; from
# then on the page shows that file instead, with no edit here.
_CHANGELOG = Path(__file__).parent.parent / "CHANGELOG.md"


def _include_changelog(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname == "changelog" and _CHANGELOG.is_file():
        source[0] = "```{include} ../CHANGELOG.md\n```\n"


def _readable_defaults(
    app: Sphinx,
    what: str,
    name: str,
    obj: object,
    options: object,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str | None, str | None] | None:
    # The per-call ``timeout=`` defaults to a private sentinel meaning "the session's deadline";
    # show that instead of the sentinel's name.
    if signature and "_UNSET" in signature:
        return signature.replace("_UNSET", "self.deadline"), return_annotation
    return None


def setup(app: Sphinx) -> None:
    app.connect("source-read", _include_changelog)
    app.connect("autodoc-process-signature", _readable_defaults)
