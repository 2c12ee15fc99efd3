"""Work done off the watcher's rebuild thread, one piece at a time, giving bytes.

On Linux a job runs in a forked child, which has the process as it was at the fork
and a core of its own (and whose memory never adds to the watcher's); elsewhere in
a thread. `GraphJob` draws the Referral Graph note: never two drawings at a time, one
asked for while another is under way starts when that one ends.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from vaultkit.io import end_with_parent
from vaultkit.timeline import Person
from vaultkit.vault import Vault

log = logging.getLogger("vaultkit.watch")


@dataclass(frozen=True)
class Ended:
    """What a background job gave when it ended: its bytes, or None if it failed."""

    data: bytes | None


class ChildJob:
    """One piece of background work at a time, giving bytes: in a forked child (which has
    the process as it was at the fork and a core of its own), or else in a thread."""

    def __init__(self, what: str, fork: bool, done: Callable[[], None]) -> None:
        self.what = what  # for the log: "drawing the referral graph"
        self.fork = fork
        self.done = done  # called, on another thread, when the work ends
        self.running = False
        self._pid = 0
        self._result: bytes | None = None
        self._worker: threading.Thread | None = None

    def take(self) -> Ended | None:
        """Give what the work gave, once, when it has ended since the last call."""
        if not self.running or self._worker is None or self._worker.is_alive():
            return None
        self.running = False
        result, self._result = self._result, None
        return Ended(result)

    def run(self, work: Callable[[], bytes]) -> None:
        """Start the work (without `fork`, the caller must leave what it reads as it is
        until the work ends)."""
        self.running, self._result = True, None
        if not self.fork:
            self._worker = threading.Thread(target=self._in_thread, args=(work,), daemon=True)
            self._worker.start()
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, hand the bytes over, and leave without cleaning up
            try:
                os.close(read_end)
                end_with_parent()  # a watcher killed outright leaves no drawing behind
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.nice(10)  # background work: the next save's rebuild comes first
                view = memoryview(work())
                while view:
                    view = view[os.write(write_end, view) :]
                os._exit(0)
            except BaseException:
                os._exit(1)
        os.close(write_end)
        self._pid = pid
        self._worker = threading.Thread(target=self._collect, args=(pid, read_end), daemon=True)
        self._worker.start()

    def _in_thread(self, work: Callable[[], bytes]) -> None:
        try:
            self._result = work()
        except Exception:
            log.exception("%s failed", self.what)
        self.done()

    def _collect(self, pid: int, fd: int) -> None:
        chunks = []
        with os.fdopen(fd, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(pid, 0)
        cancelled, self._pid = self._pid == 0, 0
        if os.waitstatus_to_exitcode(status) == 0:
            self._result = b"".join(chunks)
        elif not cancelled:
            log.warning("%s failed (exit status %d)", self.what, status)
        self.done()

    def cancel(self) -> None:
        """Stop the work under way, if any, and forget it (the watcher is stopping, or the
        work is to start afresh)."""
        pid, self._pid = self._pid, 0
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if self._worker is not None:
            self._worker.join(timeout=10)
        self.running, self._result = False, None


class GraphJob(ChildJob):
    """One drawing of the Referral Graph note at a time; one asked for (`wanted`) while
    another is under way starts when that one ends."""

    def __init__(self, fork: bool, done: Callable[[], None]) -> None:
        super().__init__("drawing the referral graph", fork, done)
        self.wanted = False

    def start(self, vault: Vault, people: Mapping[str, Person], today: date) -> None:
        """Start drawing this vault's graph."""
        from vaultkit.render.graph import render_graph

        self.wanted = False
        self.run(lambda: render_graph(vault, people, today))

    def cancel(self) -> None:
        self.wanted = False
        super().cancel()
