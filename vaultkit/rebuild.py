"""What the watcher does after the quiet: look, rebuild, write, draw (no watchdog here).

`Rebuilder` holds the vault as last seen (every file's stat, the Live pieces) and is
driven by the watcher's rebuild thread: `cycle` looks at the paths heard of (or the
whole vault, in a rescan) — events are hints, the disk is the truth — re-reads the
files, brings the Live pieces up to date if a note really changed, and writes the
generated notes whose bytes changed. `Writer` writes under the vault lock, keeping
what it could not write while a `vaultkit build` holds the lock. `GraphJob` draws
the Referral Graph note off the rebuild thread (jobs.py): its analytics take seconds
on a big vault (minutes on a loaded machine), so the other notes are written first.
The check of the quick renderer against a whole build, at every load, is such a
background job too.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import logging
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vaultkit import cache
from vaultkit.build import Outputs, Summary
from vaultkit.config import CONFIG_NAME, load_config
from vaultkit.errors import LockBusyError, VaultkitError, WriteError
from vaultkit.incremental import Live
from vaultkit.io import atomic_write, holds_user_text, vault_lock, write_if_changed
from vaultkit.jobs import ChildJob, GraphJob
from vaultkit.manifest import input_key, last_build, remember_build
from vaultkit.vault import (
    FileStat,
    load_vault,
    note_stat,
    paused_gc,
    read_notes,
    scan,
    was_read,
)

log = logging.getLogger("vaultkit.watch")
RECORD_AFTER = 2.5  # idle seconds before the build is recorded (past manifest.RACY_NS)


@dataclass
class Counts:
    """What the watcher has done so far (for its logs and its tests)."""

    events: int = 0
    ignored: int = 0
    cycles: int = 0
    rebuilds: int = 0
    rescans: int = 0
    looked: int = 0
    graphs: int = 0
    restarts: int = 0
    handler_errors: int = 0
    overflows: int = 0


class Rebuilder:
    """The vault as the watcher last saw it, and the work of bringing its notes up to date."""

    def __init__(
        self,
        root: Path,
        clock: Callable[[], date],
        counts: Counts,
        *,
        lock_wait: float,
        fork: bool,
        wake: Callable[[], None],
    ) -> None:
        self.root, self.clock, self.counts, self.lock_wait = root, clock, counts, lock_wait
        self.fork = fork
        self.graph = GraphJob(fork, wake)
        self.checking = ChildJob("checking the quick renderer", fork, wake)
        self.stats: dict[str, FileStat] = {}
        self.aside: dict[str, Any] = {}  # conflict copies and notes marked generated
        self.recorded = True
        self.last_cycle = 0.0

    def load(self) -> None:
        """Read the whole vault (the cache makes this quick) and write every note."""
        started = time.perf_counter()
        self.config = config = load_config(self.root)
        cache_dir = self.root / config.cache_folder
        due = config.output.path(config.output.due)
        self.writer = Writer(self.root, cache_dir, self.lock_wait, due)
        stats = scan(self.root, config)
        vault = load_vault(self.root, config, stats=stats)
        self.stats = {s.path: s for s in stats}
        self.aside = {}
        today = self.clock()
        with paused_gc():  # _settle collects once, after
            self.live = Live(vault, today, consume=self.fork)
        self._start_check()
        self.writer.write(self.live.render())
        if last_build(cache_dir, input_key(config, stats, today), self.root, config.output.paths()):
            self.recorded = True  # the graph note on disk is this vault's: no drawing
        else:
            self.want_graph()
        log.info("read %d notes in %.2f s", len(vault.notes), time.perf_counter() - started)
        _settle()

    def _start_check(self) -> None:
        """Compare the Live pieces' notes with a whole build's: in a forked child, while
        this process writes and watches (the whole build it compares with takes a second
        or more on a big vault, and never adds to this process); elsewhere here, now."""
        self.checking.cancel()
        if not self.fork:
            self._checked(self.live.check(), render=False)
            return
        live = self.live
        self.checking.run(lambda: "\n".join(live.check()).encode())

    def take_check(self) -> None:
        """Act on the check once it has ended: a disagreement turns the quick renderer off."""
        ended = self.checking.take()
        if ended is not None:
            data = ended.data
            wrong = ["(the check itself failed)"] if data is None else data.decode().split("\n")
            self._checked([w for w in wrong if w], render=True)

    def _checked(self, wrong: list[str], render: bool) -> None:
        if not wrong:
            return
        log.warning(
            "the quick renderer disagrees with a whole build on %s: rendering whole notes "
            "instead (right, but slower on a big vault; please report it)",
            ", ".join(wrong),
        )
        self.live.fallback = True
        if render:
            self.writer.write(self.live.render())
            self.want_graph()  # it may have been drawn with the quick timelines

    def new_day(self) -> None:
        """Work the due actions out again when the date has changed."""
        today = self.clock()
        if today == self.live.today:
            return
        log.info("the date is now %s: due actions worked out again", today.isoformat())
        self.live.set_today(today)
        _settle()
        self.counts.rebuilds += 1
        self.recorded, self.last_cycle = False, time.monotonic()
        self.writer.write(self.live.render())
        self.want_graph()

    def cycle(self, files: set[str], rescan: bool, reload: bool) -> None:
        """Look at the files heard of (every file, in a rescan); rebuild if a note changed."""
        self.counts.cycles += 1
        started = time.perf_counter()
        if reload and self._settings_changed():
            self.load()
            self.counts.rebuilds += 1
            return
        now, look, gone = self._look(files, rescan)
        candidates = [now[p] for p in sorted(look) if p in now]
        self.counts.looked += len(candidates)
        parsed = {n.path: n for n in read_notes(self.root, candidates, self.config)}
        changed = [s for s in candidates if parsed[s.path] != self._known(s.path)]
        self.stats = now
        if not changed and not gone:
            log.debug("nothing changed (%d files looked at)", len(candidates))
            return
        ordered = lambda: sorted(self.stats.values(), key=lambda s: s.path)  # noqa: E731
        looked = time.perf_counter()
        done = self.live.apply(ordered, changed, gone, {s.path: parsed[s.path] for s in changed})
        applied = time.perf_counter()
        for s in changed:
            if s.path not in self.live.by_path:
                self.aside[s.path] = parsed[s.path]
            else:
                self.aside.pop(s.path, None)
        for path in gone:
            self.aside.pop(path, None)
        self.counts.rebuilds += 1
        self.recorded = False
        notes = self.live.render()
        rendered = time.perf_counter()
        written = self.writer.write(notes)
        log.debug(
            "looked %.0f ms, worked out again %d notes' pieces in %.0f ms, rendered %.0f ms, "
            "wrote %.0f ms",
            (looked - started) * 1000,
            done.reached,
            (applied - looked) * 1000,
            (rendered - applied) * 1000,
            (time.perf_counter() - rendered) * 1000,
        )
        if done.full:
            _settle()
        if done.graph:
            self.want_graph()
        self.last_cycle = time.monotonic()
        log.info(
            "rebuilt in %.0f ms: %s%s",
            (time.perf_counter() - started) * 1000,
            _describe(done.changed, done.removed),
            f"; wrote {', '.join(Path(w).stem for w in written)}" if written else "",
        )

    def _settings_changed(self) -> bool:
        try:
            config = load_config(self.root)
        except VaultkitError as exc:  # saved half-way, perhaps: wait for the next save
            log.warning("%s; keeping the settings read before", exc.format())
            return False
        if config == self.config:
            return False
        log.info("%s changed: reading the vault again", CONFIG_NAME)
        return True

    def _look(
        self, files: set[str], rescan: bool
    ) -> tuple[dict[str, FileStat], set[str], list[str]]:
        """Give (every file's stat now, the paths to read, the paths gone)."""
        if rescan:
            self.counts.rescans += 1
            now = {s.path: s for s in scan(self.root, self.config)}
            racy = time.time_ns() - cache.RACY_NS  # a stat this recent cannot vouch for bytes
            seen = {p for p, s in now.items() if self.stats.get(p) != s or s.mtime_ns >= racy}
            return now, seen | (files & set(now)), [p for p in self.stats if p not in now]
        now = self.stats  # updated in place: a copy of 30k stats costs a save milliseconds
        look: set[str] = set()
        gone: list[str] = []
        for rel in files:
            found = _stat(self.root, rel)
            if found is None:
                if now.pop(rel, None) is not None:
                    gone.append(rel)
            else:
                now[rel] = found
                look.add(rel)
        return now, look, gone

    def _known(self, path: str) -> Any:
        note = self.live.by_path.get(path)
        return note if note is not None else self.aside.get(path)

    def restore(self, paths: set[str]) -> None:
        """Write again those of the generated notes (vault paths) that are gone from disk."""
        graph = self.config.output.path(self.config.output.graph)
        missing = {p for p in paths if not (self.root / p).exists()}
        notes = {rel: data for rel, data in self.live.render().items() if rel in missing}
        written = self.writer.write(notes) if notes else []
        if written:
            log.info("wrote %s again: it was deleted or moved away", ", ".join(written))
        if graph in missing:
            self.want_graph()  # drawn again: its bytes are not kept
        if missing:
            self.recorded = False  # the record of the last build names the notes as they were

    def want_graph(self) -> None:
        """Have the graph drawn again (now, or when the drawing under way ends)."""
        self.graph.wanted = True
        self.draw_graph()

    def draw_graph(self) -> None:
        """Write a finished drawing of the graph; start the next one if it is wanted."""
        ended = self.graph.take()
        drawn = ended.data if ended is not None else None
        if drawn is not None:
            self.counts.graphs += 1
            self.last_cycle = time.monotonic()
            if self.writer.write({self.config.output.path(self.config.output.graph): drawn}):
                log.info("redrew the referral graph")
        if self.graph.wanted and not self.graph.running:
            live = self.live
            people = live.graph_people()
            self.graph.start(live.vault, people if self.fork else dict(people), live.today)

    def busy(self) -> bool:
        """Give whether a drawing, the check or a write is still to come."""
        graph = self.graph.running or self.graph.wanted
        return bool(graph or self.checking.running or self.writer.unwritten)

    def record(self, now: float) -> None:
        """After a while with nothing to do, record the build: a `vaultkit build` by cron
        then finds nothing to do either."""
        if self.recorded or self.busy() or now - self.last_cycle < RECORD_AFTER:
            return
        self.recorded = True
        _settle(collect=False)
        stats = sorted(self.stats.values(), key=lambda s: s.path)
        key = input_key(self.config, stats, self.live.today)
        summary = Summary.of(self.live.vault, Outputs({}, {}, tuple(self.live.actions)))
        newest = max((s.mtime_ns for s in stats), default=0)
        cache_dir = self.root / self.config.cache_folder
        remember_build(cache_dir, key, self.root, self.config.output.paths(), summary, newest)

    def save_cache(self) -> None:
        """Leave the parsed notes in the cache, so that the next build reads none again."""
        entries: list[cache.Entry] = []
        for p, s in sorted(self.stats.items()):
            note = self.live.by_path.get(p)
            if note is not None:
                kept = cache.NOT_KEPT if was_read(note) else None
                entries.append((p, s.mtime_ns, s.size, kept, note))
        # In blobs of a few hundred: a note changed later costs a build only its blob.
        size = max(500, -(-len(entries) // (cache.MAX_BLOBS - 4)))
        blobs = [cache.pack(entries[i : i + size]) for i in range(0, len(entries), size)]
        cache.save(self.root / self.config.cache_folder, self.config, blobs)


class Writer:
    """Writes generated notes whose bytes changed, under the vault's writer lock."""

    def __init__(self, root: Path, cache_dir: Path, lock_wait: float, first: str) -> None:
        self.root, self.cache_dir, self.lock_wait, self.first = root, cache_dir, lock_wait, first
        self.writes = 0
        self.lock_busy = 0
        self.unwritten: dict[str, bytes] = {}  # kept back while a build held the lock
        self.refused: set[str] = set()  # users' own files where a generated note goes
        # What this writer left in each file: its size, digest and identity. Not the
        # bytes: a big vault's notes run to 20 MB, and the watcher renders new ones
        # while old ones would still be held here.
        self._held: dict[str, tuple[int, bytes, tuple[int, int, int]]] = {}

    def write(self, notes: Mapping[str, bytes]) -> list[str]:
        """Give the paths written: each note whose bytes differ from the file's, `first`
        first (the note a save most often changes); none while the lock stays taken."""
        todo: dict[str, bool] = {}  # path: whether the file is as this writer left it
        for rel in sorted(notes, key=lambda rel: (rel != self.first, rel)):
            held = self._held.get(rel)
            ours = held is not None and _identity(self.root / rel) == held[2]
            if not (ours and held is not None and self._same(held, notes[rel])):
                todo[rel] = ours
        written: list[str] = []
        if not todo:
            return written
        try:
            with vault_lock(self.cache_dir, self.lock_wait):
                for rel, ours in todo.items():
                    why = None if ours else _in_the_way(self.root / rel)
                    if why is not None:
                        # A user's own note (or a folder...) stands where a generated note
                        # goes: never overwrite it (say so once, not at every save).
                        if rel not in self.refused:
                            self.refused.add(rel)
                            log.error("%s: %s", rel, why)
                        self.unwritten.pop(rel, None)
                        continue
                    self.refused.discard(rel)
                    # A file as we left it holds other bytes: no need to read it to know.
                    if ours and _identity(self.root / rel) == self._held[rel][2]:
                        atomic_write(self.root / rel, notes[rel])
                        written.append(rel)
                    elif write_if_changed(self.root / rel, notes[rel]):
                        written.append(rel)
                    # Digested after the write, so a save's note is on disk sooner.
                    data = notes[rel]
                    self._held[rel] = (len(data), _digest(data), _identity(self.root / rel))
                    self.unwritten.pop(rel, None)
        except LockBusyError as exc:
            self.lock_busy += 1
            log.warning("%s; trying again in a moment", exc.format())
            self.unwritten.update((rel, notes[rel]) for rel in todo)
        self.writes += len(written)
        return written

    @staticmethod
    def _same(held: tuple[int, bytes, tuple[int, int, int]], data: bytes) -> bool:
        """Give whether `data` is what this writer left in a file (held as `held`)."""
        return held[0] == len(data) and held[1] == _digest(data)

    def retry(self) -> list[str]:
        """Try again to write what a build's lock kept back."""
        return self.write(dict(self.unwritten)) if self.unwritten else []


def tune_memory() -> None:
    """Have glibc give each big buffer its own mapping, returned when freed: a rebuild
    makes a few of 5-10 MB, which would otherwise grow the heap for good (glibc only)."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD: 1 MB


def _in_the_way(path: Path) -> str | None:
    """Give why no generated note may be written at `path`, or None when one may."""
    try:
        if not holds_user_text(path):
            return None
    except WriteError as exc:
        return exc.message
    return (
        "not a note vaultkit generated, so it is left as it is; move it aside or rename the "
        "generated notes in vaultkit.toml"
    )


def _settle(collect: bool = True) -> None:
    """After reading the vault: keep its many objects out of the garbage collector's
    sight (they hold no cycles; scanning them cost a rebuild 50-100 ms now and then),
    and hand the memory freed meanwhile back to the system (glibc only)."""
    if collect:
        gc.collect()
        gc.freeze()
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def _digest(data: bytes) -> bytes:
    """Give the digest the writer keeps of a note it wrote (not for security)."""
    return hashlib.sha1(data, usedforsecurity=False).digest()


def _identity(path: Path) -> tuple[int, int, int]:
    """Give what tells a file rewritten since we looked: inode, mtime and size."""
    try:
        st = path.stat()
    except OSError:
        return (0, 0, 0)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _stat(root: Path, rel: str) -> FileStat | None:
    try:
        st = os.stat(root / rel)
    except OSError:
        return None
    return note_stat(rel, st)


def _describe(changed: Sequence[str], removed: Sequence[str]) -> str:
    def names(paths: Sequence[str]) -> str:
        shown = ", ".join(Path(p).stem for p in paths[:3])
        return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")

    parts = []
    if changed:
        parts.append(f"{len(changed)} changed ({names(changed)})")
    if removed:
        parts.append(f"{len(removed)} removed ({names(removed)})")
    return "; ".join(parts) or "no note changed"
