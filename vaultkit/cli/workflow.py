"""`init`, `new`, `done` and `log`: writing notes; `import`, `export`, `report`: interop."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import BinaryIO

import click

from vaultkit import export, interop, record, report, workflow
from vaultkit.build import read
from vaultkit.cli.base import (
    Day,
    F,
    _to_date,
    cli,
    echo_bytes,
    json_option,
    output_option,
    print_json,
    resolve_today,
    today_option,
    vault_argument,
)
from vaultkit.io import write_named
from vaultkit.model import SOURCES


def _vault_option(func: F) -> F:
    """Add --vault: the vault folder, else $VAULTKIT_VAULT, else the current folder."""
    return click.option(
        "--vault",
        "vault",
        default=".",
        envvar="VAULTKIT_VAULT",
        type=click.Path(file_okay=False, path_type=str),
        help="The vault folder (default: $VAULTKIT_VAULT, else the current folder).",
    )(func)


def _day_option(help_text: str) -> Callable[[F], F]:
    """Add --date: the day the fact happened, given to the command as `day`."""
    return click.option(
        "--date",
        "day",
        type=Day(),
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
    Refuses, writing nothing, if any of those files exists already, or if an
    existing .gitignore cannot be read; one that can only gains the cache folder's
    line (in its own line endings, through a link if it is one).
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
    name is kept as an alias). Prints the new note's path. A --with or --referred-by
    name with no note yet, or whose note is an organisation or a meeting rather than
    a person, gets a warning on stderr; the note is written all the same.
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


# --- import and export -----------------------------------------------------------


@cli.group("import")
def import_() -> None:
    """Create contact notes from LinkedIn's export, a vCard file or any CSV.

    Never creates a second note for a person the vault has (same name, alias or
    email, case-insensitively): such rows are skipped, and so are malformed rows,
    each reported with its line. A value that cannot be read in a row that can
    is left out with a warning (on stderr; exit code 0). Files are UTF-8, or
    UTF-16 with a byte-order mark (Excel's "Unicode Text"). --dry-run shows what
    would be done. See docs/import.md.
    """


def _import_options(func: F) -> F:
    for option in reversed(
        [
            click.argument("file", type=click.File("rb")),
            _vault_option,
            click.option("--dry-run", is_flag=True, help="Show what would be done; write nothing."),
            click.option("--source", type=click.Choice(SOURCES), help="Set source: on every note."),
            today_option,
            json_option,
        ]
    ):
        func = option(func)
    return func


def _import(
    kind: str,
    file: BinaryIO,
    vault: str,
    dry_run: bool,
    source: str | None,
    today: date | None,
    as_json: bool,
    mapping: dict[str, str] | None = None,
) -> None:
    """Import one file of `kind` into the vault and report what it did."""
    result = interop.import_file(
        vault,
        kind,
        file.read(),
        resolve_today(today),
        mapping=mapping,
        source=source,
        dry_run=dry_run,
        name=file.name,
    )
    _report_import(result, as_json, file.name)


def _report_import(result: interop.ImportResult, as_json: bool, source: str) -> None:
    if as_json:
        print_json(result.to_data())
        return
    verb = "would create" if result.dry_run else "created"
    for c in result.created:
        click.echo(f"{verb} {c.path} (line {c.line})")
    for p in result.skipped:
        click.echo(f"skipped line {p.line}, {p.name}: {p.reason}")
    for p in result.malformed:
        who = f", {p.name}" if p.name else ""
        # Named by file as well as line: an import is often one of several files.
        click.echo(f"{source}: malformed line {p.line}{who}: {p.reason}", err=True)
    for w in result.warnings:
        click.echo(f"{source}: warning: line {w.line}, {w.name}: {w.field}: {w.message}", err=True)
    if not (result.created or result.skipped or result.malformed):
        # Not an error (an export of a vault without contacts is empty), but most
        # likely not the file meant.
        click.echo(f"{source}: warning: no contacts in it; nothing to import", err=True)
    summary = (
        f"{len(result.created)} {verb}, {len(result.skipped)} skipped (already known), "
        f"{len(result.malformed)} malformed"
    )
    if result.warnings:
        summary += f", {len(result.warnings)} warning" + ("s" if len(result.warnings) > 1 else "")
    click.echo(summary + (" — dry run: nothing was written" if result.dry_run else ""))


@import_.command("linkedin")
@_import_options
def import_linkedin(
    file: BinaryIO,
    vault: str,
    dry_run: bool,
    source: str | None,
    today: date | None,
    as_json: bool,
) -> None:
    """Import LinkedIn's Connections.csv (Settings → Data privacy → Get a copy of your data).

    Each connection becomes a contact with source: online (unless --source), their
    company as org, position as role, profile URL as linkedin, and `connected:`
    the day you connected (a day that does not exist, like 31 Feb 2024, is left
    out with a warning).
    """
    _import("linkedin", file, vault, dry_run, source, today, as_json)


@import_.command("vcard")
@_import_options
def import_vcard(
    file: BinaryIO,
    vault: str,
    dry_run: bool,
    source: str | None,
    today: date | None,
    as_json: bool,
) -> None:
    """Import the contacts of a .vcf file (vCard 2.1, 3.0 or 4.0).

    Reads FN (else N), NICKNAME as aliases, ORG, TITLE as role, EMAIL, TEL, a
    LinkedIn URL, CATEGORIES as tags and NOTE into the note's body.
    """
    _import("vcard", file, vault, dry_run, source, today, as_json)


@import_.command("csv")
@_import_options
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read COLUMN as FIELD (repeat; FIELD - ignores the column).",
)
def import_csv(
    file: BinaryIO,
    vault: str,
    dry_run: bool,
    source: str | None,
    today: date | None,
    as_json: bool,
    mappings: tuple[str, ...],
) -> None:
    """Import any CSV with a header line; columns named like a field are read as it.

    Fields: name (or first_name and last_name), aliases, org, role, email, phone,
    linkedin, source, seniority, referred_by, tags, notes. Columns called e.g.
    Company, Title or E-mail are recognised; --map says what any other column is.
    List fields split on `;` (tags also on `,`). Cells may be separated by commas,
    semicolons or tabs. A row with referred_by and no source (from its column or
    --source) gets source: referral.
    """
    mapping: dict[str, str] = {}
    for item in mappings:
        column, eq, target = item.partition("=")
        if not eq or not column.strip():
            raise click.BadParameter(f"{item!r} is not COLUMN=FIELD", param_hint="--map")
        mapping[column.strip()] = target.strip()
    _import("csv", file, vault, dry_run, source, today, as_json, mapping)


def _write_output(text: str, output: Path | None) -> None:
    if output is None:
        echo_bytes(text.encode("utf-8"))
    else:
        write_named(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)


@cli.command("export")
@click.argument("kind", type=click.Choice(("csv", "json", "vcard")))
@vault_argument
@click.option(
    "--table",
    type=click.Choice(export.TABLES),
    default="people",
    show_default=True,
    help="For csv: the people, or the meetings.",
)
@output_option
@today_option
def export_(kind: str, vault: str, table: str, output: Path | None, today: date | None) -> None:
    """Export people and meetings: csv (one table: --table), json (both) or vcard (people).

    The stage, last interaction and next action are as of today (or --today).
    """
    text = export.export(read(vault), kind, resolve_today(today), table)
    _write_output(text, output)


@cli.command("report")
@vault_argument
@click.option(
    "--since",
    default="7d",
    show_default=True,
    metavar="PERIOD",
    help="The period: 7d (the last 7 days, today included), 2w, 1m (m is 30 days), "
    "or a first day YYYY-MM-DD.",
)
@today_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(report.FORMATS),
    default="md",
    show_default=True,
    help="Markdown, plain text (for mail) or an HTML page.",
)
@output_option
def report_(vault: str, since: str, today: date | None, fmt: str, output: Path | None) -> None:
    """The weekly review: what was done, what is overdue and coming, growth, the funnel.

    Done in the period: meetings held, messages sent, replies, thank-yous and reports
    back (from the dates in the notes); the actions overdue and due in the next 7
    days; people added (their `created:` date) and referrals received; and the
    funnel identified → contacted → responded → met → referred on (introduced
    someone, as the referral graph counts it), with the share of each step that
    reached the next. Meant for cron: see docs/cron.md.
    """
    day = resolve_today(today)
    text = report.render(report.review(read(vault), day, report.parse_since(since, day)), fmt)
    _write_output(text, output)
