"""Writing files safely: atomic replacement, write-only-if-changed, the vault lock."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from vaultkit.errors import LockBusyError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new, never half.

    A temporary file in the same folder is written, flushed to disk and renamed
    over the target; the rename is atomic on POSIX and on Windows.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".vaultkit-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o644 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def umask() -> int:
    """Give the process umask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (POSIX), so a rename in it is durable."""
    # The rename is durable only once the folder's entry is on disk.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Give whether `path` was written: only when its bytes differ from `data`."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data)
    return True


def holds_user_text(path: Path) -> bool:
    """Give whether `path` is a file with bytes but no `generated_by: vaultkit` front-matter.

    Such a file is a user's note (or anything else), never to be overwritten by a
    generated note; a missing or empty file holds nothing.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    if not head.strip():
        return False
    lines = head.decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return True
    for line in lines[1:]:
        if line.strip() in ("---", "..."):
            break
        if line.strip().replace(" ", "") == "generated_by:vaultkit":
            return False
    return True


@contextlib.contextmanager
def vault_lock(cache_dir: Path, wait: float = 5.0) -> Iterator[None]:
    """Hold the vault's writer lock, waiting up to `wait` seconds for another holder.

    The lock is an OS file lock (flock), so a killed process releases it and
    never blocks the next run.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock_path = cache_dir / "lock"
    handle = open(lock_path, "a+b")  # noqa: SIM115 - held for the whole block
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockBusyError(
                            f"another vaultkit process is writing this vault (waited {wait:g} s); "
                            "try again when it has finished",
                            str(lock_path),
                        ) from None
                    time.sleep(0.05)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        yield
    finally:
        handle.close()
