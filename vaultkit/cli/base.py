"""The click group, the options every command shares, and the one place errors become exits."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from vaultkit import __version__
from vaultkit.errors import VaultkitError
from vaultkit.model import FIRST_YEAR, LAST_YEAR

F = TypeVar("F", bound=Callable[..., Any])
INTERNAL_ERROR = 70
BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command a closed pipe ended


class Failure(click.ClickException):
    """A library error shown as one line, with the exit code its class carries."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.code = exit_code

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return self.code

    def show(self, file: Any = None) -> None:
        click.secho(f"vaultkit: error: {self.message}", err=True, fg="red")


# Commands whose modules load only when used: `build` with nothing to do should not
# pay for icalendar, the importers or the watcher (module names under vaultkit.cli).
LAZY_COMMANDS = {
    "due": "due",
    "graph": "graph",
    "watch": "watch",
    **dict.fromkeys(("init", "new", "done", "log", "import", "export", "report"), "workflow"),
}


class VaultkitGroup(click.Group):
    """A click group that turns every library error into a message and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        if self.name != "cli":
            return super().list_commands(ctx)
        return sorted(set(self.commands) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self.name == "cli" and cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            importlib.import_module(f"vaultkit.cli.{LAZY_COMMANDS[cmd_name]}")
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VaultkitError as exc:
            raise Failure(exc.format(), exc.exit_code) from None
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except BrokenPipeError as exc:
            if not _stdout_broken():
                raise _internal(exc) from None
            # The reader went away (`vaultkit due | head`): stop quietly, as `cat`
            # would, and keep the interpreter from failing again on the dead pipe.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(BROKEN_PIPE) from None
        except Exception as exc:
            if os.environ.get("VAULTKIT_DEBUG"):
                raise
            raise _internal(exc) from None


def _internal(exc: Exception) -> Failure:
    """Give the one-line failure for an error vaultkit did not expect."""
    return Failure(
        f"internal error: {type(exc).__name__}: {exc} "
        "(set VAULTKIT_DEBUG=1 for the traceback, and please report it)",
        INTERNAL_ERROR,
    )


def _stdout_broken() -> bool:
    """Give whether standard output is a pipe its reader has closed (where that can be
    told; elsewhere assume it is, as a broken pipe most often is the output's)."""
    import select

    if not hasattr(select, "poll"):
        return True
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(event & select.POLLERR for _, event in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


@click.group(cls=VaultkitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vaultkit")
def cli() -> None:
    """A personal CRM for informational interviews, kept as Markdown notes.

    vaultkit reads a folder of notes (people, meetings, organisations) and keeps
    three generated notes up to date: an index, the due actions and the
    referral graph.
    """


def vault_argument(func: F) -> F:
    """Add the VAULT argument: a folder, else $VAULTKIT_VAULT, else the current folder."""
    return click.argument(
        "vault",
        required=False,
        default=".",
        envvar="VAULTKIT_VAULT",
        type=click.Path(file_okay=False, path_type=str),
    )(func)


class Day(click.DateTime):
    """A YYYY-MM-DD option: a wrong one is named as not a date, or as not a real day."""

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (date, datetime)):
            return value
        text = str(value).strip()
        try:
            day = datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
                self.fail(f"{text!r} is not a real date", param, ctx)
            self.fail(f"{text!r} is not a date in the form YYYY-MM-DD", param, ctx)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            # The years a note's dates may take: the rules add days to them.
            self.fail(f"{text!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}", param, ctx)
        return day


def _to_date(ctx: click.Context, param: click.Parameter, value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    return value  # type: ignore[no-any-return]


def today_option(func: F) -> F:
    """Add --today: the date rules and views are computed for (default: the system date)."""
    return click.option(
        "--today",
        type=Day(),
        default=None,
        callback=_to_date,
        metavar="YYYY-MM-DD",
        help="Compute as of this date instead of today (for tests and reviews).",
    )(func)


def date_option(name: str, help_text: str) -> Callable[[F], F]:
    """Add a YYYY-MM-DD option given back as a date."""
    return click.option(
        name,
        type=Day(),
        default=None,
        callback=_to_date,
        metavar="YYYY-MM-DD",
        help=help_text,
    )


def json_option(func: F) -> F:
    """Add --json: machine-readable output for scripts."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(func)


def output_option(func: F) -> F:
    """Add --output/-o FILE: write there (atomically) instead of standard output."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="FILE",
        help="Write to FILE (atomically) instead of standard output.",
    )(func)


def quiet_option(func: F) -> F:
    """Add --quiet: print nothing but errors."""
    return click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")(func)


def resolve_today(today: date | None) -> date:
    """Give --today, else the system date: the one clock read of a run."""
    return today or date.today()


def echo_bytes(data: bytes) -> None:
    """Write bytes to standard output, all of them or a BrokenPipeError: a reader that goes
    away (`| head`) ends the command with BROKEN_PIPE, not a success with output lost
    (a buffered write to a pipe that closes mid-way can return as if all was written)."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # captured output, as in tests
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def print_json(data: Any) -> None:
    """Print data as indented, key-sorted JSON (stable for diffs and scripts).

    Written a piece at a time, and lists may be given as iterators: a big vault's
    `index --json` runs to 100 MB, which as one string took a gigabyte to make.
    """
    for piece in json_pieces(data):
        click.echo(piece, nl=False)
    click.echo()


def json_pieces(data: Any, indent: str = "") -> Iterator[str]:
    """Give the text json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    gives, in pieces: an item of a list (or iterator) at a time, down to the items of
    a mapping's lists."""
    if isinstance(data, dict) and indent == "":
        if not data:
            yield "{}"
            return
        inner = indent + "  "
        for n, key in enumerate(sorted(data)):
            yield ("{\n" if n == 0 else ",\n") + f"{inner}{_dumps(key, inner)}: "
            yield from json_pieces(data[key], inner)
        yield f"\n{indent}}}"
    elif isinstance(data, (list, tuple, Iterator)):
        inner = indent + "  "
        opened = False
        for item in data:
            yield f"{',' if opened else '['}\n{inner}{_dumps(item, inner)}"
            opened = True
        yield f"\n{indent}]" if opened else "[]"
    else:
        yield _dumps(data, indent)


def _dumps(value: Any, indent: str) -> str:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    # A JSON text has no line break inside a string: every break is layout.
    return text.replace("\n", "\n" + indent) if indent and "\n" in text else text


def is_terminal() -> bool:
    """Give whether standard output is a terminal a person is watching."""
    return sys.stdout is not None and sys.stdout.isatty()  # None: started with it closed
