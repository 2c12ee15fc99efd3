"""The command line: a thin click layer over the library (only this package imports click).

`build`, `check` and `index` load with the package; the other commands' modules load
when first asked for (base.LAZY_COMMANDS).
"""

from __future__ import annotations

from vaultkit.cli import core as _core  # noqa: F401  (registers the commands)
from vaultkit.cli.base import cli


def main() -> None:
    """Run the vaultkit command line."""
    cli(prog_name="vaultkit")


__all__ = ["cli", "main"]
