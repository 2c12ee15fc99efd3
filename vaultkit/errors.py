"""The one error hierarchy: every failure the library reports to a caller.

The CLI turns these into one line and an exit code in one place (cli.main);
the exit code lives on the class, as in click.
"""

from __future__ import annotations


class VaultkitError(Exception):
    """A failure a user can act on, naming the file and line where known."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def format(self) -> str:
        """Give the error as `path:line: message`, leaving out what is unknown."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"

    def __str__(self) -> str:
        return self.format()


class ConfigError(VaultkitError):
    """vaultkit.toml cannot be read or holds a value of the wrong kind."""

    exit_code = 2


class VaultNotFoundError(VaultkitError):
    """The vault folder does not exist or is not a folder."""

    exit_code = 2


class UsageError(VaultkitError):
    """An argument the library cannot act on (a bad date, an unknown action id)."""

    exit_code = 2


class LockBusyError(VaultkitError):
    """Another vaultkit process is writing this vault's generated notes."""

    exit_code = 4


class EditRefusedError(VaultkitError):
    """A user's note cannot be changed safely, so it was left untouched."""

    exit_code = 5


class NotFoundError(VaultkitError):
    """A note, person or action named on the command line does not exist."""

    exit_code = 6


class ExportError(VaultkitError):
    """An export or import could not be carried out (a missing program, a bad file)."""

    exit_code = 7


class WriteError(VaultkitError):
    """A file vaultkit must write (a generated note, the lock) cannot be written."""

    exit_code = 8
