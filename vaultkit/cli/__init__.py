"""The command line: a thin click layer over the library (only this package imports click).

`build`, `check` and `index` load with the package; the other commands' modules load
when first asked for (base.LAZY_COMMANDS).
"""

from __future__ import annotations

import logging
import os
import sys

from vaultkit.cli import core as _core  # noqa: F401  (registers the commands)
from vaultkit.cli.base import cli


def main() -> None:
    """Run the vaultkit command line, then end the process at once."""
    try:
        cli(prog_name="vaultkit")
        code: object = 0
    except SystemExit as exc:  # how click ends every command
        code = exc.code
    _end(code)


def _end(code: object) -> None:
    """End the process with `code` (as SystemExit takes it), output flushed.

    Without the interpreter's teardown: after a build of a big vault it would free
    millions of objects one by one (some 0.15 s for 30k notes) for nothing. Every
    file vaultkit writes is complete (atomic, fsynced) before a command returns.
    """
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    status = code if isinstance(code, int) else 0 if code is None else 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with that descriptor closed
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or stream: nothing to add
            status = status or 1
    os._exit(status)


__all__ = ["cli", "main"]
