"""`vaultkit watch` and the warm build on a big vault, side by side with their baselines.

On one generated vault (bench/generate_vault.py, 30k notes with --people 9836):

  (a) a warm `vaultkit build` with nothing changed, against a bare os.scandir + stat
      walk of the same tree, each as a fresh process (median of --repeat runs,
      alternating so that load on the machine falls on both alike); target <= 3x;
  (b) `vaultkit watch` with the default debounce: a note is saved (a field that
      changes the Due Actions note) and the time until that note's bytes change on
      disk is taken, over --saves saves, p50 and p95; targets 150 ms and 400 ms.
      Two kinds of save: a meeting's `thanked:` commented out and back (only the due
      actions change), and a contact paused and unpaused (the referral graph changes
      too, and is redrawn in the background meanwhile);
  (c) the watcher's peak memory (VmHWM of its process; the graph is drawn in a
      forked child, whose own peak is not counted); target < 300 MB.

    python bench/bench_watch.py [--people 9836] [--saves 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate_vault import generate  # noqa: E402

TODAY = "2026-11-25"
DUE = Path("CRM") / "Due Actions.md"
WALK = """
import os, sys
n = 0
stack = [sys.argv[1]]
while stack:
    for entry in os.scandir(stack.pop()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            stack.append(entry.path)
        elif entry.name.endswith(".md"):
            entry.stat()
            n += 1
"""


def run(argv: list[str]) -> float:
    """Give the seconds one process takes to run to completion."""
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {done.stderr.decode()[-2000:]}")
    return seconds


def build(vault: Path) -> list[str]:
    return [sys.executable, "-m", "vaultkit", "build", str(vault), "--today", TODAY, "-q"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    at = (len(ordered) - 1) * p / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


class Watch:
    """A `vaultkit watch` process, its log read on a thread."""

    def __init__(self, vault: Path) -> None:
        argv = [sys.executable, "-m", "vaultkit", "watch", str(vault), "--today", TODAY]
        self.proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        assert self.proc.stderr is not None
        threading.Thread(target=self._read, args=(self.proc.stderr,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line)

    def seen(self, text: str) -> bool:
        while not self.lines.empty():
            self.log.append(self.lines.get())
        return any(text in line for line in self.log)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.seen(text):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the watcher never logged {text!r}:\n{''.join(self.log)}")
            time.sleep(0.05)

    def peak_mb(self) -> tuple[float, float]:
        """Give (peak, current) resident memory in MB, from /proc."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        kb = {k: int(v.split()[0]) for k, v in re.findall(r"^(VmHWM|VmRSS):\s+(.*)$", status, re.M)}
        return kb["VmHWM"] / 1024, kb["VmRSS"] / 1024

    def stop(self) -> int:
        self.proc.terminate()
        return self.proc.wait(timeout=120)


def identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_ino, st.st_mtime_ns)


def latency(vault: Path, note: Path, old: str, new: str, timeout: float = 10.0) -> float | None:
    """Save `note` with `old` replaced by `new`; give the seconds until the Due Actions
    note's bytes change on disk, or None if they do not within `timeout`."""
    due = vault / DUE
    before, was = identity(due), due.read_bytes()
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace(old, new, 1), encoding="utf-8")
    saved = time.perf_counter()
    deadline = saved + timeout
    while time.perf_counter() < deadline:
        if identity(due) != before:
            seen = time.perf_counter()
            if due.read_bytes() != was:
                return seen - saved
            before = identity(due)
        time.sleep(0.001)
    return None


def saves(vault: Path, watch: Watch, kind: str, count: int) -> list[float]:
    """Give the latency of `count` saves of one kind (each reverted by the next)."""
    if kind == "meeting":
        notes = sorted((vault / "Meetings").rglob("*.md"))
        old, new = "\nthanked:", "\n#hanked:"
    else:
        notes = sorted((vault / "People").rglob("*.md"))
        old, new = "\nseniority: ", "\nstatus: paused\n#seniority: "
    times: list[float] = []
    for note in notes[len(notes) // 3 :]:
        if old not in note.read_text(encoding="utf-8"):
            continue
        first = latency(vault, note, old, new)
        if first is None:  # this note's actions are not in the note: take another
            latency(vault, note, new, old, 2.0)
            continue
        times.append(first)
        while len(times) < count:
            time.sleep(0.5)  # let each save stand alone
            pair = (new, old) if len(times) % 2 else (old, new)
            took = latency(vault, note, *pair)
            if took is None:
                raise SystemExit(f"the Due Actions note did not change after saving {note}")
            times.append(took)
        if len(times) % 2:
            latency(vault, note, new, old)
        return times
    raise SystemExit(f"no {kind} note whose save changes the Due Actions note")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=9836)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vaultkit-bench"))
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, nproc {os.cpu_count()}, "
        f"Python {platform.python_version()} ({sys.executable})"
    )
    with open("/proc/loadavg") as handle:
        print(f"load average at start: {' '.join(handle.read().split()[:3])}")
    vault = args.work / f"watch-{args.people}"
    if vault.exists():
        shutil.rmtree(vault)
    notes = generate(vault, args.people)
    folders = sum(1 for _ in os.walk(vault))
    print(f"vault: {vault}, {notes} notes in {folders} folders")

    first = run(build(vault))  # cold: no cache, every note read, the graph drawn
    print(f"first build (cold, no cache): {first:.1f} s")
    warm, walk = [], []
    for _ in range(args.repeat):
        warm.append(run(build(vault)))
        walk.append(run([sys.executable, "-c", WALK, str(vault)]))
    w, s = statistics.median(warm), statistics.median(walk)
    print(f"(a) warm build, nothing changed: {w * 1000:.0f} ms; scandir+stat walk: "
          f"{s * 1000:.0f} ms; ratio {w / s:.2f}x (target <= 3x)")  # fmt: skip

    watch = Watch(vault)
    started = time.perf_counter()
    watch.wait_for("watching", 600)
    print(f"watcher ready in {time.perf_counter() - started:.1f} s")
    time.sleep(3)
    for kind, what in (("meeting", "a meeting's thanked: commented out"),
                       ("contact", "a contact paused (the graph is redrawn too)")):  # fmt: skip
        times = saves(vault, watch, kind, args.saves)
        p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
        print(f"(b) {what}: {len(times)} saves, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms (targets 150 / 400 ms)")  # fmt: skip
    peak, now = watch.peak_mb()
    print(f"(c) watcher memory: peak {peak:.0f} MB, now {now:.0f} MB (target < 300 MB)")
    watch.seen("")  # read what is logged so far
    rebuilds = [line for line in watch.log if "rebuilt in" in line]
    graphs = sum(1 for line in watch.log if "redrew the referral graph" in line)
    print(f"    {len(rebuilds)} rebuilds logged, {graphs} graph redraws written")
    print(f"watcher exit status on SIGTERM: {watch.stop()}")
    with open("/proc/loadavg") as handle:
        print(f"load average at end: {' '.join(handle.read().split()[:3])}")


if __name__ == "__main__":
    main()
