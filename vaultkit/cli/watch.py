"""`watch`: keep the generated notes up to date while the notes are edited."""

from __future__ import annotations

import logging
import sys
from datetime import date

import click

from vaultkit.cli.base import cli, resolve_today, today_option, vault_argument


@cli.command()
@vault_argument
@click.option("--poll", is_flag=True, help="Poll the folder instead of inotify (network drives).")
@click.option(
    "--debounce",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    metavar="MS",
    help="Quiet time after the last save before rebuilding.",
)
@today_option
@click.option("-v", "--verbose", is_flag=True, help="Log every file event too.")
def watch(vault: str, poll: bool, debounce: int, today: date | None, verbose: bool) -> None:
    """Watch the vault and rewrite its generated notes after every save.

    One line is logged per rebuild: what changed and how long it took. Stop with
    Ctrl-C (or SIGTERM): the write under way completes first. See docs/watch.md.
    """
    from vaultkit.watch import Watcher

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("vaultkit")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    watcher = Watcher(
        vault, debounce=debounce / 1000, poll=poll, clock=lambda: resolve_today(today)
    )
    watcher.run_forever()
