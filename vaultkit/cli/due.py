"""`due`: what to do next, for whom and by when; optionally as a calendar feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click

from vaultkit import build as pipeline
from vaultkit.cli.base import (
    cli,
    is_terminal,
    json_option,
    print_json,
    resolve_today,
    today_option,
    vault_argument,
)
from vaultkit.config import MAX_DAYS, RULE_NAMES
from vaultkit.ics import write_ics
from vaultkit.model import to_data
from vaultkit.printable import printable
from vaultkit.rules import Action, DueView

EXIT_OVERDUE = 3  # --fail-if-overdue, for cron alerts; 1 and 2 mean other things


def _detail(action: Action) -> str:
    return action.title if action.rule == "task" else action.reason


def _flat(text: str) -> str:
    # One cell on one line, and no escape sequence or bell from a note reaches the terminal.
    return printable(" ".join(text.split()))


def _tsv(actions: Sequence[Action]) -> None:
    for a in actions:
        fields = (a.due.isoformat() if a.due else "", a.rule, a.subject, _detail(a), a.note, a.id)
        click.echo("\t".join(_flat(f) for f in fields))


def _table(view: DueView) -> None:
    today = view.today
    if not view.actions:
        click.echo("Nothing due." if view.last_day is None else f"Nothing due by {view.last_day}.")
    else:
        rows = [
            (
                a.due.isoformat() if a.due else "no date",
                a.rule.replace("_", " "),
                _flat(a.subject),
                _flat(_detail(a)),
                a.id,
            )
            for a in view.actions
        ]
        head = ("DUE", "RULE", "SUBJECT", "WHAT", "ID")
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]

        def line(cells: Sequence[str]) -> str:
            return (
                "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths, strict=True))
                + "  "
                + cells[-1]
            )

        click.echo(click.style(line(head), bold=True))
        for action, row in zip(view.actions, rows, strict=True):
            colour = _colour(action.due, today)
            click.echo(click.style(line(row), fg=colour) if colour else line(row))
    late = len(view.overdue)
    today_n = sum(1 for a in view.actions if a.due == today)
    summary = f"{len(view.actions)} actions: {late} overdue, {today_n} due today"
    if view.beyond:
        summary += f"; {view.beyond} more after {view.last_day} (use --all)"
    click.echo(summary)


def _colour(due: date | None, today: date) -> str | None:
    if due is None:
        return None
    if due < today:
        return "red"
    return "yellow" if due == today else None


@cli.command()
@vault_argument
@today_option
@click.option(
    "--all", "everything", is_flag=True, help="Show every action, however far off its date."
)
@click.option(
    "--within",
    "days",
    type=click.IntRange(min=0, max=MAX_DAYS),
    default=None,
    metavar="DAYS",
    help="Show what falls due within DAYS days (default: rules.horizon_days, 30).",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    type=click.Choice(RULE_NAMES),
    help="Only this rule (repeat for several).",
)
@click.option("--person", metavar="NAME", help="Only the actions about this person.")
@json_option
@click.option(
    "--fail-if-overdue", is_flag=True, help="Exit 3 when anything shown is overdue (for cron)."
)
@click.option(
    "--ics",
    "ics_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Also write the actions and scheduled meetings as an iCalendar file.",
)
def due(
    vault: str,
    today: date | None,
    everything: bool,
    days: int | None,
    rules: tuple[str, ...],
    person: str | None,
    as_json: bool,
    fail_if_overdue: bool,
    ics_path: Path | None,
) -> None:
    """List the due actions: what to do next, for whom, why and by when.

    Shows what falls due within the horizon (30 days unless vaultkit.toml says
    otherwise), overdue and undated actions included. A table on a terminal; one
    tab-separated line per action when piped (due, rule, subject, what, note, id).
    """
    view = pipeline.due(
        vault,
        resolve_today(today),
        days=days,
        everything=everything,
        rules=rules,
        person=person,
    )
    if ics_path is not None:
        write_ics(ics_path, view)
    if as_json:
        print_json([to_data(a) for a in view.actions])
    elif is_terminal():
        _table(view)
    else:
        _tsv(view.actions)
    if fail_if_overdue and view.overdue:
        raise SystemExit(EXIT_OVERDUE)
