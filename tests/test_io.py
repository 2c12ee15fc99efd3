"""Atomic writes, write-if-changed, and the vault's writer lock (across processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MakeVault, note

from vaultkit import build as pipeline
from vaultkit.cli import cli
from vaultkit.errors import LockBusyError
from vaultkit.io import atomic_write, vault_lock, write_if_changed

HOLDER = """
import sys
from pathlib import Path
from vaultkit.io import vault_lock

with vault_lock(Path(sys.argv[1]), wait=0):
    print("held", flush=True)
    sys.stdin.read()  # hold until stdin closes (or the process is killed)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Give another process that holds the lock of tmp_path/'cache' until its stdin closes."""
    with subprocess.Popen(  # the with closes its pipes
        [sys.executable, "-c", HOLDER, str(tmp_path / "cache")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "held\n"
        yield proc
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- atomic_write -----------------------------------------------------------------


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "Index.md"
    atomic_write(target, b"one\n")
    assert target.read_bytes() == b"one\n"
    atomic_write(target, b"two\n")
    assert target.read_bytes() == b"two\n"
    assert listing(target.parent) == ["Index.md"]  # no temporary file left behind


def test_atomic_write_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "a.md", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.md").stat().st_mode & 0o777 == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "Index.md"
    target.write_bytes(b"old\n")
    with pytest.raises(TypeError):
        atomic_write(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old\n"
    assert listing(tmp_path) == ["Index.md"]


# --- write_if_changed -------------------------------------------------------------


def test_write_if_changed(tmp_path: Path) -> None:
    target = tmp_path / "CRM" / "Index.md"
    assert write_if_changed(target, b"a\n") is True
    past = 1_600_000_000_000_000_000
    os.utime(target, ns=(past, past))
    inode = target.stat().st_ino
    assert write_if_changed(target, b"a\n") is False
    assert target.stat().st_mtime_ns == past and target.stat().st_ino == inode
    assert write_if_changed(target, b"b\n") is True  # same size, other bytes
    assert target.read_bytes() == b"b\n" and target.stat().st_mtime_ns != past
    assert write_if_changed(target, b"longer\n") is True
    assert listing(target.parent) == ["Index.md"]


# --- vault_lock ---------------------------------------------------------------------


def test_lock_is_reentrant_after_release(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with vault_lock(cache, wait=0):
        assert (cache / "lock").read_text().strip() == str(os.getpid())
    with vault_lock(cache, wait=0):
        pass


def test_second_holder_waits_then_raises(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LockBusyError) as info, vault_lock(tmp_path / "cache", wait=0.3):
        pytest.fail("the lock was given twice")
    assert info.value.exit_code == 4
    assert "another vaultkit process is writing this vault" in str(info.value)
    assert str(tmp_path / "cache" / "lock") in str(info.value)


def test_second_holder_gets_the_lock_when_the_first_lets_go(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    assert holder.stdin is not None
    release = threading.Timer(0.3, holder.stdin.close)
    release.start()
    try:
        with vault_lock(tmp_path / "cache", wait=60):
            assert holder.wait(timeout=60) == 0  # it let go: we hold it now
    finally:
        release.cancel()


def test_a_killed_holder_does_not_block(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LockBusyError), vault_lock(tmp_path / "cache", wait=0):
        pass
    holder.send_signal(signal.SIGKILL)
    assert holder.wait(timeout=10) == -signal.SIGKILL
    assert (tmp_path / "cache" / "lock").exists()  # the file stays; the lock does not
    with vault_lock(tmp_path / "cache", wait=0):
        pass


def test_build_refuses_while_another_process_writes(
    tmp_path: Path, make_vault: MakeVault, holder: subprocess.Popen[str]
) -> None:
    # The holder locks tmp_path/cache: the vault's cache folder when the vault is tmp_path.
    root = make_vault(
        tmp_path,
        {
            "People/Ann.md": note("type: contact\n"),
            "vaultkit.toml": '[cache]\nfolder = "cache"\n',
        },
    )
    with pytest.raises(LockBusyError):
        pipeline.build(root, date(2026, 3, 1), lock_wait=0.2)
    assert not (root / "CRM" / "CRM Index.md").exists()


def test_lock_busy_is_exit_4_in_one_line(
    tmp_path: Path, make_vault: MakeVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(tmp_path, {"People/Ann.md": note("type: contact\n")})

    def busy(*args: object, **kwargs: object) -> None:
        raise LockBusyError("another vaultkit process is writing this vault", ".vaultkit/lock")

    monkeypatch.setattr(pipeline, "build", busy)
    result = CliRunner().invoke(cli, ["build", str(root)])
    assert result.exit_code == 4
    assert result.stderr == (
        "vaultkit: error: .vaultkit/lock: another vaultkit process is writing this vault\n"
    )
