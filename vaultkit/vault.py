"""The vault on disk: which files are notes, reading and parsing them, the Vault record.

Reading is the one slow part of a build, so a large cold read is split across
the machine's cores; parsing itself stays a pure function (parse.parse_bytes).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from stat import S_ISDIR, S_ISREG

from vaultkit import cache
from vaultkit.aside import conflict_copies, copy_problem, set_aside
from vaultkit.body import body_link, link_parts, nfc
from vaultkit.config import Config
from vaultkit.errors import VaultNotFoundError
from vaultkit.io import NOT_REGULAR, READ_FLAGS, end_with_parent, read_fd
from vaultkit.links import Resolver
from vaultkit.model import Link, Note, Problem
from vaultkit.parse import parse_bytes

Progress = Callable[[int, int], None]

PARALLEL_THRESHOLD = 1500
# The sizes scan gives a file it lists only to report: one whose name is not valid
# UTF-8 (listed under a printable name, bytes as \xff, never opened by that name), and
# one that is not a regular file (a FIFO would block a read forever).
BAD_NAME_SIZE = -1
NOT_REGULAR_SIZE = -2
# And a folder that cannot be listed (its path ends in `/`): a problem, never a note.
FOLDER_SIZE = -3
_NOT_READ_BECAUSE = {
    BAD_NAME_SIZE: "the file name is not valid UTF-8; not read: rename the file",
    NOT_REGULAR_SIZE: f"cannot read: {NOT_REGULAR}",
    FOLDER_SIZE: "cannot read this folder (its permissions?), so none of its notes were read",
}


@dataclass(frozen=True)
class FileStat:
    """A note file as the last scan saw it."""

    path: str
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class Vault:
    """Every note of a vault, parsed and linked, with the vault's problems.

    `links_checked` is False for a vault read with check_links=False: its problems
    lack the dangling links until with_links_checked adds them.
    """

    root: Path
    config: Config
    notes: tuple[Note, ...]
    problems: tuple[Problem, ...]
    resolver: Resolver
    reread: int = 0
    links_checked: bool = True

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
    skip_files, ignored = _not_notes(config)
    skip_names = {p.rpartition("/")[2] for p in skip_files}
    found: list[FileStat] = []
    stack = [("", str(root))]
    # The walk runs on every build, changed or not: per file, only what must be done.
    while stack:
        rel, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            if rel and exc.errno != errno.ENOENT:  # gone since it was listed: nothing to say
                # Listed (as `folder/`) so that its notes, unread, are not lost in silence.
                with contextlib.suppress(OSError):
                    found.append(FileStat(rel, os.stat(folder).st_mtime_ns, FOLDER_SIZE))
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if f"{rel}{name}".casefold() not in ignored:
                        stack.append((f"{rel}{name}/", entry.path))
                    continue
                if name[-3:].lower() != ".md":
                    continue
                relpath = f"{rel}{name}"
                if name.casefold() in skip_names and relpath.casefold() in skip_files:
                    continue
                st = entry.stat()
            except OSError:
                continue
            listed = note_stat(relpath, st)
            if listed is not None:
                found.append(listed)
    found.sort(key=_path_of)
    return found


def note_stat(rel: str, st: os.stat_result) -> FileStat | None:
    """Give the FileStat a scan lists for the note file `rel` with stat `st` (None for a
    folder): a file not to be read has one of the sizes above."""
    if S_ISDIR(st.st_mode):
        return None
    size = st.st_size if S_ISREG(st.st_mode) else NOT_REGULAR_SIZE
    # The path as the file system gives it, NFD or NFC: it is what opens the file
    # (names, not paths, are compared in NFC).
    if rel.isascii() or _utf8(rel):
        return FileStat(rel, st.st_mtime_ns, size)
    shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
    return FileStat(shown, st.st_mtime_ns, BAD_NAME_SIZE)


def _utf8(text: str) -> bool:
    """Give whether a name from the file system is valid UTF-8 (no escaped bytes in it)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _path_of(stat: FileStat) -> str:
    return stat.path


def read_note(root: Path, stat: FileStat, config: Config) -> Note:
    """Give the parsed note for one file; a file that cannot be read is a problem on it."""
    return _read_one(root, stat, config)[0]


def _read_one(root: Path, stat: FileStat, config: Config) -> tuple[Note, bytes | None]:
    """Give (note, digest of the bytes read) for one file; no digest if it was not read."""
    name = nfc(stat.path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".md"))
    if stat.size < 0:
        problem = _unread(stat.path, _NOT_READ_BECAUSE[stat.size])
        return Note(path=stat.path, name=name, problems=(problem,)), None
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
        # Not blocking, should a FIFO have taken the file's place since the scan.
        fd = os.open(f"{root}/{stat.path}", READ_FLAGS)
        try:
            data = os.read(fd, min(stat.size, config.max_file_bytes) + 1)
            if len(data) > stat.size:  # grown since the scan: read the rest
                data += read_fd(fd, config.max_file_bytes + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        problem = Problem(
            stat.path, None, None, "error", "unreadable", f"cannot read: {exc.strerror}"
        )
        return Note(path=stat.path, name=name, problems=(problem,)), None
    return parse_bytes(stat.path, data, config), cache.digest(data)


def _unread(path: str, message: str) -> Problem:
    return Problem(path, None, None, "error", "unreadable", message)


def was_read(note: Note) -> bool:
    """Give whether the note's file was read (not refused as too large, nor unreadable)."""
    # The problems _read_one gives a file it does not read: file-wide (no line), unlike
    # the `too-large` of front-matter over its limit, which is read.
    return not any(p.code in ("too-large", "unreadable") and p.line is None for p in note.problems)


def _entries(root: Path, stats: Sequence[FileStat], config: Config) -> list[cache.Entry]:
    entries: list[cache.Entry] = []
    for stat in stats:
        note, digest = _read_one(root, stat, config)
        entries.append((stat.path, stat.mtime_ns, stat.size, digest, note))
    return entries


def _read_chunk(args: tuple[Path, Sequence[FileStat], Config]) -> bytes:
    root, stats, config = args
    gc.disable()  # a forked worker lives for one read; see _no_gc
    # Pickled here, once: the same bytes travel to the parent and into the cache.
    return cache.pack(_entries(root, stats, config)).data


def read_notes(
    root: Path, stats: Sequence[FileStat], config: Config, progress: Progress | None = None
) -> list[Note]:
    """Give the parsed notes for the given files, in the same order, using every core."""
    return [e[4] for blob in _read_many(root, stats, config, progress) for e in blob.entries]


def _read_many(
    root: Path, stats: Sequence[FileStat], config: Config, progress: Progress | None = None
) -> list[cache.Blob]:
    """Give blobs of cache entries for the files, in order: in parallel when there are many."""
    total = len(stats)
    workers = min(os.cpu_count() or 1, 8)
    if total < PARALLEL_THRESHOLD or workers < 2 or sys.platform != "linux":
        entries: list[cache.Entry] = []
        for start in range(0, total, 500):
            entries.extend(_entries(root, stats[start : start + 500], config))
            if progress:
                progress(len(entries), total)
        return [cache.Blob(b"", entries)] if entries else []
    import multiprocessing

    # Sixteen chunks a worker: the last one a worker takes is what the other may wait
    # for, and fewer, larger chunks made the 30k read ~3% slower and less even.
    size = max(200, total // (workers * 16))
    chunks = [(root, stats[i : i + size], config) for i in range(0, total, size)]
    blobs = []
    done = 0
    # fork: the workers start with the parent's imports, so a pool costs milliseconds.
    with multiprocessing.get_context("fork").Pool(workers, initializer=end_with_parent) as pool:
        for data in pool.imap(_read_chunk, chunks):
            blobs.append(cache.unpack(data))
            done += len(blobs[-1].entries)
            if progress:
                progress(done, total)
    return blobs


def assemble(
    root: Path,
    config: Config,
    notes: Sequence[Note],
    stats: Sequence[FileStat],
    *,
    check_links: bool = True,
) -> Vault:
    """Give the Vault for parsed notes: conflict copies set aside, links checked
    (unless `check_links` is False: see with_links_checked)."""
    copies = conflict_copies(stats)
    problems: list[Problem] = []
    kept: list[Note] = []
    for note in notes:
        if note.path in copies:
            problems.append(copy_problem(note.path, copies[note.path]))
        elif (aside := set_aside(note)) is not None:
            problems.extend(aside)
        else:
            kept.append(note)
            problems.extend(note.problems)
    resolver = Resolver(kept)
    problems.extend(resolver.clashes())
    if check_links:
        problems.extend(_dangling(kept, resolver))
    problems.sort(key=Problem.sort_key)
    return Vault(root, config, tuple(kept), tuple(problems), resolver, links_checked=check_links)


def dangling_links(vault: Vault) -> list[Problem]:
    """Give the warnings for the vault's links that point to no note."""
    return list(_dangling(vault.notes, vault.resolver))


def with_links_checked(vault: Vault, dangling: Sequence[Problem] | None = None) -> Vault:
    """Give the vault with its dangling links among its problems: `dangling` as
    dangling_links gave it (on another core, say), else worked out here."""
    if vault.links_checked:
        return vault
    found = dangling_links(vault) if dangling is None else dangling
    problems = sorted((*vault.problems, *found), key=Problem.sort_key)
    return replace(vault, problems=tuple(problems), links_checked=True)


def _dangling(notes: Sequence[Note], resolver: Resolver) -> Iterator[Problem]:
    # Whether a link resolves does not depend on where it stands (only which of
    # several candidates it picks does), so each distinct target is looked up once,
    # and a note whose body links are all known to resolve is passed in one step.
    resolves: dict[str, bool] = {}
    body_ok: set[str] = set()  # body links as written, known to resolve
    for note in notes:
        seen: set[str] = set()
        for link in note.fm_links:
            if link.field == "org" and not link.bracketed:
                continue  # an organisation may be named without a note
            found = resolves.get(link.target)
            if found is None:
                found = resolves[link.target] = resolver.resolve(link, note) is not None
            if found or link.target in seen:
                continue
            seen.add(link.target)
            yield _dangling_problem(note, link)
        if body_ok.issuperset(note.body_links):
            continue
        for raw, line in zip(note.body_links, note.body_link_lines, strict=True):
            if raw in body_ok:
                continue
            parts = link_parts(raw)
            target = parts[0] if parts else ""
            found = resolves.get(target)
            if found is None:
                found = resolves[target] = not target or resolver.resolve(target) is not None
            if found:
                body_ok.add(raw)
            elif target not in seen:
                seen.add(target)
                written = body_link(raw, line)
                if written is not None:
                    yield _dangling_problem(note, written)


def _dangling_problem(note: Note, link: Link) -> Problem:
    where = f"{link.field}: " if link.field else ""
    message = f"{where}[[{link.target}]] points to no note"
    return Problem(note.path, link.line, link.field, "warning", "dangling-link", message)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with the cycle collector paused.

    Reading and rendering a vault make hundreds of thousands of acyclic records and
    strings; each few hundred of them would set off a collection that walks them
    again (on 30k notes, rendering took a third longer with it on).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector while a vault is read (see paused_gc), then set what
    was read aside for good: it lives for the rest of the run, and no later collection
    should walk the whole vault again."""
    with paused_gc():
        try:
            yield
        finally:
            gc.freeze()


def load_vault(
    root: str | os.PathLike[str],
    config: Config,
    progress: Progress | None = None,
    *,
    use_cache: bool = True,
    stats: Sequence[FileStat] | None = None,
    check_links: bool = True,
) -> Vault:
    """Give the parsed, linked vault at `root`, re-reading only files the cache cannot vouch for.

    With `check_links=False` the dangling links are left for with_links_checked.
    """
    with _no_gc():
        path = resolve_root(root)
        stats = stats or scan(path, config)
        return _load_vault(path, config, progress, use_cache, stats, check_links)


def _load_vault(
    path: Path,
    config: Config,
    progress: Progress | None,
    use_cache: bool,
    stats: Sequence[FileStat],
    check_links: bool,
) -> Vault:
    cache_dir = path / config.cache_folder
    blobs, written_ns = cache.load(cache_dir, config) if use_cache else ([], 0)
    cached: dict[str, tuple[int, cache.Entry]] = {}
    for index, blob in enumerate(blobs):
        for entry in blob.entries:
            cached[entry[0]] = (index, entry)
    notes: dict[str, Note] = {}
    kept: set[str] = set()
    stale: list[FileStat] = []
    for stat in stats:
        hit = cached.get(stat.path)
        if hit and cache.still_valid(path, stat.mtime_ns, stat.size, hit[1], written_ns):
            notes[stat.path] = hit[1][4]
            kept.add(stat.path)
        else:
            stale.append(stat)
    fresh = _read_many(path, stale, config, progress)
    for blob in fresh:
        for entry in blob.entries:
            notes[entry[0]] = entry[4]
    if use_cache:
        whole = [b for b in blobs if all(e[0] in kept for e in b.entries)]
        if stale or len(whole) < len(blobs):
            # Blobs that still hold only good entries are written back as they were.
            whole_ids = {id(b) for b in whole}
            rest = [e for b in blobs if id(b) not in whole_ids for e in b.entries if e[0] in kept]
            rest += [e for b in fresh if not b.data for e in b.entries]
            out = whole + [b for b in fresh if b.data] + ([cache.pack(rest)] if rest else [])
            cache.save(cache_dir, config, out)
    notes_in_order = [notes[s.path] for s in stats]
    vault = assemble(path, config, notes_in_order, stats, check_links=check_links)
    return replace(vault, reread=len(stale))


def is_note_path(rel: str, config: Config) -> bool:
    """Give whether `scan` would list the vault-relative file path `rel` as a note."""
    parts = rel.split("/")
    if any(not part or part.startswith(".") for part in parts) or not _utf8(rel):
        return False  # a name not valid UTF-8 is found, and reported, by a scan
    if not parts[-1].lower().endswith(".md"):
        return False
    outputs, ignored = _not_notes(config)
    if rel.casefold() in outputs:
        return False
    return not any("/".join(parts[:i]).casefold() in ignored for i in range(1, len(parts)))


@functools.lru_cache(maxsize=8)
def _not_notes(config: Config) -> tuple[frozenset[str], frozenset[str]]:
    """Give, case-folded, the generated notes' paths and the folders never read (the ignored
    ones and the cache, even when not hidden): once a config, not once a path (the watcher
    asks at every event)."""
    ignored = {i.casefold() for i in config.ignore}
    ignored.add(config.cache_folder.strip("/").casefold())
    return frozenset(p.casefold() for p in config.output.paths()), frozenset(ignored)
