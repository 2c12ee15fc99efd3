"""The vault on disk: which files are notes, reading and parsing them, the Vault record.

Reading is the one slow part of a build, so a large cold read is split across
the machine's cores; parsing itself stays a pure function (parse.parse_bytes).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from vaultkit import model
from vaultkit.config import Config, fingerprint
from vaultkit.errors import VaultNotFoundError
from vaultkit.links import Resolver, name_key
from vaultkit.model import Link, Note, Problem
from vaultkit.parse import body_link, link_parts, nfc, parse_bytes

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
    reread: int = 0

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
    return _read_one(root, stat, config)[0]


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _read_one(root: Path, stat: FileStat, config: Config) -> tuple[Note, bytes | None]:
    """Give (note, digest of the bytes read) for one file; no digest if it was not read."""
    name = nfc(stat.path.rsplit("/", 1)[-1][:-3])
    if stat.size > config.max_file_bytes:
        message = (
            f"file is {stat.size:,} bytes, over the {config.max_file_bytes:,}-byte limit "
            "(limits.max_file_bytes); not read"
        )
        problem = Problem(stat.path, None, None, "error", "too-large", message)
        return Note(path=stat.path, name=name, problems=(problem,)), None
    try:
        # os.read on a plain string path: the buffered file object and Path joins
        # cost more than the read itself for notes of a few KB.
        fd = os.open(f"{root}/{stat.path}", os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            data = os.read(fd, min(stat.size, config.max_file_bytes) + 1)
            if len(data) > stat.size:  # grown since the scan: read the rest
                data += _read_rest(fd, config.max_file_bytes + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        problem = Problem(
            stat.path, None, None, "error", "unreadable", f"cannot read: {exc.strerror}"
        )
        return Note(path=stat.path, name=name, problems=(problem,)), None
    return parse_bytes(stat.path, data, config), _digest(data)


def _read_rest(fd: int, limit: int) -> bytes:
    parts = []
    while limit > 0:
        part = os.read(fd, min(limit, 1 << 20))
        if not part:
            break
        parts.append(part)
        limit -= len(part)
    return b"".join(parts)


def _read_chunk(
    args: tuple[Path, Sequence[FileStat], Config],
) -> list[tuple[Note, bytes | None]]:
    root, stats, config = args
    gc.disable()  # a forked worker lives for one read; see _no_gc
    return [_read_one(root, s, config) for s in stats]


def read_notes(
    root: Path, stats: Sequence[FileStat], config: Config, progress: Progress | None = None
) -> list[Note]:
    """Give the parsed notes for the given files, in the same order, using every core."""
    return [note for note, _ in _read_many(root, stats, config, progress)]


def _read_many(
    root: Path, stats: Sequence[FileStat], config: Config, progress: Progress | None = None
) -> list[tuple[Note, bytes | None]]:
    total = len(stats)
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_THRESHOLD or workers < 2 or sys.platform != "linux":
        out = []
        for i, stat in enumerate(stats, 1):
            out.append(_read_one(root, stat, config))
            if progress and (i % 500 == 0 or i == total):
                progress(i, total)
        return out
    import multiprocessing

    size = max(200, total // (workers * 8))
    chunks = [(root, stats[i : i + size], config) for i in range(0, total, size)]
    out = []
    # fork: the workers start with the parent's imports, so a pool costs milliseconds.
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for chunk in pool.imap(_read_chunk, chunks):
            out.extend(chunk)
            if progress:
                progress(len(out), total)
    return out


# --- the cache ---------------------------------------------------------------------
# One pickle of every note's parsed record, keyed by path and checked by mtime and
# size (and, for files changed within RACY_NS of the cache's own write, by a digest
# of their bytes). It only ever saves work: anything wrong with it means a re-read.

CACHE_FORMAT = 1
CACHE_FILE = "notes.cache"
RACY_NS = 2_000_000_000
CacheEntry = tuple[int, int, "bytes | None", Note]


class _SafeUnpickler(pickle.Unpickler):
    """Loads only vaultkit's own records, so a planted cache file cannot run code."""

    ALLOWED: ClassVar[dict[tuple[str, str], object]] = {
        ("vaultkit.model", name): getattr(model, name)
        for name in ("Note", "Contact", "Meeting", "Org", "Link", "Task", "Problem")
    } | {("datetime", "date"): date, ("datetime", "datetime"): datetime}

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed") from None


def _cache_stamp(config: Config) -> str:
    from vaultkit import __version__

    return f"{CACHE_FORMAT}/{__version__}/{fingerprint(config)}"


def load_cache(cache_dir: Path, config: Config) -> tuple[dict[str, CacheEntry], int]:
    """Give (entries by path, the cache file's mtime_ns); empty when missing or unusable."""
    path = cache_dir / CACHE_FILE
    try:
        with open(path, "rb") as handle:
            written = os.fstat(handle.fileno()).st_mtime_ns
            if handle.readline() != _cache_stamp(config).encode() + b"\n":
                return {}, 0
            entries = _SafeUnpickler(handle).load()
    except Exception:  # a cache that cannot be read is rebuilt, whatever the cause
        return {}, 0
    if not isinstance(entries, dict):
        return {}, 0
    return entries, written


def save_cache(cache_dir: Path, config: Config, entries: dict[str, CacheEntry]) -> None:
    """Write the cache atomically; a failure only costs the next run a re-read."""
    from vaultkit.io import atomic_write

    data = _cache_stamp(config).encode() + b"\n"
    data += pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        atomic_write(cache_dir / CACHE_FILE, data)


def _still_valid(root: Path, stat: FileStat, entry: CacheEntry, written_ns: int) -> bool:
    mtime_ns, size, digest, _ = entry
    if mtime_ns != stat.mtime_ns or size != stat.size:
        return False
    if mtime_ns < written_ns - RACY_NS:
        return True
    # Changed so close to the cache's own write that mtime cannot tell: compare bytes.
    try:
        return digest is not None and _digest((root / stat.path).read_bytes()) == digest
    except OSError:
        return False


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
        for link in note.fm_links:
            if link.field == "org" and not link.bracketed:
                continue  # an organisation may be named without a note
            if link.target in seen or resolver.resolve(link, note) is not None:
                continue
            seen.add(link.target)
            yield _dangling_problem(note, link)
        for raw, line in note.body_links:
            # Body links stay raw text until one needs reporting: most resolve.
            parts = link_parts(raw)
            if parts is None or parts[0] in seen or resolver.resolve(parts[0], note) is not None:
                continue
            seen.add(parts[0])
            yield _dangling_problem(note, body_link(raw, line))


def _dangling_problem(note: Note, link: Link) -> Problem:
    where = f"{link.field}: " if link.field else ""
    message = f"{where}[[{link.target}]] points to no note"
    return Problem(note.path, link.line, link.field, "warning", "dangling-link", message)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector: reading builds many acyclic records, which it would
    otherwise scan again and again for nothing (it more than doubles the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_vault(
    root: str | os.PathLike[str],
    config: Config,
    progress: Progress | None = None,
    *,
    use_cache: bool = True,
    stats: Sequence[FileStat] | None = None,
) -> Vault:
    """Give the parsed, linked vault at `root`, re-reading only files the cache cannot vouch for."""
    with _no_gc():
        path = resolve_root(root)
        return _load_vault(path, config, progress, use_cache, stats or scan(path, config))


def _load_vault(
    path: Path,
    config: Config,
    progress: Progress | None,
    use_cache: bool,
    stats: Sequence[FileStat],
) -> Vault:
    cache_dir = path / config.cache_folder
    entries, written_ns = load_cache(cache_dir, config) if use_cache else ({}, 0)
    notes: list[Note | None] = []
    stale: list[FileStat] = []
    for stat in stats:
        entry = entries.get(stat.path)
        if entry is not None and _still_valid(path, stat, entry, written_ns):
            notes.append(entry[3])
        else:
            notes.append(None)
            stale.append(stat)
    fresh = iter(_read_many(path, stale, config, progress))
    new_entries: dict[str, CacheEntry] = {}
    for i, stat in enumerate(stats):
        if notes[i] is None:
            note, digest = next(fresh)
            notes[i] = note
            new_entries[stat.path] = (stat.mtime_ns, stat.size, digest, note)
        else:
            new_entries[stat.path] = entries[stat.path]
    if use_cache and (stale or len(entries) != len(new_entries)):
        save_cache(cache_dir, config, new_entries)
    vault = assemble(path, config, [n for n in notes if n is not None], stats)
    return replace(vault, reread=len(stale))
