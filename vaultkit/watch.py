"""`vaultkit watch`: the generated notes follow every save (the only module importing watchdog).

A watchdog observer (inotify; polling with `poll=True`, or when inotify cannot start)
hands every event to the watcher, which only notes down the paths it names. A rebuild
thread waits for a quiet window after the last event (`debounce`; at most `max_wait`
in an endless storm), then has the Rebuilder (vaultkit.rebuild) look at those paths,
rebuild and write. Whatever could lose events is met with a rescan of the whole
vault: an overflowed inotify queue, an observer that died (a supervisor starts a new
one), an exception in the event handler, a folder created, moved or deleted.

Its own writes are never heard: hidden paths (the cache folder, the atomic writes'
temporary files, editors' swap files), the generated notes and every file that is
not a note are dropped where events arrive.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from vaultkit.config import CONFIG_NAME, Config, load_config
from vaultkit.incremental import Live
from vaultkit.rebuild import Counts, Rebuilder, Writer, tune_memory
from vaultkit.vault import is_note_path, resolve_root

log = logging.getLogger("vaultkit.watch")
# When folders appear in a burst (a checkout), watchdog may add a watch it already
# holds, keeps the one, and says so on stderr: nothing is lost, so say nothing.
warnings.filterwarnings(
    "ignore", "Callback with id .* already exists for watch", RuntimeWarning, r"watchdog\."
)
DEBOUNCE = 0.05  # seconds of quiet before a rebuild: an editor's save takes a few ms
# Only these: the other kinds (opened, closed unwritten, attributes) make big trees
# overflow the inotify queue, and carry nothing a rebuild needs.
EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]
WATCHDOG_LOGS = ("watchdog.observers.inotify_c", "watchdog.observers.inotify")
WATCH_LIMIT = (
    "raise the limit with `sudo sysctl fs.inotify.max_user_watches=524288` "
    "(and in /etc/sysctl.d/ to keep it), or run `vaultkit watch --poll`"
)
QUEUE_LIMIT = (
    "if it happens often, raise fs.inotify.max_queued_events "
    "(`sudo sysctl fs.inotify.max_queued_events=65536`); "
    "on a tree near the limit of fs.inotify.max_user_watches, raise that too"
)


class _Handler(FileSystemEventHandler):
    """Hands every event to the watcher; an exception here never reaches the observer."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self.watcher.heard(event)
        except Exception as exc:  # the observer thread must live on: rescan instead
            self.watcher.handler_failed(exc)


class _OverflowLog(logging.Handler):
    """watchdog tells of an overflowed inotify queue only in its log: listen there."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.watcher.overflowed()


def default_observer(poll: bool) -> Any:
    """Give a new observer: inotify (or the platform's own), or polling every second."""
    if poll:
        from watchdog.observers.polling import PollingObserver

        return PollingObserver(timeout=1.0)
    from watchdog.observers import Observer

    return Observer()


def watch_limit() -> int | None:
    """Give fs.inotify.max_user_watches, or None where it cannot be read."""
    try:
        return int(Path("/proc/sys/fs/inotify/max_user_watches").read_text())
    except (OSError, ValueError):
        return None


class Watcher:
    """Keeps a vault's generated notes up to date until stopped.

    `clock` is the one source of today's date (the due actions change at midnight);
    `observer_factory(poll)` gives the watchdog observer.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        debounce: float = DEBOUNCE,
        poll: bool = False,
        clock: Callable[[], date] = date.today,
        lock_wait: float = 5.0,
        observer_factory: Callable[[bool], Any] = default_observer,
        fork: bool | None = None,
    ) -> None:
        self.root = resolve_root(root)
        self.debounce = debounce
        self.max_wait = max(2.0, 20 * debounce)  # an endless storm still gets rebuilds
        self.mode = "poll" if poll else "native"
        self.observer_factory = observer_factory
        self.counts = Counts()
        self.rebuild = Rebuilder(
            self.root,
            clock,
            self.counts,
            lock_wait=lock_wait,
            fork=sys.platform == "linux" if fork is None else fork,
            wake=self._wake_up,
        )
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._files: set[str] = set()
        self._gone: set[str] = set()  # generated notes deleted or moved away
        self._rescan = self._reload = self._busy = False
        self._first = self._last = 0.0
        self._observer: Any = None
        self._thread: threading.Thread | None = None
        self._log_hook = _OverflowLog(self)
        self._backoff, self._next_restart = 1.0, 0.0

    @property
    def config(self) -> Config:
        return self.rebuild.config

    @property
    def live(self) -> Live:
        return self.rebuild.live

    @property
    def writer(self) -> Writer:
        return self.rebuild.writer

    # --- starting and stopping ---------------------------------------------------------

    def start(self) -> None:
        """Start watching: the observer first (so that no save made meanwhile is missed),
        then a first build of every note, then the rebuild thread."""
        for name in WATCHDOG_LOGS:
            logging.getLogger(name).addHandler(self._log_hook)
        tune_memory()
        self.rebuild.config = load_config(self.root)  # what is a note, for the first events
        self._start_observer()
        self.rebuild.load()
        log.info("watching %s (%s)", self.root, "polling" if self.mode == "poll" else "inotify")
        self._thread = threading.Thread(target=self._run, name="vaultkit-rebuild", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a write under way completes first (and writes are atomic)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._stop_observer()
        self.rebuild.graph.cancel()
        self.rebuild.checking.cancel()
        for name in WATCHDOG_LOGS:
            logging.getLogger(name).removeHandler(self._log_hook)
        if hasattr(self.rebuild, "live"):
            self.rebuild.save_cache()

    def run_forever(self) -> None:
        """Watch until SIGINT or SIGTERM (call from the main thread), then stop cleanly."""

        def stop(signum: int, _frame: Any) -> None:
            log.info("stopping (%s)", signal.Signals(signum).name)
            self._stop.set()
            self._wake.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, stop)
        self.start()
        while not self._stop.wait(0.5):
            pass
        self.stop()

    def _start_observer(self) -> None:
        if self.mode != "poll" and sys.platform == "linux":
            self._check_watch_limit()
        try:
            self._observer = self._observe(self.mode == "poll")
        except OSError as exc:
            if self.mode == "poll":
                raise
            why = "its watch limit is reached" if exc.errno == 28 else exc.strerror or str(exc)
            log.warning("cannot watch with inotify (%s): polling instead; %s", why, WATCH_LIMIT)
            self.mode = "poll"
            self._observer = self._observe(True)

    def _observe(self, poll: bool) -> Any:
        observer = self.observer_factory(poll)
        observer.schedule(_Handler(self), str(self.root), recursive=True, event_filter=EVENTS)
        observer.start()
        return observer

    def _check_watch_limit(self) -> None:
        """inotify needs a watch per folder; past the limit watchdog silently watches less."""
        limit = watch_limit()
        folders = sum(1 for _ in _folders(self.root)) if limit is not None else 0
        if limit is not None and folders >= limit:
            log.warning(
                "the vault has %d folders and fs.inotify.max_user_watches is %d: "
                "polling instead; %s",
                folders,
                limit,
                WATCH_LIMIT,
            )
            self.mode = "poll"

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            with contextlib.suppress(Exception):
                observer.stop()
                observer.join(timeout=5)

    # --- events, on the observer's thread ----------------------------------------------

    def heard(self, event: FileSystemEvent) -> None:
        """Note down the paths an event names; the rebuild thread looks at them."""
        self.counts.events += 1
        paths = [event.src_path]
        if isinstance(event, (FileMovedEvent, DirMovedEvent)) and event.dest_path:
            paths.append(event.dest_path)
        notes: list[str] = []
        folder = reload = False
        outputs = {p.casefold(): p for p in self.config.output.paths()}
        for raw in paths:
            rel = self._relative(os.fsdecode(raw))
            if rel is None:
                continue
            if rel == CONFIG_NAME:
                reload = True
            elif rel.casefold() in outputs:
                # A generated note deleted, or moved away (a user's note set aside from
                # where one goes, say): written again, as a build would. Its own writes
                # are renames onto it, never from it.
                if raw == event.src_path and event.event_type in ("deleted", "moved"):
                    with self._lock:
                        self._gone.add(outputs[rel.casefold()])
                        self._wake.set()
            elif event.is_directory:
                # A folder is created, moved or deleted with its notes: look at them all.
                folder = folder or is_note_path(f"{rel}/x.md", self.config)
            elif is_note_path(rel, self.config):
                notes.append(rel)
        if not (notes or folder or reload):
            self.counts.ignored += 1
            return
        log.debug("%s %s", event.event_type, " -> ".join(os.fsdecode(p) for p in paths))
        with self._lock:
            self._files.update(notes)
            self._rescan = self._rescan or folder
            self._reload = self._reload or reload
            self._heard_now()

    def _relative(self, path: str) -> str | None:
        root = str(self.root)
        if not path.startswith(root + os.sep):
            return None
        return path[len(root) + 1 :].replace(os.sep, "/")  # as scan gives it: not NFC'd

    def handler_failed(self, exc: BaseException) -> None:
        """An event could not be handled, so it may be lost: rescan the vault."""
        self.counts.handler_errors += 1
        log.warning("error handling a file event (%s: %s): rescanning", type(exc).__name__, exc)
        self.request_rescan()

    def overflowed(self) -> None:
        """The kernel dropped events: what was heard cannot be complete."""
        self.counts.overflows += 1
        log.warning("the inotify event queue overflowed: rescanning the vault; %s", QUEUE_LIMIT)
        self.request_rescan()

    def request_rescan(self) -> None:
        """Have the rebuild thread compare the whole vault with what it knows."""
        with self._lock:
            self._rescan = True
            self._heard_now()

    def _heard_now(self) -> None:
        now = time.monotonic()
        self._first = self._first or now
        self._last = now
        self._wake.set()

    def _wake_up(self) -> None:
        self._wake.set()

    # --- the rebuild thread ------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self._next_wait())
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self._tick()
            except Exception:  # a rebuild that fails must not end the watch: start afresh
                log.exception("rebuild failed; reading the whole vault again")
                self._busy = False
                try:
                    self.rebuild.load()
                except Exception:
                    log.exception("cannot read the vault; trying again shortly")
                    self.request_rescan()
                    self._stop.wait(1.0)

    def _next_wait(self) -> float:
        with self._lock:
            if not (self._files or self._rescan or self._reload):
                return 1.0  # the supervisor, the clock and the graph are looked at each second
            due = min(self._last + self.debounce, self._first + self.max_wait)
            return max(0.0, due - time.monotonic())

    def _tick(self) -> None:
        self._busy = True  # idle() is false until the graph drawn or the notes are written
        try:
            self._supervise()
            rebuild = self.rebuild
            with self._lock:
                gone, self._gone = self._gone, set()
            if gone:
                rebuild.restore(gone)
            rebuild.take_check()
            rebuild.draw_graph()
            rebuild.writer.retry()
            rebuild.new_day()
            with self._lock:
                now = time.monotonic()
                pending = self._files or self._rescan or self._reload
                quiet = now >= self._last + self.debounce or now >= self._first + self.max_wait
                if not (pending and quiet):
                    rebuild.record(now)
                    return
                files, rescan, reload = self._files, self._rescan, self._reload
                self._files, self._rescan, self._reload = set(), False, False
                self._first = self._last = 0.0
            rebuild.cycle(files, rescan, reload)
        finally:
            self._busy = False

    def _supervise(self) -> None:
        """Start a new observer if the old one died, then rescan: events may be lost."""
        observer = self._observer
        alive = observer is not None and observer.is_alive()
        if alive and all(e.is_alive() for e in getattr(observer, "emitters", ())):
            self._backoff = 1.0
            return
        now = time.monotonic()
        if now < self._next_restart:
            return
        log.warning("the file observer stopped: starting a new one and rescanning")
        self.counts.restarts += 1
        self._stop_observer()
        self._next_restart = now + self._backoff
        self._backoff = min(self._backoff * 2, 30.0)
        try:
            self._start_observer()
        except Exception as exc:
            log.warning("cannot start a file observer (%s); trying again shortly", exc)
        self.request_rescan()

    def idle(self) -> bool:
        """Give whether nothing is pending, being rebuilt, drawn or waiting to be written."""
        with self._lock:
            pending = bool(self._files or self._rescan or self._reload or self._gone)
        return not (pending or self._busy or self.rebuild.busy())


def _folders(root: Path) -> Iterator[str]:
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        yield folder
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                    stack.append(entry.path)
