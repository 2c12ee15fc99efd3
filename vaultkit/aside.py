"""Files a build sets aside rather than reads as notes: sync-tool conflict copies, and
notes marked as vaultkit's own that are not the ones it writes; each with its warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vaultkit.links import name_key
from vaultkit.model import Note, Problem

if TYPE_CHECKING:
    from vaultkit.vault import FileStat

# Sync tools keep both sides of a conflict as a second file; indexing it would
# count the same person twice.
_CONFLICT = re.compile(
    r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Za-z0-9]+)?$"  # Syncthing
    r"|\((?:[^()]*'s )?conflicted copy\b[^()]*\)$",  # Dropbox, Obsidian Sync
    re.IGNORECASE,
)
# Shapes a person also gives a note ("Offsite 2025", "Workshop (Conflict resolution)"):
# a copy only when the note they would copy exists. iCloud "Name 2", Drive "Name (1)".
_NUMBERED_COPY = re.compile(r"^(.+?)(?: \d{1,2}| \(\d{1,2}\)| (?i:\(conflict\b[^()]*\)))$")
_COPY_ENDINGS = frozenset("0123456789)")


def conflict_copies(stats: Sequence[FileStat]) -> dict[str, str]:
    """Give the paths that are sync-tool conflict copies, each with the note it copies."""
    present: set[str] | None = None
    copies: dict[str, str] = {}
    for stat in stats:
        folder, _, file = stat.path.rpartition("/")
        stem = file[:-3]
        # Every pattern ends in a digit or `)`, but Syncthing's (device id): most names
        # need no pattern tried at all.
        if not (stem[-1:] in _COPY_ENDINGS or "sync-conflict" in stem.lower()):
            continue
        match = _CONFLICT.search(stem)
        if match:
            original = stem[: match.start()].rstrip()
            copies[stat.path] = f"{folder}/{original}.md" if folder else f"{original}.md"
            continue
        numbered = _NUMBERED_COPY.match(stem)
        if numbered:
            original = f"{folder}/{numbered.group(1)}" if folder else numbered.group(1)
            if present is None:
                present = {name_key(s.path) for s in stats}
            if name_key(original) in present:
                copies[stat.path] = original + ".md"
    return copies


def set_aside(note: Note) -> list[Problem] | None:
    """Give the problems of a parsed note that is not read as a note, else None (it is kept):
    a folder that cannot be listed (a path ending in `/`), or a note marked as vaultkit's
    own that is not one it writes. Conflict copies are told by the paths, not the note
    (conflict_copies)."""
    if note.path.endswith("/"):
        return list(note.problems)
    if note.generated:
        return [generated_problem(note.path)]
    return None


def generated_problem(path: str) -> Problem:
    """Give the warning for a note marked as vaultkit's own that is not one it writes."""
    return Problem(
        path,
        None,
        "generated_by",
        "warning",
        "generated-elsewhere",
        "marked `generated_by: vaultkit`, but not one of the notes vaultkit writes ([output] "
        "in vaultkit.toml); not read — delete it if it is an old copy, or remove that line",
    )


def copy_problem(path: str, original: str) -> Problem:
    """Give the warning for a file set aside as a sync conflict copy of `original`."""
    return Problem(
        path,
        None,
        None,
        "warning",
        "conflict-copy",
        f"looks like a sync conflict copy of {original}; not indexed — "
        "merge it into the original and delete it",
    )
