"""The vault on disk: which files are notes, reading and parsing them, the Vault record.

Reading is the one slow part of a build, so a large cold read is split across
the machine's cores; parsing itself stays a pure function (parse.parse_bytes).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from vaultkit.config import Config
from vaultkit.errors import VaultNotFoundError
from vaultkit.links import Resolver, name_key
from vaultkit.model import Note, Problem
from vaultkit.parse import nfc, parse_bytes

Progress = Callable[[int, int], None]

# Sync tools keep both sides of a conflict as a second file; indexing it would
# count the same person twice.
_CONFLICT = re.compile(
    r"\.sync-conflict-\d{8}-\d{6}(?:-[A-Za-z0-9]+)?$"  # Syncthing
    r"|\((?:[^()]*'s )?conflicted copy\b[^()]*\)$"  # Dropbox, Obsidian Sync
    r"|\(Conflict[^()]*\)$",
    re.IGNORECASE,
)
_NUMBERED_COPY = re.compile(r"^(.+?)(?: \d+| \(\d+\))$")  # iCloud "Name 2", Drive "Name (1)"
PARALLEL_THRESHOLD = 1500


@dataclass(frozen=True)
class FileStat:
    """A note file as the last scan saw it."""

    path: str
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class Vault:
    """Every note of a vault, parsed and linked, with the vault's problems."""

    root: Path
    config: Config
    notes: tuple[Note, ...]
    problems: tuple[Problem, ...]
    resolver: Resolver

    def of_kind(self, kind: str) -> list[Note]:
        """Give the notes of one kind, in path order."""
        return [n for n in self.notes if n.kind == kind]

    def resolve(self, link: object, source: Note | str | None = None) -> Note | None:
        """Give the note a link points to from `source` (see links.Resolver)."""
        return self.resolver.resolve(link, source)  # type: ignore[arg-type]


def resolve_root(root: str | os.PathLike[str]) -> Path:
    """Give the vault folder as an absolute path, or raise VaultNotFoundError."""
    path = Path(root).expanduser()
    if not path.exists():
        raise VaultNotFoundError("no such folder", str(root))
    if not path.is_dir():
        raise VaultNotFoundError("not a folder", str(root))
    return path.resolve()


def scan(root: Path, config: Config) -> list[FileStat]:
    """Give every note file of the vault with its stat, in path order.

    Hidden folders (.git, .obsidian, .trash, the cache), ignored folders and
    the generated notes are left out.
    """
    skip_files = {p.casefold() for p in config.output.paths()}
    ignored = {i.casefold() for i in config.ignore}
    ignored.add(config.cache_folder.strip("/").casefold())  # even when not hidden
    found: list[FileStat] = []
    stack = [("", str(root))]
    while stack:
        rel, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            relpath = f"{rel}{name}"
            try:
                if entry.is_dir(follow_symlinks=False):
                    if relpath.casefold() not in ignored:
                        stack.append((relpath + "/", entry.path))
                    continue
                if not name.lower().endswith(".md") or relpath.casefold() in skip_files:
                    continue
                st = entry.stat()
            except OSError:
                continue
            found.append(FileStat(nfc(relpath), st.st_mtime_ns, st.st_size))
    found.sort(key=lambda f: f.path)
    return found


def read_note(root: Path, stat: FileStat, config: Config) -> Note:
    """Give the parsed note for one file; a file that cannot be read is a problem on it."""
    name = nfc(stat.path.rsplit("/", 1)[-1][:-3])
    if stat.size > config.max_file_bytes:
        return Note(
            path=stat.path,
            name=name,
            problems=(
                Problem(
                    stat.path,
                    None,
                    None,
                    "error",
                    "too-large",
                    f"file is {stat.size:,} bytes, over the {config.max_file_bytes:,}-byte limit "
                    "(limits.max_file_bytes); not read",
                ),
            ),
        )
    try:
        with open(root / stat.path, "rb") as handle:
            data = handle.read(config.max_file_bytes + 1)
    except OSError as exc:
        return Note(
            path=stat.path,
            name=name,
            problems=(
                Problem(
                    stat.path,
                    None,
                    None,
                    "error",
                    "unreadable",
                    f"cannot read: {exc.strerror}",
                ),
            ),
        )
    return parse_bytes(stat.path, data, config)


def _read_chunk(args: tuple[Path, Sequence[FileStat], Config]) -> list[Note]:
    root, stats, config = args
    return [read_note(root, s, config) for s in stats]


def read_notes(
    root: Path, stats: Sequence[FileStat], config: Config, progress: Progress | None = None
) -> list[Note]:
    """Give the parsed notes for the given files, in the same order, using every core."""
    total = len(stats)
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_THRESHOLD or workers < 2 or sys.platform != "linux":
        notes = []
        for i, stat in enumerate(stats, 1):
            notes.append(read_note(root, stat, config))
            if progress and (i % 500 == 0 or i == total):
                progress(i, total)
        return notes
    import multiprocessing

    size = max(200, total // (workers * 8))
    chunks = [(root, stats[i : i + size], config) for i in range(0, total, size)]
    notes = []
    # fork: the workers start with the parent's imports, so a pool costs milliseconds.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for chunk in pool.imap(_read_chunk, chunks):
            notes.extend(chunk)
            if progress:
                progress(len(notes), total)
    return notes


def conflict_copies(stats: Sequence[FileStat]) -> dict[str, str]:
    """Give the paths that are sync-tool conflict copies, each with the note it copies."""
    present = {name_key(s.path) for s in stats}
    copies: dict[str, str] = {}
    for stat in stats:
        folder, _, file = stat.path.rpartition("/")
        stem = file[:-3]
        match = _CONFLICT.search(stem)
        if match:
            original = stem[: match.start()].rstrip()
            copies[stat.path] = f"{folder}/{original}.md" if folder else f"{original}.md"
            continue
        numbered = _NUMBERED_COPY.match(stem)
        if numbered:
            original = f"{folder}/{numbered.group(1)}" if folder else numbered.group(1)
            if name_key(original) in present:
                copies[stat.path] = original + ".md"
    return copies


def assemble(root: Path, config: Config, notes: Sequence[Note], stats: Sequence[FileStat]) -> Vault:
    """Give the Vault for parsed notes: conflict copies set aside, links checked."""
    copies = conflict_copies(stats)
    problems: list[Problem] = []
    kept: list[Note] = []
    for note in notes:
        if note.path in copies:
            problems.append(
                Problem(
                    note.path,
                    None,
                    None,
                    "warning",
                    "conflict-copy",
                    f"looks like a sync conflict copy of {copies[note.path]}; not indexed — "
                    "merge it into the original and delete it",
                )
            )
        elif not note.generated:
            kept.append(note)
            problems.extend(note.problems)
    resolver = Resolver(kept)
    problems.extend(resolver.clashes())
    problems.extend(_dangling(kept, resolver))
    problems.sort(key=Problem.sort_key)
    return Vault(root, config, tuple(kept), tuple(problems), resolver)


def _dangling(notes: Sequence[Note], resolver: Resolver) -> Iterator[Problem]:
    for note in notes:
        seen: set[str] = set()
        for link in note.links:
            if link.field == "org" and not link.bracketed:
                continue  # an organisation may be named without a note
            if link.target in seen or resolver.resolve(link, note) is not None:
                continue
            seen.add(link.target)
            where = f"{link.field}: " if link.field else ""
            yield Problem(
                note.path,
                link.line,
                link.field,
                "warning",
                "dangling-link",
                f"{where}[[{link.target}]] points to no note",
            )


def load_vault(
    root: str | os.PathLike[str], config: Config, progress: Progress | None = None
) -> Vault:
    """Give the parsed, linked vault at `root`."""
    path = resolve_root(root)
    stats = scan(path, config)
    notes = read_notes(path, stats, config, progress)
    return assemble(path, config, notes, stats)
