"""The command line: a thin click layer over the library (only this package imports click)."""

from __future__ import annotations

from vaultkit.cli import core as _core  # noqa: F401  (registers the commands)
from vaultkit.cli import due as _due  # noqa: F401
from vaultkit.cli import graph as _graph  # noqa: F401
from vaultkit.cli import watch as _watch  # noqa: F401
from vaultkit.cli import workflow as _workflow  # noqa: F401
from vaultkit.cli.base import cli


def main() -> None:
    """Run the vaultkit command line."""
    cli(prog_name="vaultkit")


__all__ = ["cli", "main"]
