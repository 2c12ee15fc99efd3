"""`build`, `check` and `index`: the vault read, checked and indexed."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any, cast

import click

from vaultkit import build as pipeline
from vaultkit.cli.base import (
    cli,
    is_terminal,
    json_option,
    print_json,
    quiet_option,
    resolve_today,
    today_option,
    vault_argument,
)
from vaultkit.model import Problem, to_data
from vaultkit.printable import printable
from vaultkit.render.markdown import count


def _progress_bar(quiet: bool) -> tuple[Any, Any]:
    """Give (callback, closer) for a progress bar on a terminal, or (None, no-op)."""
    if quiet or not is_terminal():
        return None, lambda: None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if total < 2000:
            return
        if "bar" not in state:
            state["bar"] = cast(Any, click.progressbar)(
                length=total, label="Reading notes", file=sys.stderr
            )
            state["bar"].__enter__()
            state["done"] = 0
        state["bar"].update(done - state["done"])
        state["done"] = done

    def close() -> None:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)

    return update, close


def problem_line(problem: Problem) -> str:
    """Give a problem as a `path:line: severity: message` line, coloured on a terminal."""
    colour = "red" if problem.severity == "error" else "yellow"
    # On one line, and no control character of a note's reaches the terminal.
    message = printable(problem.message)
    return f"{problem.where()}: {click.style(problem.severity, fg=colour)}: {message}"


@cli.command()
@vault_argument
@today_option
@quiet_option
def build(vault: str, today: date | None, quiet: bool) -> None:
    """Read the vault and write its generated notes (only those that changed).

    Exits 0 when the notes could be written, even if some notes have problems:
    run `vaultkit check` to list them.
    """
    progress, close = _progress_bar(quiet)
    try:
        result = pipeline.build(vault, resolve_today(today), progress=progress)
    finally:
        close()
    if quiet:
        return
    s = result.summary
    click.echo(
        f"{count(s.notes, 'note')}: {count(s.people, 'person', 'people')}, "
        f"{count(s.meetings, 'meeting')}, {count(s.orgs, 'organisation')}; "
        f"{count(s.actions, 'due action')}; {count(s.problems, 'problem')} "
        f"({count(s.errors, 'error')})"
    )
    for rel in result.written:
        click.echo(f"wrote {rel}")
    if result.unchanged:
        click.echo(f"unchanged: {', '.join(result.unchanged)}")
    reread = "nothing changed" if result.vault is None else f"{count(result.reread, 'note')} read"
    click.echo(f"done in {result.seconds:.2f} s ({reread})")


@cli.command()
@vault_argument
@json_option
def check(vault: str, as_json: bool) -> None:
    """List the vault's problems as `path:line: severity: message`.

    Exits 1 when any problem is an error, so it can run as a git pre-commit hook.
    """
    problems = pipeline.read(vault).problems
    if as_json:
        print_json([to_data(p) for p in problems])
    else:
        for problem in problems:
            click.echo(problem_line(problem))
        errors = sum(1 for p in problems if p.severity == "error")
        click.echo(f"{count(len(problems), 'problem')} ({count(errors, 'error')})", err=True)
    if any(p.severity == "error" for p in problems):
        raise SystemExit(1)


@cli.command()
@vault_argument
@json_option
def index(vault: str, as_json: bool) -> None:
    """Print every note's parsed record and every problem.

    With --json: an object with `notes` (each note's fields, typed) and `problems`.
    """
    v = pipeline.read(vault)
    if as_json:
        # Iterators: each note becomes data only as its turn to be printed comes.
        print_json({"notes": map(to_data, v.notes), "problems": map(to_data, v.problems)})
        return
    for note in v.notes:
        click.echo(f"{note.kind:8} {note.path}")
