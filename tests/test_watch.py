"""The watcher, with a real observer: every way a vault changes under it.

Each test edits a copy of the sample vault the way an editor, a sync tool or git does,
then waits (polling, with a deadline) until the watcher is idle and its generated
notes are byte for byte what a cold `build` of a copy of the vault gives.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from vaultkit import build as pipeline
from vaultkit import rebuild as rebuild_module
from vaultkit import watch as watch_module
from vaultkit.cli import cli
from vaultkit.config import load_config
from vaultkit.incremental import Live
from vaultkit.io import vault_lock
from vaultkit.manifest import input_key, remember_build
from vaultkit.render import pieces
from vaultkit.vault import load_vault, scan
from vaultkit.watch import Watcher, default_observer

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 20)
OUTPUTS = ("CRM/CRM Index.md", "CRM/Due Actions.md", "CRM/Referral Graph.md")
BEN = "People/Ben Carter.md"
DEADLINE = 10.0
HASHES: dict[Watcher, dict[str, str]] = {}  # user notes as the test last left them


class Clock:
    """The watcher's one source of `today`, set by the test."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def wait_for(condition: Callable[[], object], what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.02)


def outputs(root: Path) -> dict[str, bytes | None]:
    return {rel: (root / rel).read_bytes() if (root / rel).exists() else None for rel in OUTPUTS}


def cold(root: Path, today: date = TODAY) -> dict[str, bytes | None]:
    """Give the generated notes a cold build of a copy of the vault writes."""
    copy = root.parent / f"cold-{time.monotonic_ns()}"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".vaultkit", "CRM"))
    try:
        pipeline.build(copy, today, use_cache=False)
        return outputs(copy)
    finally:
        shutil.rmtree(copy)


def converged(w: Watcher, today: date = TODAY, timeout: float = DEADLINE) -> None:
    """Wait until the watcher is idle with the notes a cold build gives; remember every
    user note's hash, which must not change before the watcher stops (see `start`)."""
    deadline = time.monotonic() + timeout
    while True:
        wait_for(w.idle, "the watcher to be idle", max(0.1, deadline - time.monotonic()))
        if outputs(w.root) == cold(w.root, today):
            HASHES[w] = user_notes(w.root)
            return
        if time.monotonic() > deadline:
            raise AssertionError("the generated notes never matched a cold build")
        time.sleep(0.05)


def user_notes(root: Path) -> dict[str, str]:
    """Give the SHA-256 of every file but the generated notes and the cache."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in ("CRM", ".vaultkit")
    }


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def set_role(root: Path, role: str) -> None:
    """Save Ben Carter's note with another role: a change the index shows."""
    path = root / BEN
    path.write_text(with_role(path.read_text(encoding="utf-8"), role), encoding="utf-8")


def with_role(text: str, role: str) -> str:
    return re.sub(r"(?m)^role: .*$", f"role: {role}", text, count=1)


def shows(root: Path, text: str) -> bool:
    return text in (root / "CRM" / "CRM Index.md").read_text(encoding="utf-8")


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return shutil.copytree(
        ROOT / "sample_vault", tmp_path / "vault", ignore=shutil.ignore_patterns(".vaultkit", "CRM")
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def start(vault: Path, clock: Clock) -> Iterator[Callable[..., Watcher]]:
    """Give start(**options): a started watcher of `vault`, stopped after the test."""
    started: list[Watcher] = []

    def make(**options: Any) -> Watcher:
        options.setdefault("debounce", 0.05)
        options.setdefault("clock", clock)
        w = Watcher(vault, **options)
        w.start()
        started.append(w)
        wait_for(w.idle, "the first build")
        return w

    yield make
    for w in started:
        w.stop()
        # No user note is ever changed by the watcher: as the test last left them.
        assert user_notes(w.root) == HASHES.pop(w, user_notes(w.root))


@pytest.fixture
def watcher(start: Callable[..., Watcher]) -> Watcher:
    return start()


def cycle_after(w: Watcher, before: int) -> None:
    wait_for(lambda: w.counts.cycles > before, "a rebuild cycle")


# --- saves ----------------------------------------------------------------------------


def test_the_cache_the_watcher_leaves_spares_the_next_build_every_read(
    start: Callable[..., Watcher], vault: Path
) -> None:
    (vault / "vaultkit.toml").write_text("[limits]\nmax_file_bytes = 100000\n")
    (vault / "People" / "Huge.md").write_text("---\ntype: contact\n---\n" + "x" * 120_000)
    an_hour_ago = time.time() - 3600  # older than any racy window: stats can vouch for them
    for path in vault.rglob("*.md"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    w = start()
    w.stop()
    loaded = load_vault(vault, load_config(vault))
    # Only the file too large to read is tried again, as every build tries it.
    assert loaded.reread == 1
    assert loaded.notes == load_vault(vault, load_config(vault), use_cache=False).notes


def test_the_self_check_runs_alongside_the_watch(
    vault: Path, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check of the quick renderer against a whole build (a second or more on a big
    vault) runs in a child while the notes are written and saves are heard."""
    gate = tmp_path / "gate"

    def slow_check(self: Live) -> list[str]:
        wait_for(gate.exists, "the test to open the gate")
        return []

    monkeypatch.setattr(Live, "check", slow_check)
    w = Watcher(vault, debounce=0.05, clock=clock)
    w.start()
    try:
        assert w.rebuild.checking.running  # started, not waited for
        written, whole = outputs(vault), cold(vault)
        for rel in OUTPUTS[:2]:  # the graph is drawn in the background too
            assert written[rel] == whole[rel]
        set_role(vault, "heard while checking")
        wait_for(lambda: shows(vault, "heard while checking"), "the save's rebuild")
        assert not w.idle()  # not idle until the check has ended
        gate.touch()
        converged(w)
    finally:
        gate.touch()
        w.stop()


def test_a_disagreeing_quick_renderer_is_turned_off_and_its_notes_rewritten(
    start: Callable[..., Watcher], vault: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setattr(pieces, "due_note", lambda *args: b"wrong\n")
    with caplog.at_level(logging.WARNING, logger="vaultkit.watch"):
        w = start()
        converged(w)  # first written wrong, then rewritten as a whole build writes them
    assert w.live.fallback
    assert "the quick renderer disagrees with a whole build on CRM/Due Actions.md" in caplog.text
    set_role(vault, "after the fallback")
    converged(w)
    assert shows(vault, "after the fallback")


def test_first_build_and_a_save_in_place(watcher: Watcher, vault: Path) -> None:
    assert outputs(vault) == cold(vault)
    cycles = watcher.counts.cycles
    set_role(vault, "cold role")
    converged(watcher)
    assert shows(vault, "cold role")
    assert watcher.counts.cycles == cycles + 1
    assert watcher.counts.rebuilds == 1
    assert not list(vault.rglob("*.vaultkit-tmp"))


def vim(folder: Path, name: str, text: str) -> None:
    """vim's default save: test file 4913, the original renamed to a backup, a new file."""
    (folder / "4913").write_bytes(b"")
    (folder / "4913").unlink()
    (folder / f".{name}.swp").write_bytes(b"swap")
    os.rename(folder / name, folder / f"{name}~")
    with open(folder / name, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.unlink(folder / f"{name}~")
    os.unlink(folder / f".{name}.swp")


def jetbrains(folder: Path, name: str, text: str) -> None:
    """JetBrains' safe write: a ___jb_tmp___ file, the original kept as ___jb_old___."""
    (folder / f"{name}___jb_tmp___").write_text(text, encoding="utf-8")
    os.rename(folder / name, folder / f"{name}___jb_old___")
    os.rename(folder / f"{name}___jb_tmp___", folder / name)
    os.unlink(folder / f"{name}___jb_old___")


def vscode(folder: Path, name: str, text: str) -> None:
    """An atomic save: a hidden temporary file renamed over the note."""
    tmp = folder / f".{name}.tmp-1234"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, folder / name)


def obsidian(folder: Path, name: str, text: str) -> None:
    """A save in place: the file truncated, then written in two pieces."""
    with open(folder / name, "w", encoding="utf-8") as handle:
        handle.flush()
        half = len(text) // 2
        handle.write(text[:half])
        handle.flush()
        handle.write(text[half:])


@pytest.mark.parametrize("save", [vim, jetbrains, vscode, obsidian])
def test_editor_saves(
    watcher: Watcher, vault: Path, save: Callable[[Path, str, str], None]
) -> None:
    path = vault / BEN
    text = with_role(path.read_text(encoding="utf-8"), "Saved by an editor")
    cycles = watcher.counts.cycles
    save(path.parent, path.name, text)
    before = user_notes(vault)
    converged(watcher)
    assert shows(vault, "Saved by an editor")
    assert watcher.counts.cycles - cycles <= 2
    assert user_notes(vault) == before
    assert not [p for p in vault.rglob("*") if "jb_" in p.name or p.name.endswith("~")]


def test_editor_files_are_ignored(watcher: Watcher, vault: Path) -> None:
    people = vault / "People"
    junk = ["4913", ".Ben Carter.md.swp", "Ben Carter.md~", "Ben Carter.md___jb_tmp___"]
    junk += ["#Ben Carter.md#", ".#Ben Carter.md", "Ben Carter.md.tmp", ".~lock.Ben.md#"]
    ignored = watcher.counts.ignored
    for name in junk:
        (people / name).write_text("---\ntype: contact\n---\n", encoding="utf-8")
    looked, cycles = watcher.counts.looked, watcher.counts.cycles
    set_role(vault, "cold role")  # a real save after the junk
    cycle_after(watcher, cycles)
    converged(watcher)
    assert shows(vault, "cold role")
    assert watcher.counts.looked - looked == 1  # only the note itself was read
    assert watcher.counts.ignored - ignored >= len(junk)
    index = (vault / "CRM" / "CRM Index.md").read_text(encoding="utf-8")
    assert "4913" not in index and "jb_tmp" not in index


def test_a_note_read_in_the_middle_of_a_save_is_read_again(watcher: Watcher, vault: Path) -> None:
    path = vault / BEN
    text = with_role(path.read_text(encoding="utf-8"), "Saved in two goes")
    for cut in (0, len(text) // 3):  # empty, then cut off inside the front-matter
        cycles = watcher.counts.cycles
        handle = open(path, "w", encoding="utf-8")  # noqa: SIM115
        try:
            handle.write(text[:cut])
            handle.flush()
            cycle_after(watcher, cycles)  # the watcher saw the half-written note
            wait_for(watcher.idle, "the half-written note to be rebuilt")
            handle.write(text[cut:])
        finally:
            handle.close()
        converged(watcher)
    assert shows(vault, "Saved in two goes")


def test_a_hundred_rapid_saves_make_a_handful_of_rebuilds(watcher: Watcher, vault: Path) -> None:
    path = vault / BEN
    text = path.read_text(encoding="utf-8")
    cycles = watcher.counts.cycles
    for i in range(100):
        path.write_text(with_role(text, f"Save number {i}."), encoding="utf-8")
    converged(watcher)
    assert 1 <= watcher.counts.cycles - cycles <= 10
    assert shows(vault, "Save number 99.")


# --- moves, deletions, folders, storms ------------------------------------------------


@pytest.mark.filterwarnings("ignore:Callback with id:RuntimeWarning")  # watchdog's own notice
def test_moves_renames_and_deletions(watcher: Watcher, vault: Path, tmp_path: Path) -> None:
    steps: list[Callable[[], object]] = [
        lambda: os.rename(vault / BEN, vault / "People" / "Benjamin Carter.md"),
        lambda: os.rename(vault / "People" / "Benjamin Carter.md", vault / "Benjamin Carter.md"),
        lambda: os.rename(vault / "Orgs", vault / "Organisations"),
        lambda: os.unlink(vault / "People" / "Chloe Adams.md"),
        lambda: shutil.move(str(vault / "Meetings"), str(tmp_path / "outside")),
        lambda: shutil.move(str(tmp_path / "outside"), str(vault / "Meetings")),
        lambda: shutil.rmtree(vault / "Organisations"),
    ]
    for step in steps:
        cycles = watcher.counts.cycles
        step()
        cycle_after(watcher, cycles)
        converged(watcher)
    assert "Benjamin Carter" in (vault / "CRM" / "CRM Index.md").read_text(encoding="utf-8")


def test_a_folder_arriving_with_notes_inside(watcher: Watcher, vault: Path, tmp_path: Path) -> None:
    team = tmp_path / "Team"
    team.mkdir()
    for i in range(5):
        front = f'type: contact\nreferred_by: "[[Ben Carter]]"\noutreach: [2026-11-0{i + 1}]\n'
        (team / f"Teammate {i}.md").write_text(f"---\n{front}---\n", encoding="utf-8")
    cycles = watcher.counts.cycles
    os.rename(team, vault / "People" / "Team")  # moved in whole
    cycle_after(watcher, cycles)
    converged(watcher)
    shutil.copytree(vault / "People" / "Team", vault / "People" / "Team copy")  # made, then filled
    converged(watcher)
    index = (vault / "CRM" / "CRM Index.md").read_text(encoding="utf-8")
    assert "Team copy/Teammate 4" in index


def test_a_checkout_of_two_thousand_files_is_coalesced(
    watcher: Watcher, vault: Path, tmp_path: Path
) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate_vault import generate  # type: ignore[import-not-found]

    made = generate(tmp_path / "branch", 656, 11)
    assert made >= 2000
    cycles = watcher.counts.cycles
    for source in sorted((tmp_path / "branch").rglob("*.md")):  # as git writes a checkout
        target = vault / "Imported" / source.relative_to(tmp_path / "branch")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    before = user_notes(vault)
    converged(watcher, timeout=60)
    assert 1 <= watcher.counts.cycles - cycles <= 5
    assert user_notes(vault) == before


# --- what must not happen -------------------------------------------------------------


def test_its_own_writes_never_trigger_a_rebuild(watcher: Watcher, vault: Path) -> None:
    ignored, writes = watcher.counts.ignored, watcher.writer.writes
    role = "Research Lead at a fintech startup"
    for n in range(3):
        cycles, rebuilds = watcher.counts.cycles, watcher.counts.rebuilds
        edit(vault, BEN, f"role: {role}", f"role: {role} {n}")
        role = f"{role} {n}"
        converged(watcher)
        assert (watcher.counts.cycles, watcher.counts.rebuilds) == (cycles + 1, rebuilds + 1)
    assert watcher.writer.writes - writes >= 3  # the index, each time
    assert watcher.counts.ignored > ignored  # its writes were heard, and dropped


@pytest.mark.parametrize("how", ["deleted", "moved away"])
def test_a_generated_note_deleted_or_moved_away_is_written_again(
    watcher: Watcher, vault: Path, tmp_path: Path, how: str
) -> None:
    converged(watcher)
    rebuilds = watcher.counts.rebuilds
    for rel in OUTPUTS:
        if how == "deleted":
            (vault / rel).unlink()
        else:
            (vault / rel).rename(tmp_path / Path(rel).name)
    wait_for(lambda: all((vault / rel).exists() for rel in OUTPUTS), "the notes written again")
    converged(watcher)
    assert watcher.counts.rebuilds == rebuilds  # no note changed: nothing read again


def test_a_users_note_moved_aside_from_a_generated_notes_place_lets_it_be_written(
    start: Callable[..., Watcher], vault: Path, tmp_path: Path
) -> None:
    (vault / "CRM").mkdir()
    (vault / "CRM" / "Due Actions.md").write_text("my own notes\n")
    w = start()
    assert (vault / "CRM" / "Due Actions.md").read_text() == "my own notes\n"
    (vault / "CRM" / "Due Actions.md").rename(tmp_path / "mine.md")
    wait_for(lambda: (vault / "CRM" / "Due Actions.md").exists(), "the Due Actions note")
    converged(w)
    assert (tmp_path / "mine.md").read_text() == "my own notes\n"


def test_a_record_of_a_build_never_vouches_for_a_missing_note(
    start: Callable[..., Watcher], vault: Path
) -> None:
    w = start()
    converged(w)
    w.stop()
    graph = vault / "CRM" / "Referral Graph.md"
    graph.unlink()
    # As a watcher idle with the note gone would record it (the record names it missing).
    config = load_config(vault)
    stats = scan(vault, config)
    remember_build(
        vault / config.cache_folder,
        input_key(config, stats, TODAY),
        vault,
        config.output.paths(),
        pipeline.Summary(0, 0, 0, 0, 0, 0, 0),
        0,
    )
    result = CliRunner().invoke(cli, ["build", str(vault), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert graph.exists() and outputs(vault) == cold(vault)


def test_an_exception_in_the_handler_never_kills_the_observer(
    watcher: Watcher, vault: Path
) -> None:
    real = watcher._relative
    calls = {"n": 0}

    def flaky(path: str) -> str | None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("a bug in the handler")
        return real(path)

    watcher._relative = flaky  # type: ignore[method-assign]
    set_role(vault, "cold role")  # its event hits the bug
    wait_for(lambda: watcher.counts.handler_errors == 1, "the handler error")
    converged(watcher)  # the rescan found the change anyway
    assert shows(vault, "cold role")
    assert watcher.counts.rescans >= 1
    assert watcher._observer.is_alive()
    set_role(vault, "friend role")
    converged(watcher)
    assert shows(vault, "friend role")


def test_a_dead_observer_is_restarted(watcher: Watcher, vault: Path) -> None:
    watcher._observer.stop()
    watcher._observer.join()
    wait_for(lambda: watcher.counts.restarts == 1, "the supervisor to restart the observer")
    set_role(vault, "cold role")
    converged(watcher)
    assert shows(vault, "cold role")


def lose_a_save(w: Watcher, vault: Path, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Save Ben Carter's note with the watcher deaf to it, as when the kernel drops events."""
    dropped: list[object] = []
    monkeypatch.setattr(w, "heard", dropped.append)
    cycles = w.counts.cycles
    set_role(vault, role)
    wait_for(lambda: len(dropped) >= 2, "the save's events (modified, closed)")
    monkeypatch.undo()
    assert w.counts.cycles == cycles and not shows(vault, role)


def test_an_overflowed_queue_means_a_rescan(
    watcher: Watcher, vault: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    lose_a_save(watcher, vault, "cold role", monkeypatch)
    with caplog.at_level(logging.WARNING):  # how watchdog tells of it: in its log
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        converged(watcher)
    assert shows(vault, "cold role")
    assert watcher.counts.overflows == 1 and watcher.counts.rescans >= 1
    assert "fs.inotify.max_queued_events" in caplog.text


def test_the_kernels_overflow_event_reaches_the_watcher(
    watcher: Watcher, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same through watchdog itself: an IN_Q_OVERFLOW event, as the kernel sends it."""
    inotify = getattr(watcher._observer, "_inotify_fd", None)
    if inotify is None:
        pytest.skip("not an inotify observer")
    from watchdog.observers.inotify_c import InotifyConstants, InotifyEvent

    lose_a_save(watcher, vault, "friend role", monkeypatch)
    inotify.handle_event(InotifyEvent(-1, InotifyConstants.IN_Q_OVERFLOW, 0, b""))
    converged(watcher)
    assert shows(vault, "friend role")
    assert watcher.counts.overflows >= 1  # watchdog logs it twice: both are heard


def test_the_watch_limit_falls_back_to_polling(
    start: Callable[..., Watcher], vault: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def no_watches(poll: bool) -> Any:
        if not poll:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")
        return default_observer(True)

    with caplog.at_level(logging.WARNING):
        w = start(observer_factory=no_watches)
    assert w.mode == "poll"
    assert "fs.inotify.max_user_watches" in caplog.text
    set_role(vault, "cold role")
    converged(w)
    assert shows(vault, "cold role")


def test_a_vault_past_the_watch_limit_is_polled(
    start: Callable[..., Watcher], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_module, "watch_limit", lambda: 2)
    with caplog.at_level(logging.WARNING):
        w = start()
    assert w.mode == "poll"
    assert "fs.inotify.max_user_watches is 2" in caplog.text


def test_midnight_rerenders_the_due_actions(watcher: Watcher, vault: Path, clock: Clock) -> None:
    due = (vault / "CRM" / "Due Actions.md").read_bytes()
    rebuilds = watcher.counts.rebuilds
    clock.day = TODAY + timedelta(days=1)  # no file changes
    converged(watcher, clock.day)
    assert (vault / "CRM" / "Due Actions.md").read_bytes() != due
    assert watcher.counts.rebuilds == rebuilds + 1


def test_a_config_change_reads_the_vault_again(watcher: Watcher, vault: Path) -> None:
    (vault / "vaultkit.toml").write_text("[rules]\nhorizon_days = 5\n", encoding="utf-8")
    converged(watcher)
    assert b"horizon_days: 5" in (vault / "CRM" / "Due Actions.md").read_bytes()


# --- one writer at a time -------------------------------------------------------------


def test_a_build_during_the_watchers_write_waits_then_fails_clearly(
    watcher: Watcher, vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writing, release = threading.Event(), threading.Event()

    def slow(write: Callable[[Path, bytes], Any]) -> Callable[[Path, bytes], Any]:
        def held(path: Path, data: bytes) -> Any:
            writing.set()  # the watcher holds the vault lock here
            release.wait(30)
            return write(path, data)

        return held

    for name in ("atomic_write", "write_if_changed"):
        monkeypatch.setattr(rebuild_module, name, slow(getattr(rebuild_module, name)))
    monkeypatch.setitem(pipeline.build.__kwdefaults__, "lock_wait", 0.5)
    set_role(vault, "cold role")
    wait_for(writing.is_set, "the watcher to be writing")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["build", str(vault), "--today", TODAY.isoformat()])
    assert time.monotonic() - started >= 0.5  # it waited for the lock first
    assert result.exit_code == 4
    assert "another vaultkit process is writing this vault" in result.output
    # Held only briefly, the lock is waited for and the build goes through.
    monkeypatch.setitem(pipeline.build.__kwdefaults__, "lock_wait", 10.0)
    threading.Timer(0.3, release.set).start()
    result = CliRunner().invoke(cli, ["build", str(vault), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    monkeypatch.undo()
    converged(watcher)
    assert shows(vault, "cold role")


def test_the_watcher_waits_for_a_cron_build(start: Callable[..., Watcher], vault: Path) -> None:
    w = start(lock_wait=0.2)
    with vault_lock(vault / ".vaultkit", wait=0):  # a build by cron, writing
        set_role(vault, "cold role")
        wait_for(lambda: w.writer.lock_busy >= 1, "the watcher to find the lock taken")
    converged(w)  # and it wrote once the lock was free
    assert shows(vault, "cold role")


# --- the command ----------------------------------------------------------------------


def read_lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_command_stops_cleanly_on_a_signal(vault: Path, sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaultkit", "watch", str(vault), "--today", TODAY.isoformat()],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=read_lines, args=(proc.stderr, lines), daemon=True)
    reader.start()
    seen: list[str] = []

    def logged(text: str) -> bool:
        while not lines.empty():
            seen.append(lines.get())
        return any(text in line for line in seen)

    try:
        wait_for(lambda: logged("watching"), "the watcher to start", 30)
        set_role(vault, "cold role")
        wait_for(lambda: logged("rebuilt in"), "a rebuild")
        wait_for(lambda: outputs(vault) == cold(vault), "the notes to match a cold build")
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0, "".join(seen)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        reader.join(timeout=10)  # it has read to the end: the pipe can be closed
        assert proc.stderr is not None
        proc.stderr.close()
    assert logged("stopping")
    assert not list(vault.rglob("*.vaultkit-tmp"))
    assert outputs(vault) == cold(vault)
    assert (vault / ".vaultkit" / "notes.cache").exists()
