"""`init`, `new`, `done` and `log`: writing notes; `import`, `export`, `report`: interop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from vaultkit import record, workflow
from vaultkit.cli.base import F, _to_date, cli, resolve_today, today_option
from vaultkit.model import SOURCES


def _vault_option(func: F) -> F:
    """Add --vault: the vault folder, else $VAULTKIT_VAULT, else the current folder."""
    return click.option(
        "--vault",
        "vault",
        default=".",
        envvar="VAULTKIT_VAULT",
        show_default=True,
        type=click.Path(file_okay=False, path_type=str),
        help="The vault folder (default: $VAULTKIT_VAULT, else the current folder).",
    )(func)


def _day_option(help_text: str) -> Callable[[F], F]:
    """Add --date: the day the fact happened, given to the command as `day`."""
    return click.option(
        "--date",
        "day",
        type=click.DateTime(["%Y-%m-%d"]),
        default=None,
        callback=_to_date,
        metavar="YYYY-MM-DD",
        help=help_text,
    )


def _edit_option(func: F) -> F:
    return click.option("--edit", is_flag=True, help="Open the new note in $EDITOR.")(func)


def _made(note: workflow.NewNote, edit: bool) -> None:
    for warning in note.warnings:
        click.echo(f"vaultkit: warning: {warning}", err=True)
    click.echo(note.path)
    if edit:
        click.edit(filename=str(Path(note.path)), require_save=False)


@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=str))
def init(folder: str) -> None:
    """Make a new vault in FOLDER (default: here): folders, settings, templates.

    Writes People/, Meetings/, Orgs/, Templates/ (contact, meeting and org notes
    that `vaultkit new` starts from), a vaultkit.toml listing every setting with its
    default, a .gitignore for the cache folder and a short "Start here" note.
    Refuses, writing nothing, if any of those files exists already; an existing
    .gitignore only gains the cache folder's line.
    """
    result = workflow.init_vault(folder)
    for rel in result.folders:
        click.echo(f"created {rel}/")
    for rel in result.files:
        click.echo(f"created {rel}")
    if result.gitignore != "unchanged":
        click.echo(f"{result.gitignore} .gitignore")
    click.echo(f"A new vault in {result.root}: open '{workflow.WELCOME_NOTE}' to start.")


@cli.group()
def new() -> None:
    """Write a new contact, meeting or organisation note from its template.

    The vault's own Templates/<kind>.md is used when there is one, else vaultkit's.
    A note is never overwritten; the name is made safe as a file name (a changed
    name is kept as an alias). Prints the new note's path.
    """


def _chdir_path(vault: str, note: workflow.NewNote) -> workflow.NewNote:
    root = Path(vault)
    return workflow.NewNote(str(root / note.path), note.name, note.template, note.warnings)


@new.command("contact")
@click.argument("name")
@click.option("--org", metavar="ORG", help="Where they work (a link if there is a note for it).")
@click.option("--referred-by", "referred_by", metavar="NAME", help="Who introduced you.")
@click.option("--source", type=click.Choice(SOURCES), help="How you know them.")
@_vault_option
@today_option
@_edit_option
def new_contact(
    name: str,
    org: str | None,
    referred_by: str | None,
    source: str | None,
    vault: str,
    today: date | None,
    edit: bool,
) -> None:
    """Write People/NAME.md, a contact note (source: referral when --referred-by is given)."""
    made = workflow.new_contact(
        vault,
        name,
        resolve_today(today),
        org=org,
        referred_by=[referred_by] if referred_by else [],
        source=source,
    )
    _made(_chdir_path(vault, made), edit)


@new.command("meeting")
@click.argument("name")
@click.option(
    "--date",
    "when",
    required=True,
    metavar="YYYY-MM-DD[THH:MM]",
    help="When the meeting is (or was).",
)
@click.option(
    "--with", "with_", multiple=True, metavar="NAME", help="Who you meet (repeat for several)."
)
@_vault_option
@_edit_option
def new_meeting(name: str, when: str, with_: tuple[str, ...], vault: str, edit: bool) -> None:
    """Write Meetings/DATE NAME.md, a meeting note with a bank of questions to pick from."""
    made = workflow.new_meeting(vault, name, when, with_=with_)
    _made(_chdir_path(vault, made), edit)


@new.command("org")
@click.argument("name")
@_vault_option
@today_option
@_edit_option
def new_org(name: str, vault: str, today: date | None, edit: bool) -> None:
    """Write Orgs/NAME.md, an organisation note."""
    made = workflow.new_org(vault, name, resolve_today(today))
    _made(_chdir_path(vault, made), edit)


@cli.command()
@click.argument("action_id")
@_vault_option
@_day_option("The day it was done (default: today).")
@today_option
def done(action_id: str, vault: str, day: date | None, today: date | None) -> None:
    """Record that the due action ACTION_ID is done, in the note it comes from.

    ACTION_ID is an id from `vaultkit due` (or its start). A follow-up, referral,
    no-answer or keep-in-touch adds the day to the person's outreach; confirm,
    thank and report back set confirmed, thanked or reported_back on the meeting;
    a task is ticked; a missing note is created. A prepare action is refused: write
    the questions in the meeting note. Only those lines of the note change.
    """
    result = record.done(vault, action_id, resolve_today(today), day)
    click.echo(result.describe())


@cli.command()
@click.argument("name")
@click.argument("what", type=click.Choice(record.LOG_WHATS))
@_vault_option
@_day_option("The day it happened (default: today).")
@today_option
def log(name: str, what: str, vault: str, day: date | None, today: date | None) -> None:
    """Record what happened with NAME: outreach, reply, thanked or reported-back.

    outreach adds the day to their outreach list; reply sets replied; thanked and
    reported-back are set on the most recent past meeting with them. Only those
    lines of the note change.
    """
    result = record.log(vault, name, what, resolve_today(today), day)
    click.echo(result.describe())
