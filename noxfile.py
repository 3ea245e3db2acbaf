"""Every check the project runs: ``nox`` runs lint, typing, tests and docs; ``nox -s bench``.

Sessions use the interpreter nox itself runs on (CI has only Python 3.11), and take their tools
from the pinned dependency groups in ``pyproject.toml``.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "typing", "tests", "docs"]
nox.options.error_on_missing_interpreters = False

PYPROJECT = nox.project.load_toml("pyproject.toml")


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint rules (including the aiohttp import ban) and formatting."""
    session.install(*_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict and pyright strict over the package, the tests and tests/typing."""
    session.install("-e", ".[speedups,cli,otel,webhooks]", *_group("typing"))
    session.run("mypy")
    session.run("pyright")


@nox.session
def tests(session: nox.Session) -> None:
    """The test-suite under ``python -X dev``, with 100 % branch coverage."""
    session.install("-e", ".[speedups,cli,otel,webhooks]", *_group("test"))
    # A flat layout needs PYTHONSAFEPATH so coverage measures the installed package only once.
    env = {"PYTHONSAFEPATH": "1"}
    session.run(
        "python",
        "-X",
        "dev",
        "-m",
        "pytest",
        "--cov",
        "--cov-report=term-missing",
        "--cov-fail-under=100",
        *session.posargs,
        env=env,
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs offline with warnings as errors, then run every example in them."""
    session.install("-e", ".[speedups,cli,otel,webhooks]", *_group("docs"))
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")
    session.run(
        "sphinx-build", "-W", "--keep-going", "-b", "doctest", "docs", "docs/_build/doctest"
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the raw aiohttp floor and the official SDK (not part of ``nox``)."""
    session.install("-e", ".", *_group("bench"))
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def changelog(session: nox.Session) -> None:
    """Show the changelog that the fragments in changelog.d/ would add (nothing is written)."""
    session.install(*_group("changelog"))
    session.run("towncrier", "build", "--draft", "--version", "next")
