"""The package version, read by the build backend and by the ``User-Agent``."""

__version__ = "0.1.0"
